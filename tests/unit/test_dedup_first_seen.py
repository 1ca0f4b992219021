"""first_seen: codes by first occurrence from a sort of packed values give what hashing gives,
also where value and position do not fit in one int64 together (the buckets) and past the buckets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stx_migrate.migration.dedup import first_seen
from stx_migrate.migration.dedup.first_seen import codes_by_first_occurrence


def _check(values):
    values = np.asarray(values, dtype=np.int64)
    np.testing.assert_array_equal(codes_by_first_occurrence(values), pd.factorize(values)[0])


@pytest.mark.parametrize("values", [[], [0], [5], [3, 3], [3, 2], [2, 3, 2], [0, 0, 0, 1, 0]])
def test_tiny_inputs(values):
    _check(values)


@pytest.mark.parametrize("high", [2**8, 2**40, 2**50, 2**55, 2**62])
def test_random_values_with_repeats_whatever_their_width(high):
    """2**40 fits beside the positions, 2**50 and 2**55 need buckets, 2**62 is past them (argsort)."""
    rng = np.random.default_rng(high % 1000)
    distinct = rng.integers(0, high, 3000)
    values = distinct[rng.integers(0, 3000, 20_000)]        # repeats anywhere, in any order
    values[:50] = high - 1                                  # the largest value, repeated at the start
    _check(values)


def test_buckets_split_at_the_top_bits_keep_positions(monkeypatch):
    """A value's run never straddles two buckets; equal values keep the first position across buckets."""
    monkeypatch.setattr(first_seen, "_BITS", 20)            # tiny packing room: many buckets at small sizes
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2**24, 5000)
    values = np.r_[values, values[::-1], values[::7]]
    _check(values)
