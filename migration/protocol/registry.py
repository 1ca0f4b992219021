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

import numpy as np
import pandas as pd

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
    """Passed to every operation: the output column it computes, earlier outputs, findings.

    ``index`` labels the values the operation gets: the rows' source_refs, or (when
    the pipeline runs once per distinct value) the distinct values' positions; the
    findings are turned into rows by :meth:`findings_for`.
    """

    column: str
    outputs: dict[str, pd.Series]
    project: ProjectContext
    index: pd.Index
    reports: list[tuple[np.ndarray, str, pd.Series]] = field(default_factory=list)

    def report(self, mask: pd.Series, code: str, values: pd.Series) -> None:
        """Record a finding with ``code`` for every value where ``mask`` is true."""
        flags = np.asarray(pd.Series(mask).fillna(False).to_numpy(), dtype=bool)
        if flags.any():
            self.reports.append((flags, code, values))

    def findings_for(self, rows: pd.Index, codes: np.ndarray | None = None) -> list[pd.DataFrame]:
        """The findings as log lines of ``rows``; ``codes`` maps each row to its distinct value."""
        frames = []
        for flags, code, values in self.reports:
            row_flags = flags if codes is None else flags[codes]
            if codes is None:
                picked = values.astype("str").to_numpy(dtype=object)[row_flags]
            else:
                picked = values.astype("str").to_numpy(dtype=object)[codes[row_flags]]
            n = int(row_flags.sum())
            info = reason(code)
            frames.append(pd.DataFrame({
                "source_ref": rows[row_flags].astype("str").to_numpy(), "contact_nr": [""] * n, "column": [self.column] * n,
                "code": [code] * n, "severity": [info.severity] * n, "message": [info.message] * n, "value": picked,
            }).astype("str"))
        return frames

    @property
    def findings(self) -> list[pd.DataFrame]:
        return self.findings_for(self.index)


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
    from . import ops_buckets, ops_codes, ops_contact, ops_dates, ops_text  # noqa: F401
