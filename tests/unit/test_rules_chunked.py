"""Validation chunk by chunk gives exactly the whole-frame result (the prefect-dask path relies on it)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from bench.synthetic import make_contacts
from stx_migrate.migration.rules import check_contacts, check_contacts_in_chunks

TODAY = date(2027, 3, 1)


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.contacts, b.contacts)
    pd.testing.assert_frame_equal(a.findings, b.findings)
    pd.testing.assert_series_equal(a.kinds, b.kinds)
    pd.testing.assert_series_equal(a.rejected, b.rejected)


@pytest.fixture(scope="module")
def frame_with_duplicates_across_chunks() -> pd.DataFrame:
    frame = make_contacts(1200, seed=11, bad_rate=0.05)
    numbers = frame["CONTACT_NR"].copy()
    # a number of chunk 1 again in chunks 2 and 3, and one of chunk 2 again in chunk 3
    for first, later in [(10, 450), (10, 900), (500, 1100)]:
        numbers.iloc[later] = numbers.iloc[first]
    return frame.assign(CONTACT_NR=numbers)


@pytest.mark.parametrize("chunk_rows", [100, 400, 1199])
def test_chunks_give_the_whole_frame_result(frame_with_duplicates_across_chunks, chunk_rows):
    whole = check_contacts(frame_with_duplicates_across_chunks, institution_country="CH", today=TODAY)
    chunked = check_contacts_in_chunks(frame_with_duplicates_across_chunks, chunk_rows=chunk_rows,
                                       institution_country="CH", today=TODAY)
    assert_same(chunked, whole)
    refs = frame_with_duplicates_across_chunks.index
    duplicates = set(chunked.findings.loc[chunked.findings["code"] == "CONTACT_NR_DUPLICATE", "source_ref"])
    assert {refs[450], refs[900], refs[1100]} <= duplicates
    assert refs[10] not in duplicates and bool(chunked.rejected.iloc[900])


def test_the_map_function_receives_every_chunk_in_order(frame_with_duplicates_across_chunks):
    seen = []

    def spy(stage, chunks, name):
        assert name == "check-contacts"
        seen.extend(len(c) for c in chunks)
        return [stage(c) for c in chunks]

    check_contacts_in_chunks(frame_with_duplicates_across_chunks, chunk_rows=500, map_chunks=spy, today=TODAY)
    assert seen == [500, 500, 200]


def test_config_rows_make_the_frame_checked_whole():
    frame = make_contacts(300, seed=3)
    frame = frame.assign(OPERATION=["CONFIG"] + ["INSERT"] * 299)
    calls = []
    chunked = check_contacts_in_chunks(frame, chunk_rows=50, map_chunks=lambda s, c, n: calls.append(1) or [],
                                       today=TODAY)
    assert calls == []
    assert_same(chunked, check_contacts(frame, today=TODAY))
