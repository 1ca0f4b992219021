"""A small report full of values a spreadsheet likes to run or retype, and the XlsxWriter report of it.

``fixtures/report/report-xlsxwriter.xlsx`` is what the XlsxWriter writer (before commit
"report.xlsx by the vectorised writer") wrote for :func:`tricky_report` with
``MAX_SHEET_ROWS = 20`` (the dropped rows are cut there).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from stx_migrate.migration.report.workbook import ReportInput

FIXTURE = Path(__file__).parent / "fixtures" / "report" / "report-xlsxwriter.xlsx"
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
