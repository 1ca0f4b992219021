"""The contract cases of kind ``secutix-file``: the ``people`` rows in a customer's SecuTix file.

Written by other writers than ours (xlsxwriter with the import sheet second; Python's
csv module), laid out as the template: 3 label rows, the codes row, one contact a row.
id → CONTACT_NR, name → LASTNAME, town → TOWN, born → BIRTHDATE, amount → REMARK.
"""
from __future__ import annotations

import csv

import pyarrow as pa

from stx_migrate.migration.format import extended_format

from cases import Case, people_rows

CODES = extended_format().layout()


def secutix_row(row: tuple) -> tuple:
    """A people row as the SecuTix file holds it (every layout column, text)."""
    i, name, town, born, amount = row
    values = dict.fromkeys(CODES, "")
    values.update(INSTITUTION="INST", ORGANIZATION="ORG", OPERATION="INSERT", CONTACT_NR=str(1000 + i),
                  LASTNAME=name, TOWN=town or "", BIRTHDATE=born.strftime("%d.%m.%Y"), REMARK=str(amount))
    return tuple(values[c] for c in CODES)


def header_rows() -> list[list[str]]:
    return [["Global fields"] + [""] * (len(CODES) - 1), [c.title() for c in CODES], ["text"] * len(CODES), CODES]


def _xlsx(tmp_path, request) -> dict:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(tmp_path / "customer.xlsx")
    workbook.add_worksheet("Read me").write_row(0, 0, ["not", "this", "sheet"])
    sheet = workbook.add_worksheet("Contacts")
    for r, values in enumerate(header_rows() + [secutix_row(p) for p in people_rows()]):
        for c, value in enumerate(values):
            if value != "":
                sheet.write_string(r, c, value)
    workbook.close()
    return {"kind": "secutix-file", "path": "customer.xlsx", "sheet": "Contacts"}


def _csv(tmp_path, request) -> dict:
    with open(tmp_path / "customer.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerows(header_rows() + [secutix_row(p) for p in people_rows()])
    return {"kind": "secutix-file", "path": "customer.csv"}


TEXT = pa.string()
SECUTIX_FILE_CASES = [
    Case(f"secutix-file-{kind}", make, {c: TEXT for c in CODES}, secutix_row, dataset="contacts", columns=CODES)
    for kind, make in (("xlsx", _xlsx), ("csv", _csv))
]
