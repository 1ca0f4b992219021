"""report.xlsx shows exactly what the XlsxWriter report showed: every sheet, label, row and value.

``tests/fixtures/report/report-xlsxwriter.xlsx`` is what the XlsxWriter writer (before commit
"report.xlsx by the vectorised writer") wrote for :func:`tricky_report` with
``MAX_SHEET_ROWS = 20`` (the dropped rows are cut). Both files are read by calamine, which undoes the ``_xHHHH_``
escapes as Excel does; an empty text cell and a missing cell read the same ('').
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from stx_migrate.migration.report import workbook
from stx_migrate.migration.report.workbook import ReportInput, write_report

FIXTURE = Path(__file__).parents[1] / "fixtures" / "report" / "report-xlsxwriter.xlsx"
# values a spreadsheet likes to run or retype; the rejects.csv values come neutralised ('=…), but
# the report must keep even a raw formula-like text as text
TRICKY = ["=SUM(A1:A2)", "'=1+2", "+41791234567", "-5", "@cmd", "000123", "TRUE", "1e5", "01.02.1980",
          "<b>R&D</b> 'lead' \"q\"", "_x0041_", "ctrl\x01char", "line one\nline two", "cr\rhere", "\ttabbed",
          "  spaced  ", "Genève € ½ 😀", "", "x" * 33_000, "😀" * 16_500]


def tricky_report(language: str = "fr") -> ReportInput:
    n = len(TRICKY)
    findings = pd.DataFrame({
        "source_ref": [f"s:{i}" for i in range(n)], "contact_nr": [str(1000 + i) if i % 3 else "" for i in range(n)],
        "column": ["EMAIL1", "", "LASTNAME", "NOT_A_COLUMN"] * (n // 4),
        "code": ["EMAIL_INVALID", "NAME_MISSING", "PHONE_INVALID", "NEW_CODE"] * (n // 4),
        "severity": ["warning", "error", "warning", "error"] * (n // 4), "message": "m", "value": TRICKY,
        "stage": ["prepare", "import", "dedup", "prepare"] * (n // 4)})
    duplicates = pd.DataFrame({"source_ref": ["s:30", "s:31"], "contact_nr": ["", "7"], "survivor_ref": ["s:32", "s:33"],
                               "survivor_contact_nr": ["8", ""], "rule": ["exact", "=fuzzy"], "score": ["1.0", "0.93"]})
    dropped = pd.DataFrame({"source_ref": [f"s:{100 + i}" for i in range(23)],
                            "code": ["RETENTION", "DELETED_ACCOUNT", "NEW_FILTER"] * 7 + ["RETENTION"] * 2})
    return ReportInput(language=language, project="Théâtre <&> =X", deliverable_id=None, protocol_hash="abcdef0123456789",
                       snapshot_id="20260102-030405-abc", produced=datetime(2026, 1, 2, 3, 4, 5),
                       counts={"rows_in": 50, "imported": 20, "rejected": 10, "merged": 2, "dropped": 23,
                               "import_refused": 1},
                       findings=findings, duplicates=duplicates, dropped=dropped, header={"Extra ligne": "=valeur"})


def calamine_sheets(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


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
