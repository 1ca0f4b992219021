"""Findings: what the rules, the protocol, dedup and imports say about single rows.

A finding is one line of the log file (``rejects.csv``, architecture §4)::

    source_ref, contact_nr, column, code, severity, message, value

``severity`` is ``error`` (the row is not imported) or ``warning`` (the field is
dropped, defaulted or truncated; the row is kept). Findings are collected in bulk
as DataFrames, never raised one at a time.
"""
from __future__ import annotations

from enum import Enum

import pandas as pd

from .spreadsheet_safe import write_people_csv

FINDING_COLUMNS = ["source_ref", "contact_nr", "column", "code", "severity", "message", "value"]


class Severity(str, Enum):
    ERROR = "error"      # row not imported
    WARNING = "warning"  # field dropped / defaulted / truncated, row kept


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype="str") for name in FINDING_COLUMNS})


def findings_frame(
    source_ref: pd.Series,
    contact_nr: pd.Series | str,
    column: str,
    code: str,
    severity: Severity | str,
    message: str,
    value: pd.Series | str,
) -> pd.DataFrame:
    """Findings for the rows selected in ``source_ref`` (all arguments aligned on its index)."""
    n = len(source_ref)
    if n == 0:
        return empty_findings()
    sev = severity.value if isinstance(severity, Severity) else str(severity)
    frame = pd.DataFrame(
        {
            "source_ref": source_ref.astype("str").to_numpy(),
            "contact_nr": _aligned(contact_nr, source_ref),
            "column": [column] * n,
            "code": [code] * n,
            "severity": [sev] * n,
            "message": [message] * n,
            "value": _aligned(value, source_ref),
        }
    )
    return frame.astype("str")


def _aligned(values: pd.Series | str, index_like: pd.Series):
    if isinstance(values, pd.Series):
        return values.reindex(index_like.index).fillna("").astype("str").to_numpy()
    return [values] * len(index_like)


def concat_findings(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_findings()
    return pd.concat(parts, ignore_index=True)[FINDING_COLUMNS]


def write_findings(findings: pd.DataFrame, path) -> None:
    """Write the log file as UTF-8 CSV with the contract's columns, in a stable order; safe to open in a spreadsheet."""
    write_people_csv(findings[FINDING_COLUMNS], path)
