"""report.xlsx read by LibreOffice (another office suite): every sheet gives back the cells the
XlsxWriter report gave (see tests/report_cases.py)."""
from __future__ import annotations

import pytest

from libreoffice import available, convert_every_sheet
from report_cases import FIXTURE, tricky_report
from stx_migrate.migration.report import workbook

pytestmark = pytest.mark.skipif(not available(), reason="soffice missing: scripts/setup.sh --test installs libreoffice-calc-nogui")


def test_libreoffice_reads_every_sheet_of_the_report_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 20)
    ours = convert_every_sheet(workbook.write_report(tricky_report(), tmp_path / "report.xlsx"))
    theirs = convert_every_sheet(FIXTURE)
    assert list(ours) == list(theirs) == ["Comptes", "Raisons", "Lignes à corriger", "Doublons fusionnés",
                                           "Lignes écartées"]
    for name, rows in theirs.items():
        assert ours[name] == rows, name
    assert ours["Lignes à corriger"][11][5] == "=SUM(A1:A2)"     # a text, not a formula LibreOffice ran
