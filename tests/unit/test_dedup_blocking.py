"""Blocking's cap: a block larger than the window yields window pairs per record, and is counted."""
from __future__ import annotations

import numpy as np

from stx_migrate.migration.dedup.blocking import sorted_neighbour_pairs


def test_a_block_larger_than_the_window_is_capped_and_counted():
    key = np.array([7] * 20 + [3] * 5 + [-1] * 4)          # one big block, one small, four without key
    kind = np.ones(len(key), dtype=np.int8)
    left, right, capped = sorted_neighbour_pairs(key, kind, window=12)
    assert capped == 20                                      # the 20-record block, not the 5-record one
    small = (key[left] == 3)
    assert small.sum() == 5 * 4 // 2                         # every pair of the small block
    assert (~small).sum() == sum(min(12, 19 - i) for i in range(20))   # 12 neighbours at most per record
    assert (key[left] == key[right]).all()


def test_no_key_no_pairs_and_nothing_capped():
    left, right, capped = sorted_neighbour_pairs(np.full(5, -1), np.ones(5, dtype=np.int8), window=12)
    assert len(left) == len(right) == 0 and capped == 0
