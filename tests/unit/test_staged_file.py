"""The import files and the report appear whole or not at all."""
from __future__ import annotations

import pyarrow as pa
import pytest

from stx_migrate.migration.secutix_file.staged_file import staged_file
from stx_migrate.migration.secutix_file.xlsx_book import BookSheet, write_book


def test_a_finished_write_replaces_the_file_and_a_failed_one_leaves_the_old_one(tmp_path):
    target = tmp_path / "contacts.csv"
    target.write_text("old")
    with staged_file(target) as partial:
        partial.write_text("new")
        assert target.read_text() == "old"       # nothing visible before the end
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError), staged_file(target) as partial:
        partial.write_text("half")
        raise RuntimeError("killed mid-write")
    assert target.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["contacts.csv"]


def test_a_report_refused_half_way_leaves_no_file(tmp_path):
    good = BookSheet("counts", rows={1: ["rows", 3]})
    bad = BookSheet("rows", rows={2: ["x"]}, table=[pa.chunked_array([["a", "b"]])],
                    table_row=2)   # a row among the table's: refused while the first sheet is written
    with pytest.raises(ValueError):
        write_book(tmp_path / "report.xlsx", [good, bad])
    assert list(tmp_path.iterdir()) == []
