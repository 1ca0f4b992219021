"""read_in_order: key ranges read by several threads at once, given back in range order."""
from __future__ import annotations

import threading
import time

import pytest

from stx_migrate.connectors.sources.key_ranges import read_in_order


def test_ranges_come_back_in_order_though_later_ones_finish_first():
    def read(n: int) -> int:
        time.sleep(0.05 if n % 2 == 0 else 0.0)  # every odd range is ready before the even one before it
        return n

    assert list(read_in_order(read, range(9), readers=2)) == list(range(9))


def test_two_ranges_are_read_at_once():
    both = threading.Barrier(2, timeout=5)  # one reader at a time would never pass it

    def read(n: int) -> int:
        both.wait()
        return n

    assert list(read_in_order(read, range(4), readers=2)) == [0, 1, 2, 3]


def test_ranges_are_taken_as_readers_free_up_not_all_at_once():
    taken = []

    def ranges():
        for n in range(100):
            taken.append(n)
            yield n

    reading = read_in_order(lambda n: n, ranges(), readers=2)
    assert next(reading) == 0
    assert len(taken) <= 3  # the one given back and two being read: memory stays at a few ranges
    reading.close()


def test_an_error_is_raised_at_its_range_and_nothing_after_it_is_given():
    def read(n: int) -> int:
        if n == 2:
            raise ValueError("range 2")
        return n

    given = []
    with pytest.raises(ValueError, match="range 2"):
        for n in read_in_order(read, range(10), readers=2):
            given.append(n)
    assert given == [0, 1]


def test_closing_waits_for_the_reads_under_way_and_starts_no_other():
    started, finished = [], []

    def read(n: int) -> int:
        started.append(n)
        time.sleep(0.05)
        finished.append(n)
        return n

    reading = read_in_order(read, range(50), readers=2)
    next(reading)
    reading.close()
    count = len(started)
    time.sleep(0.2)
    assert sorted(finished) == sorted(started) and len(started) == count <= 4  # closed: connections may close now


def test_a_big_table_is_split_into_consecutive_ranges_of_a_row_group():
    from stx_migrate.connectors.sources.key_ranges import MIN_ROWS, RANGE_ROWS, split_key_range

    ranges = split_key_range(1, 1_000_000)
    assert ranges[0] == (1, RANGE_ROWS) and ranges[-1][1] == 1_000_000
    assert all(b - a + 1 == RANGE_ROWS for a, b in ranges[:-1])
    assert all(a == b + 1 for (_, b), (a, _) in zip(ranges, ranges[1:]))  # consecutive, no key left out
    assert split_key_range(1, MIN_ROWS - 1) is None  # a small table: still one statement
