"""Blocking's cap: a block larger than the window yields window pairs per record, and is counted."""
from __future__ import annotations

import numpy as np
import pandas as pd

from stx_migrate.migration.dedup.blocking import _merge_sides, _packable, _pairs_of, _unite_passes, sorted_neighbour_pairs


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


def test_passes_are_united_in_pair_order_each_pair_with_its_strongest_rule():
    """Each pair once, ordered by (left, right), with the strongest (smallest) rule among the passes
    that met it, found by hashing; whatever order the passes come in, and whichever side (this process
    or the forked child) united them."""
    rng = np.random.default_rng(3)
    n = 50
    passes = []
    for prio in (5, 0, 2, 5, 2, 5):
        left, right = rng.integers(0, n, 300), rng.integers(0, n, 300)
        keep = left != right
        low, high = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
        passes.append((prio, low * n + high))      # with repeats inside a pass and across passes
    met = pd.DataFrame({"key": np.concatenate([k for _, k in passes]),
                        "rule": np.concatenate([np.full(len(k), p) for p, k in passes])})
    expected = met.groupby("key")["rule"].min()          # sorted by key
    united = _pairs_of(_merge_sides([_unite_passes(passes[0::2]), _unite_passes(passes[1::2])]), n)
    _assert_pairs_equal(_pairs_of(_unite_passes(list(passes)), n), united)     # one side alone: the same
    np.testing.assert_array_equal(united.left * n + united.right, expected.index.to_numpy())
    np.testing.assert_array_equal(united.rule, expected.to_numpy())
    assert united.rule.dtype == np.int8 and (united.left < united.right).all()
    assert len(united) < len(met)          # repeats were there to drop


def test_pairs_packed_with_their_rule_fit_64_bits_up_to_a_limit():
    assert _packable(3_500_000) and _packable(2**29) and not _packable(2**31)


def _assert_pairs_equal(a, b):
    for field in ("left", "right", "rule"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
