"""A big SQLite table read on two cores: consecutive key ranges, each read by its own ADBC connection.

SQLite and the ADBC driver read one statement on one core, and that is the slowest part of a
receive from SQLite. A table whose key is its integer primary key (the rowid, or the clustered
key of a WITHOUT ROWID table) is cut into ranges of that key, each read with ``ORDER BY`` the key
by one of two threads (ADBC hands over Arrow batches without holding the GIL), and the ranges
are given back one after the other: the same rows in the same order as one statement, so the
same snapshot and the same hash.

Each range is its own statement, which the driver types from its own first batch: a range
that starts with a column empty and holds text further on makes the driver refuse it. Any
such surprise raises ReadAgain, and the source then reads the table with one statement as
before (which has its own way back to the exact reader). Memory stays at a few ranges.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa

from . import sqlite_adbc
from .key_ranges import READERS, read_in_order, split_key_range


def key_ranges(conn, relation: str, key: str) -> list[tuple[int, int]] | None:
    """Consecutive, inclusive ranges of the integer ``key`` covering every row, or None when the table
    is too small to gain from them (``relation`` and ``key`` are quoted identifiers)."""
    # two statements: SQLite answers min() or max() alone from the b-tree, but both in one
    # statement scan the whole table (0.6 s per million rows, before the first row is read)
    low = conn.execute(f"SELECT min({key}) FROM {relation}").fetchone()[0]
    high = conn.execute(f"SELECT max({key}) FROM {relation}").fetchone()[0]
    return split_key_range(low, high)


def read_ranges(path: Path, select: Callable[[int, int], str], ranges: list[tuple[int, int]], schema: pa.Schema,
                dataset: str) -> Iterator[pa.RecordBatch]:
    """The batches of ``select(low, high)`` for each range, in range order, read by READERS threads.

    At most READERS + 1 ranges are held: the one being given back and the ones being read.
    A surprise in any range (ReadAgain) is raised here once the readers have stopped.
    """
    local, connections, lock = threading.local(), [], threading.Lock()

    def read(bounds: tuple[int, int]) -> list[pa.RecordBatch]:
        if not hasattr(local, "conn"):
            local.conn = sqlite_adbc.connect(path)
            with lock:
                connections.append(local.conn)
        statement = sqlite_adbc.ArrowStatement(local.conn, select(*bounds))
        return list(sqlite_adbc.read_arrow(statement, schema, dataset))

    reading = read_in_order(read, ranges, READERS, "sqlite-range")
    try:
        for batches in reading:
            yield from batches
    finally:
        reading.close()  # the readers stopped first: then their connections close
        for conn in connections:
            conn.close()
