"""report.xlsx shows exactly what the XlsxWriter report showed: every sheet, label, row and value.

Both files (see :mod:`report_cases`) are read by calamine, which undoes the ``_xHHHH_``
escapes as Excel does; an empty text cell and a missing cell read the same ('').
"""
from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest

from report_cases import FIXTURE, calamine_sheets, tricky_report
from stx_migrate.migration.report import workbook
from stx_migrate.migration.report.workbook import write_report


def test_the_report_shows_what_the_xlsxwriter_report_showed(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 20)
    path = write_report(tricky_report(), tmp_path / "report.xlsx")
    ours, theirs = calamine_sheets(path), calamine_sheets(FIXTURE)
    assert list(ours) == list(theirs)
    for name in theirs:
        assert len(ours[name]) == len(theirs[name]), name
        for number, (mine, old) in enumerate(zip(ours[name], theirs[name]), start=1):
            assert mine == old, (name, number)
    # numbers stay numbers, the rest text; the header row is bold; the properties are kept
    book = openpyxl.load_workbook(path)
    counts = book.worksheets[0]
    assert counts["A1"].font.b and not counts["A3"].font.b and counts["B3"].data_type == "s"
    assert [counts.cell(row, 2).data_type for row in range(11, 18)] == ["n"] * 7
    fix = book.worksheets[2]
    assert all(cell.font.b for cell in fix[1]) and not any(cell.font.b for cell in fix[2])
    assert book.worksheets[1]["D2"].data_type == "n"
    assert fix.column_dimensions["A"].width == pytest.approx(22.71, abs=0.01)
    assert fix.column_dimensions["B"].width == pytest.approx(18.71, abs=0.01)
    assert counts.column_dimensions["A"].width == pytest.approx(42.71, abs=0.01)
    assert book.properties.title == "Rapport de migration des contacts"
    assert book.properties.created == datetime(2026, 1, 2, 3, 4, 5)


def test_formula_like_text_stays_text(tmp_path):
    path = write_report(tricky_report(), tmp_path / "report.xlsx")
    fix = openpyxl.load_workbook(path).worksheets[2]
    values = {row[5].value: row[5].data_type for row in fix.iter_rows(min_row=2)}
    for text in ("=SUM(A1:A2)", "'=1+2", "+41791234567", "-5", "@cmd", "000123", "TRUE", "1e5"):
        assert values[text] == "s", text


def test_the_same_input_gives_the_same_bytes(tmp_path):
    first = write_report(tricky_report("de"), tmp_path / "a.xlsx").read_bytes()
    assert write_report(tricky_report("de"), tmp_path / "b.xlsx").read_bytes() == first
