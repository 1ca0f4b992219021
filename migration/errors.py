"""Exceptions for a broken *run* (bad rows become findings, never exceptions).

Every error says what to do next: ``exit_code`` is the CLI's exit code (architecture §4:
1 = a gate or guard refused, 2 = bad input or configuration) and ``retriable``
tells a Prefect task whether a retry can help. Messages never carry secrets; a
value quoted in a message is cut to a few characters by :func:`quote_value`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence


def quote_value(value: object, limit: int = 40) -> str:
    """A value as it may appear in an error message: repr-quoted and cut short."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text)


class StxError(Exception):
    """Base class. ``exit_code`` and ``retriable`` are part of the contract."""

    exit_code = 2
    retriable = False


class InputError(StxError):
    """Input that cannot be read at all: names file, row, column and value where known."""

    def __init__(
        self,
        problem: str,
        *,
        file: object = None,
        dataset: str | None = None,
        row: object = None,
        column: str | None = None,
        value: object = None,
        hint: str | None = None,
    ):
        self.problem, self.file, self.dataset = problem, file, dataset
        self.row, self.column, self.value, self.hint = row, column, value, hint
        where = []
        if file is not None:
            where.append(f"file {file}")
        if dataset is not None:
            where.append(f"dataset {dataset}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        if value is not None:
            where.append(f"value {quote_value(value)}")
        text = ", ".join(where)
        message = f"{text}: {problem}" if text else problem
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class ConfigError(StxError):
    """A project, protocol or settings file that does not compile.

    ``problems`` are lines ``file › path › field: problem (allowed: …)``; all of
    them are reported at once.
    """

    def __init__(self, problems: str | Sequence[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class SourceUnavailable(StxError):
    """A source or environment could not be reached (network, server down): worth a retry."""

    exit_code = 2
    retriable = True


class GuardRefused(StxError):
    """A gate or a procedure guard refused to let the step run or pass."""

    exit_code = 1

    def __init__(self, reasons: str | Iterable[str]):
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("refused: " + "; ".join(self.reasons))


class GateRefused(GuardRefused):
    """The quality gate refused the deliverable; ``deliverable_id`` names it (it is kept, for review)."""

    def __init__(self, reasons, deliverable_id: str = ""):
        super().__init__(reasons)
        self.deliverable_id = deliverable_id


class WithheldValue(InputError):
    """An InputError as Prefect may store it: the offending value withheld (it may be personal data).

    ``detail`` keeps the full error for the CLI, which prints it to the user's terminal only.
    """

    detail: InputError


def public_error(error: StxError) -> StxError:
    """``error`` without the quoted value, for Prefect's state message and logs."""
    if isinstance(error, InputError) and error.value is not None:
        public = WithheldValue(error.problem, file=error.file, dataset=error.dataset, row=error.row,
                               column=error.column, hint="value withheld from the Prefect logs; the CLI shows it")
        public.detail = error
        return public
    return error
