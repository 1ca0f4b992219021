"""Consecutive ranges of an integer key: how a big table is read in key order, a part at a time.

Used where one statement would hold back the reading (SQLite: one core per statement; MySQL
through ConnectorX: its stream holds the GIL while it fetches, so nothing else of the process
runs meanwhile). Each range is read with ``WHERE key BETWEEN low AND high ORDER BY key``, cheap
on a primary key (the rowid or InnoDB's clustered index); the ranges given back one after the
other are the rows of one ordered statement, so the snapshot and its hash are the same.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from stx_migrate.migration.snapshot import ROW_GROUP_ROWS

RANGE_ROWS = ROW_GROUP_ROWS  # keys per range: a snapshot row group, for keys without gaps
MIN_ROWS = 4 * RANGE_ROWS  # smaller tables are read with one statement
MAX_RANGES = 512           # keys with big gaps: never more statements than this
READERS = 2                # ranges read at once: the client's decoding of one range is a core's work

T = TypeVar("T")
R = TypeVar("R")


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


def read_in_order(read: Callable[[T], R], ranges: Iterable[T], readers: int = READERS, name: str = "range") -> Iterator[R]:
    """``read(range)`` for each range, run by ``readers`` threads, given back in range order.

    ``ranges`` is consumed in the caller's thread, a range at a time as a reader frees up. At most
    ``readers`` + 1 results are held: the one being given back and the ones being read. An error
    of any read is raised here, in range order; closing the iterator cancels the reads not begun
    and waits for those under way (their connections are then free to close).
    """
    pool = ThreadPoolExecutor(max_workers=readers, thread_name_prefix=name)
    waiting = iter(ranges)
    reading: deque = deque()
    try:
        while True:
            while len(reading) < readers + 1 and (bounds := next(waiting, _DONE)) is not _DONE:
                reading.append(pool.submit(read, bounds))
            if not reading:
                return
            yield reading.popleft().result()
    finally:
        for future in reading:
            future.cancel()
        pool.shutdown(wait=True)


_DONE = object()
