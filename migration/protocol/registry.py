"""The registry of protocol operations: small named functions with typed parameters.

An operation takes whole columns and returns a whole column (vectorised); it never
sees a single row on its own. Bad values are reported through the context as
findings with a reason code from :mod:`.codes`, never raised.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pandas as pd

from ..findings import findings_frame
from ..settings.base import StrictModel
from .codes import reason


class NoParams(StrictModel):
    pass


@dataclass(frozen=True)
class ProjectContext:
    """What operations may know about the project (no secrets, no data)."""

    institution: str = ""
    organization: str = ""
    country: str = "FR"
    language: str = "fr"
    retention_cutoff: date | None = None


@dataclass
class StepContext:
    """Passed to every operation: the output column it computes, earlier outputs, findings."""

    column: str
    outputs: dict[str, pd.Series]
    project: ProjectContext
    index: pd.Index
    findings: list[pd.DataFrame] = field(default_factory=list)

    def report(self, mask: pd.Series, code: str, values: pd.Series) -> None:
        """Record a finding with ``code`` for every row where ``mask`` is true."""
        if not mask.any():
            return
        info = reason(code)
        refs = pd.Series(self.index[mask.to_numpy()], index=self.index[mask.to_numpy()], dtype="str")
        self.findings.append(
            findings_frame(refs, "", self.column, code, info.severity, info.message, values[mask].set_axis(refs.index))
        )


Inputs = Literal["one", "many", "none"]


@dataclass(frozen=True)
class Operation:
    name: str
    fn: Callable
    params: type[StrictModel]
    inputs: Inputs
    shorthand: str | None
    summary: str


OPERATIONS: dict[str, Operation] = {}


def operation(name: str, params: type[StrictModel] = NoParams, inputs: Inputs = "one", shorthand: str | None = None):
    """Register ``fn(values, params, ctx) -> Series`` under ``name``.

    ``inputs``: ``one`` gets a Series, ``many`` a list of Series (concat...), ``none``
    gets nothing (constant). ``shorthand`` names the parameter a scalar step value
    fills (``{case: upper}`` means ``{case: {mode: upper}}``).
    """

    def register(fn: Callable) -> Callable:
        if name in OPERATIONS:
            raise RuntimeError(f"operation {name!r} registered twice")
        summary = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        OPERATIONS[name] = Operation(name, fn, params, inputs, shorthand, summary)
        return fn

    return register


def operation_names() -> list[str]:
    _load_builtin()
    return sorted(OPERATIONS)


def get_operation(name: str) -> Operation | None:
    _load_builtin()
    return OPERATIONS.get(name)


def _load_builtin() -> None:
    # Importing the modules registers their operations (once).
    from . import ops_codes, ops_contact, ops_dates, ops_text  # noqa: F401
