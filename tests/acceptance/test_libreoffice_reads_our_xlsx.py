"""Every xlsx stx-migrate writes (deliverable, its parts past one sheet, template, export, service request), read by LibreOffice (another office suite), gives back exactly its cells.

One soffice call converts all the files of the test (about 5 s). The files: an import file
full of values a spreadsheet likes to retype (leading zeros, '=', TRUE, dates, long numbers,
newlines, markup characters, accents); the same written over a customer's own template, whose
rows 1-3 must come through byte for byte; the empty template.
"""
from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

from libreoffice import available, convert_to_rows, padded
from stx_migrate.migration import import_files
from stx_migrate.migration.export_file import contacts_for_update
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.service_request import build_service_request
from stx_migrate.migration.secutix_file import empty_frame, write_secutix_file, write_template
from stx_migrate.migration.secutix_file.layout import template_header_rows
from stx_migrate.migration.settings.output import OutputSettings

pytestmark = pytest.mark.skipif(not available(), reason="soffice missing: scripts/setup.sh --test installs libreoffice-calc-nogui")
CODES = extended_format().layout()
TRICKY = [
    dict(CONTACT_NR="000123", LASTNAME="=", FIRSTNAME="=SUM(A1:A2)", BIRTHDATE="01.02.1980", CNIL_O="TRUE",
         TELEPHONE="+41791234567", ZIPCODE="01000", REMARK="line one\nline two, with \"quotes\""),
    dict(CONTACT_NR="98765432109876543210", LASTNAME="Müller-Šárka Œdipe", FUNCTION="<b>R&D</b> 'lead'",
         NB_EMPLOYEES="1e5", CRIT01="PREFCOL=Red|Green", WEB_SITE="http://example.org/?a=1&b=2", REMARK="||append"),
    dict(CONTACT_NR="", LASTNAME="  spaced  ", TOWN="Genève", COUNTRY="CH", EMAIL1="a.b@example.org",
         ADDR_TYPE="MBS", REMARK="€ ½ 😀 \t tab"),
]


def _frame(rows) -> pd.DataFrame:
    base = dict(INSTITUTION="INST", ORGANIZATION="ORG", OPERATION="INSERT")
    frame = pd.concat([empty_frame(), pd.DataFrame([{**base, **r} for r in rows])]).fillna("").astype("str")
    frame.index = pd.Index([f"t:{i}" for i in range(1, len(rows) + 1)], name="source_ref")
    return frame[CODES]


def _customer_template(path) -> list[list[str]]:
    """A customer's template with its own rows 1-3 (merged section titles, French help text)."""
    rows = [["Données globales"] + [""] * (len(CODES) - 1),
            [f"Libellé {c.lower()} (obligatoire ?)" for c in CODES],
            [f"Texte {i} – voir l'aide «{c}»" for i, c in enumerate(CODES)], CODES]
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet("Import")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEEFF"})
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value:
                sheet.write_string(r, c, value, bold if r < 3 else None)
    workbook.close()
    return rows


def test_libreoffice_reads_back_exactly_the_cells_we_wrote(tmp_path, monkeypatch):
    frame = _frame(TRICKY)
    plain = write_secutix_file(frame, tmp_path / "contacts.xlsx")
    monkeypatch.setattr(import_files, "XLSX_MAX_CONTACTS", 2)     # past one sheet: numbered parts, rows 1-4 in each
    (tmp_path / "parts").mkdir()
    parts = [tmp_path / "parts" / name for name in import_files.write_xlsx_files(frame, tmp_path / "parts")]
    assert [p.name for p in parts] == ["contacts-001.xlsx", "contacts-002.xlsx"]
    template_rows = _customer_template(tmp_path / "customer-template.xlsx")
    over_template = write_secutix_file(frame, tmp_path / "contacts-on-template.xlsx",
                                       settings=OutputSettings(template=str(tmp_path / "customer-template.xlsx")))
    empty = write_template(tmp_path / "template.xlsx")
    exported_rows = contacts_for_update(frame[frame["CONTACT_NR"] != ""], "test")
    exported = write_secutix_file(exported_rows, tmp_path / "export.xlsx")
    request = build_service_request("update", exported_rows, institution="INST", organization="ORG")
    requested = request.write(tmp_path, "service-request", "xlsx")
    read = convert_to_rows([plain, over_template, empty, tmp_path / "customer-template.xlsx", exported, requested, *parts])
    width = len(CODES)
    data = [list(r) for r in frame.itertuples(index=False)]
    built_in = [list(r) for r in template_header_rows(CODES)][:3]
    assert padded(read[plain], width) == padded(built_in + [CODES] + data, width)
    assert padded(read[parts[0]], width) == padded(built_in + [CODES] + data[:2], width)
    assert padded(read[parts[1]], width) == padded(built_in + [CODES] + data[2:], width)
    assert padded(read[over_template], width) == padded(template_rows + data, width)
    # rows 1-3 as LibreOffice reads the customer's own file and ours: the same text, byte for byte
    ours = [",".join(r).encode("utf-8") for r in padded(read[over_template], width)[:3]]
    theirs = [",".join(r).encode("utf-8") for r in padded(read[tmp_path / "customer-template.xlsx"], width)[:3]]
    assert ours == theirs
    assert padded(read[empty], width) == padded(built_in + [CODES], width)
    for path, rows in ((exported, exported_rows), (requested, request.rows)):   # export; a service request
        assert padded(read[path], width) == padded(built_in + [CODES] + [list(r) for r in rows.itertuples(index=False)], width)
