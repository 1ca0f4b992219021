"""Consecutive ranges of an integer key: how a big table is read in key order, a part at a time.

Used where one statement would hold back the reading (SQLite: one core per statement; MySQL
through ConnectorX: its stream holds the GIL while it fetches, so nothing else of the process
runs meanwhile). Each range is read with ``WHERE key BETWEEN low AND high ORDER BY key``, cheap
on a primary key (the rowid or InnoDB's clustered index); the ranges given back one after the
other are the rows of one ordered statement, so the snapshot and its hash are the same.
"""
from __future__ import annotations

import math

from stx_migrate.migration.snapshot import ROW_GROUP_ROWS

RANGE_ROWS = ROW_GROUP_ROWS  # keys per range: a snapshot row group, for keys without gaps
MIN_ROWS = 4 * RANGE_ROWS  # smaller tables are read with one statement
MAX_RANGES = 512           # keys with big gaps: never more statements than this


def split_key_range(low: object, high: object, rows: int | None = None) -> list[tuple[int, int]] | None:
    """Consecutive inclusive ranges covering ``low..high`` (the key's min and max), or None when the
    table is too small to gain from them or the key is not an integer.

    The ranges come from the key's span, an upper bound of the rows, so none holds more than
    RANGE_ROWS rows while the span is under MAX_RANGES × RANGE_ROWS (67M keys), and beyond that
    a MAX_RANGES-th of it: memory is bounded by a range, not by the table. ``rows``,
    a row estimate the database keeps for free, only says when a table with a wide span of keys
    is small anyway (counting the rows would scan the table, 0.1–0.4 s per million rows, before
    the first one is read).
    """
    if not isinstance(low, int) or not isinstance(high, int):
        return None
    span = high - low + 1
    if min(span, span if rows is None else rows) < MIN_ROWS:
        return None
    # ranges of RANGE_ROWS keys, the last one shorter: on dense keys a range is a snapshot row group
    # (RANGE_ROWS rows), written as soon as it is read, and the last one, written after the read, is short
    step = max(RANGE_ROWS, math.ceil(span / MAX_RANGES))
    return [(start, min(high, start + step - 1)) for start in range(low, high + 1, step)]
