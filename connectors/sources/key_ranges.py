"""Consecutive ranges of an integer key: how a big table is read in key order, a part at a time.

Used where one statement would hold back the reading (SQLite: one core per statement; MySQL
through ConnectorX: its stream holds the GIL while it fetches, so nothing else of the process
runs meanwhile). Each range is read with ``WHERE key BETWEEN low AND high ORDER BY key``, cheap
on a primary key (the rowid or InnoDB's clustered index); the ranges given back one after the
other are the rows of one ordered statement, so the snapshot and its hash are the same.
"""
from __future__ import annotations

import math

RANGE_ROWS = 131_072      # rows per range (about, for keys without big gaps)
MIN_ROWS = 4 * RANGE_ROWS  # smaller tables are read with one statement


def split_key_range(low: object, high: object, rows: int) -> list[tuple[int, int]] | None:
    """Consecutive inclusive ranges covering ``low..high`` (the key's min and max) for ``rows`` rows,
    or None when the table is too small to gain from them or the key is not an integer."""
    if rows < MIN_ROWS or not isinstance(low, int) or not isinstance(high, int):
        return None
    step = math.ceil((high - low + 1) / math.ceil(rows / RANGE_ROWS))
    return [(start, min(high, start + step - 1)) for start in range(low, high + 1, step)]
