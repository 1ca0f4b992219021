"""Profiles: counts and value shapes, never a value."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

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
