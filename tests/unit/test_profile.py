"""Profiles: counts and value shapes, never a value."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from stx_migrate.migration.profile import profile_column, profile_parquet, profile_table_rows


def test_shapes_empty_rate_and_distinct():
    values = pa.array(["12/03/1980", "01/01/2000", "", None, "1980-03-12", "12/03/1980"])
    p = profile_column("born", values)
    assert (p.rows, p.empty, p.distinct) == (6, 2, 3)
    assert p.empty_rate == round(2 / 6, 6)
    assert [(x.pattern, x.count) for x in p.top_patterns] == [("99/99/9999", 3), ("9999-99-99", 1)]


def test_no_personal_value_reaches_the_profile(tmp_path):
    names = ["Zoë Dupont", "marie.curie@example.org", "+33 6 12 34 56 78", "Ñandú", "日本"]
    table = pa.table({"who": names, "when": [dt.date(1980, 3, 12)] * 5, "n": [1, 2, None, 4, 5]})
    pq.write_table(table, tmp_path / "d.parquet")
    profile = profile_parquet("d", tmp_path / "d.parquet", "cp1252")
    text = profile.model_dump_json() + str(profile_table_rows(profile))
    for name in names + ["Zo", "marie", "curie", "example", "12 34"]:
        assert name not in text
    shapes = {p.pattern for p in profile.columns[0].top_patterns}
    assert {"AAA AAAAAA", "AAAAA.AAAAA@AAAAAAA.AAA", "+99 9 99 99 99 99", "AA"} <= shapes
    assert profile.columns[1].top_patterns[0].pattern == "9999-99-99"
    assert profile.columns[2].empty == 1 and profile.encoding == "cp1252"


def _fed(table: pa.Table, chunk: int, sample_rows: int):
    from stx_migrate.migration.profile import StreamProfile

    profile = StreamProfile("d", table.schema, sample_rows=sample_rows)
    for start in range(0, table.num_rows, chunk):
        profile.add(table.slice(start, chunk))
    return profile.result()


def test_a_big_dataset_counts_rows_and_empties_exactly_and_the_rest_on_a_bounded_sample():
    n = 10_000
    table = pa.table({"code": [("" if i % 7 == 0 else None if i % 11 == 0 else f"C{i}") for i in range(n)],
                      "n": [None if i % 5 == 0 else i % 3 for i in range(n)]})
    profile = _fed(table, 333, sample_rows=1_000)
    code, number = profile.columns
    empties = sum(1 for i in range(n) if i % 7 == 0 or i % 11 == 0)
    assert (profile.rows, code.rows, code.empty, number.empty) == (n, n, empties, n // 5)
    assert 1_000 <= profile.sampled_rows < 2_000 and not code.distinct_exact
    assert code.distinct <= profile.sampled_rows < n and number.distinct == 3
    # the sample is every k-th row whatever the chunk size: the same profile
    assert _fed(table, 1_000, sample_rows=1_000) == profile
    small = _fed(table.slice(0, 1_500), 100, sample_rows=1_000)
    assert small.sampled_rows is None and small.columns[0].distinct_exact
    assert profile_table_rows(profile)[0]["distinct"] == f"≥ {code.distinct}"
    # chunks made of several batches (as readers hand them over) give the same profile again
    batches = table.to_batches(max_chunksize=97)
    from stx_migrate.migration.profile import StreamProfile

    pieces = StreamProfile("d", table.schema, sample_rows=1_000)
    for start in range(0, len(batches), 5):
        pieces.add(pa.Table.from_batches(batches[start:start + 5]))
    assert pieces.result() == profile


def test_the_sample_does_not_depend_on_the_size_of_the_batches():
    """One batch many times the sample (an xlsx sheet, a 131,072-row chunk) gives the sample that small
    batches give: the rows at multiples of the same stride, 25k-50k of them."""
    n = 9_000
    table = pa.table({"code": [f"C{i % 1_500}" for i in range(n)], "n": list(range(n))})
    whole, small = _fed(table, n, sample_rows=1_000), _fed(table, 250, sample_rows=1_000)
    assert whole == small and 1_000 <= whole.sampled_rows < 2_000


def test_a_profile_finished_in_the_background_is_the_one_counted_in_place():
    """finish() counts the result in a thread beside the snapshot writer; result() gives the same profile."""
    from stx_migrate.migration.profile import StreamProfile

    table = pa.table({"code": [f"C{i % 50}" if i % 9 else "" for i in range(5_000)], "n": list(range(5_000))})
    in_place, background = (StreamProfile("d", table.schema, sample_rows=1_000) for _ in range(2))
    for profile in (in_place, background):
        for start in range(0, table.num_rows, 700):
            profile.add(table.slice(start, 700))
    background.finish()
    background.finish()  # a second call changes nothing
    assert background.result() == in_place.result() and background.result().sampled_rows is not None


def test_a_failure_while_counting_in_the_background_is_raised_by_result(monkeypatch):
    from stx_migrate.migration import profile as profile_module

    def broken(name, values):
        raise RuntimeError("kernel failed")

    monkeypatch.setattr(profile_module, "profile_column", broken)
    profile = profile_module.StreamProfile("d", pa.schema([("a", pa.string())]))
    profile.add(pa.table({"a": ["x"]}))
    profile.finish()
    with pytest.raises(RuntimeError, match="kernel failed"):
        profile.result()


def test_empty_text_is_counted_from_the_offsets_apart_from_nulls():
    from stx_migrate.migration.profile import _empty_strings

    # a null slot may still span bytes: it is a null, never an empty text, whatever its length
    offsets = pa.py_buffer(np.array([0, 0, 3, 3, 5, 5], dtype=np.int32).tobytes())
    validity = pa.py_buffer(np.packbits([1, 0, 1, 1, 1, 0, 0, 0], bitorder="little").tobytes())
    values = pa.StringArray.from_buffers(5, offsets, pa.py_buffer(b"abcde"), validity, null_count=1)
    assert values.to_pylist() == ["", None, "", "de", ""]
    for kind in (pa.string(), pa.large_string()):
        column = pa.chunked_array([values.cast(kind), values.cast(kind).slice(2), pa.array([], kind)])
        assert _empty_strings(column) == 3 + 2
    assert _empty_strings(pa.chunked_array([pa.array([1, None])])) == 0


def test_orphans_counted_alike_whether_the_keys_are_numbers_or_text(tmp_path):
    from stx_migrate.migration.profile import count_orphans

    def orphans(child_keys, main_keys) -> int:
        pq.write_table(pa.table({"k": child_keys}), tmp_path / "child.parquet")
        pq.write_table(pa.table({"id": main_keys}), tmp_path / "main.parquet")
        return count_orphans(tmp_path / "child.parquet", "k", tmp_path / "main.parquet", "id")

    # integer on both sides: 7 and the missing key are orphans (a null main key matches nothing)
    assert orphans(pa.array([1, 2, 7, None, 2], pa.int64()), pa.array([1, 2, 3, None], pa.int32())) == 2
    # text against integer: compared as text, "01" is not 1, "" is no key
    assert orphans(pa.array(["1", "01", "", None, "3"]), pa.array([1, 2, 3], pa.int64())) == 3
    assert orphans(pa.array([5, 6], pa.int16()), pa.array(["5", ""])) == 1
