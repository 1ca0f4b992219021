"""Dedup on a big input forks (records, blocking passes, scoring split over two processes):
every array and the whole result are exactly the in-process ones."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from dedup_cases import labelled_module
from stx_migrate.migration import forked
from stx_migrate.migration.dedup import find_duplicates
from stx_migrate.migration.dedup import compare
from stx_migrate.migration.dedup.blocking import candidate_pairs
from stx_migrate.migration.dedup.compare import score_pairs
from stx_migrate.migration.dedup.records import build_records
from stx_migrate.migration.settings.dedup import DedupSettings

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")


@pytest.fixture(scope="module")
def contacts():
    return labelled_module().labelled_contacts(1500, seed=5)[0]


def _same(a, b) -> None:
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    else:
        np.testing.assert_array_equal(a, b)


def test_forked_records_pairs_and_scores_are_the_in_process_ones(contacts, monkeypatch):
    settings = DedupSettings()
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 10**9)
    rec = build_records(contacts, None, "FR")
    pairs = candidate_pairs(rec, list(settings.rules), settings.block_window)
    one = score_pairs(rec, pairs)
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 0)
    # many chunks of pairs, every other one compared in the child (the in-process run above had one)
    monkeypatch.setattr(compare, "CHUNK_PAIRS", 997)
    rec2 = build_records(contacts, None, "FR")
    for name in (n for n in rec.__dataclass_fields__ if not n.startswith("_")):   # not the derived values' cache
        _same(getattr(rec, name), getattr(rec2, name))
    pairs2 = candidate_pairs(rec2, list(settings.rules), settings.block_window)
    assert len(pairs) > 500
    assert len(pairs) > 4 * compare.CHUNK_PAIRS        # several chunks, on both sides
    for name in ("left", "right", "rule"):
        _same(getattr(pairs, name), getattr(pairs2, name))
    two = score_pairs(rec2, pairs2)
    _same(one.score, two.score)
    _same(one.forced, two.forced)
    assert one.model.table() == two.model.table()       # the same weights learned either way


def test_forked_dedup_result_is_the_in_process_one(contacts, monkeypatch):
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 10**9)
    one = find_duplicates(contacts, DedupSettings())
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(compare, "CHUNK_PAIRS", 997)
    two = find_duplicates(contacts, DedupSettings())
    assert len(one.duplicates) > 0
    pd.testing.assert_frame_equal(one.survivors, two.survivors, check_exact=True)
    pd.testing.assert_frame_equal(one.duplicates, two.duplicates, check_exact=True)
    pd.testing.assert_frame_equal(one.review_pairs, two.review_pairs, check_exact=True)
    pd.testing.assert_series_equal(one.identities, two.identities, check_exact=True)
