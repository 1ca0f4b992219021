"""The findings of one round of an import: built once, from (positions, code, column, value) parts.

A part's ``column`` and ``value`` are a str (the same for every position) or an Arrow
array with one entry per position; severity and message come from the store's codes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import FINDING_COLUMNS, empty_findings
from ..text_arrays import as_str, large_text, repeat_text
from .codes import message_of, severity_of


class RoundErrors:
    """First error per row wins (rows keep one place in the log).

    The checks run in priority order; each keeps only the rows no earlier check failed, as
    positions with their column and value, and the findings are built once, at the end.
    """

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows
        self.failed = np.zeros(len(rows), dtype=bool)
        self.parts: list[tuple] = []    # (positions, code, column, value), one per code

    def add(self, mask: np.ndarray, code: str, column: str, value: pd.Series | str = "") -> None:
        """``mask``: bool per row; ``value``: a str, or a Series of the rows (the failing rows' cells are logged)."""
        pos = np.flatnonzero(mask & ~self.failed)
        if len(pos):
            self.failed[pos] = True
            self.parts.append((pos, code, column, value if isinstance(value, str) else large_text(value).take(pos)))

    def add_at(self, pos: np.ndarray, code: str, column: pa.Array | str, value: pa.Array | str) -> None:
        """Rows at ``pos`` (ascending), with a column and value each (or one str for all)."""
        keep = ~self.failed[pos]
        if keep.any():
            self.failed[pos[keep]] = True
            self.parts.append(part_where((pos, code, column, value), keep))

    def findings(self) -> pd.DataFrame:
        # the log lists a round's errors code by code, codes in the order of their first row
        # (each check has a code of its own: one part per code)
        return findings_of(self.rows, sorted(self.parts, key=lambda part: part[0][0]))


def part_where(part: tuple, keep: np.ndarray) -> tuple:
    """The lines of a findings part (positions, code, column, value) where ``keep``."""
    pos, code, column, value = part
    mask = pa.array(keep)
    return (pos[keep], code, column if isinstance(column, str) else column.filter(mask),
            value if isinstance(value, str) else value.filter(mask))


def findings_of(rows: pd.DataFrame, parts: list[tuple]) -> pd.DataFrame:
    """Findings (one line per position, parts in order) from parts (positions, code, column, value);
    ``column`` and ``value`` are a str or an Arrow array with one entry per position."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return empty_findings()
    pos = np.concatenate([p[0] for p in parts])

    def joined(values: list) -> pa.Array:
        return pa.concat_arrays([repeat_text(v, len(p[0])) if isinstance(v, str) else v for p, v in zip(parts, values)])

    columns = {
        "source_ref": large_text(rows.index).take(pos),
        "contact_nr": pc.fill_null(large_text(rows["CONTACT_NR"]).take(pos), ""),
        "column": joined([p[2] for p in parts]),
        "code": joined([p[1] for p in parts]),
        "severity": joined([severity_of(p[1]).value for p in parts]),
        "message": joined([message_of(p[1]) for p in parts]),
        "value": pc.fill_null(joined([p[3] for p in parts]), ""),
    }
    return pd.DataFrame({name: as_str(columns[name]) for name in FINDING_COLUMNS})
