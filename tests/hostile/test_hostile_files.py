"""Hostile SecuTix files, generated here: each is read correctly or refused with a message naming
file, row, column and value (InputError, exit 2), never half-read.
"""
from __future__ import annotations

import zipfile

import openpyxl
import pytest

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.rules import check_contacts
from stx_migrate.migration.secutix_file import read_secutix_file, template_header_rows

CODES = extended_format().layout()
WIDTH = len(CODES)


def row(**cells) -> list[str]:
    base = {"INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "LASTNAME": "Martin"}
    return [{**base, **cells}.get(c, "") for c in CODES]


def csv_text(rows: list[list[str]], codes: list[str] | None = None, sep: str = ",") -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    writer.writerows(template_header_rows(CODES))
    writer.writerow(codes or CODES)
    writer.writerows(rows)
    return out.getvalue()


def refused(path, *fragments: str) -> str:
    with pytest.raises(InputError) as raised:
        read_secutix_file(path)
    message = str(raised.value)
    assert f"file {path}" in message
    for fragment in fragments:
        assert fragment in message, message
    return message


# --- encodings ---
def test_utf8_bom_is_detected_and_not_part_of_the_first_code(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([row(FIRSTNAME="Zoë")]).encode("utf-8"))
    read = read_secutix_file(path)
    assert read.encoding == "utf-8-sig" and read.frame["FIRSTNAME"].tolist() == ["Zoë"]


def test_windows_1252_is_detected_including_the_0x80_0x9f_letters(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes(csv_text([row(LASTNAME="Œuvre – Müller €")]).encode("cp1252"))
    read = read_secutix_file(path)
    assert read.encoding == "cp1252" and read.frame["LASTNAME"].tolist() == ["Œuvre – Müller €"]


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_with_their_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(csv_text([row(), row()]).encode("utf-8") + b"DEMO,DEMO,,,,\x81\r\n")
    refused(path, "row 7", "value '81'", "byte offset")


def test_utf16_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(csv_text([row()]).encode("utf-16"))
    refused(path, "UTF-16")


def test_a_forced_encoding_that_does_not_fit_is_refused(tmp_path):
    path = tmp_path / "ansi.csv"
    path.write_bytes(csv_text([row(LASTNAME="Müller")]).encode("cp1252"))
    with pytest.raises(InputError, match="not utf-8"):
        read_secutix_file(path, encoding="utf-8")
    assert read_secutix_file(path, encoding="cp1252").frame["LASTNAME"].tolist() == ["Müller"]


# --- separators, quoting, rows ---
def test_semicolon_separated_file_is_refused_in_row_4(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(csv_text([row()], sep=";"), encoding="utf-8")
    refused(path, "row 4", "';'", "comma")


def test_quoted_newlines_in_header_and_data_rows_keep_the_row_numbers(tmp_path):
    headers = template_header_rows(CODES)
    headers[1][0] = "Institution\ncode"
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(headers)
    writer.writerow(CODES)
    writer.writerows([row(REMARK="line 1\r\nline 2, with comma"), row(LASTNAME="Dupont")])
    path = tmp_path / "nl.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    read = read_secutix_file(path)
    assert read.header_rows[1][0] == "Institution\ncode"
    assert read.frame.loc["nl.csv:1", "REMARK"] == "line 1\r\nline 2, with comma"
    assert read.frame.loc["nl.csv:2", "LASTNAME"] == "Dupont"


def test_a_row_with_a_wrong_number_of_fields_is_refused_with_its_number(tmp_path):
    text = csv_text([row(), row()]) + "DEMO,DEMO,INSERT\r\n"
    path = tmp_path / "short.csv"
    path.write_text(text, encoding="utf-8")
    refused(path, "row 7 (data row 3)", "3 fields")


def test_a_20_mb_cell_is_read_whole_and_truncated_by_the_rules(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(csv_text([row(REMARK="x" * 20_000_000), row(LASTNAME="Dupont")]), encoding="utf-8")
    read = read_secutix_file(path)
    assert len(read.frame.loc["huge.csv:1", "REMARK"]) == 20_000_000
    assert read.frame.loc["huge.csv:2", "LASTNAME"] == "Dupont"
    result = check_contacts(read.frame)
    assert result.findings["code"].tolist() == ["VALUE_TOO_LONG"]
    assert len(result.contacts.loc["huge.csv:1", "REMARK"]) == 2000


def test_emails_differing_only_in_case_and_dates_that_do_not_exist_are_findings(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(csv_text([row(EMAIL1="anne@example.com"), row(EMAIL1="Anne@Example.com"),
                              row(BIRTHDATE="31.04.1999"), row(BIRTHDATE="29.02.2001")]), encoding="utf-8")
    findings = check_contacts(read_secutix_file(path).frame).findings
    assert findings[["source_ref", "code"]].values.tolist() == [
        ["values.csv:2", "EMAIL_FORMAT"], ["values.csv:3", "BIRTHDATE_IMPOSSIBLE"],
        ["values.csv:4", "BIRTHDATE_IMPOSSIBLE"]]


# --- header row problems ---
def test_blank_header_is_refused_naming_the_column(tmp_path):
    codes = list(CODES)
    codes[6] = ""
    path = tmp_path / "blank.csv"
    path.write_text(csv_text([row()], codes=codes), encoding="utf-8")
    refused(path, "row 4", "column 7 (G)", "blank column header")


def test_duplicate_header_is_refused_naming_both_columns(tmp_path):
    codes = list(CODES)
    codes[10] = "FIRSTNAME"
    path = tmp_path / "dup.csv"
    path.write_text(csv_text([row()], codes=codes), encoding="utf-8")
    refused(path, "row 4", "column 11 (K)", "value 'FIRSTNAME'", "first in column 10 (J)")


def test_unknown_misspelled_missing_and_moved_columns_are_refused(tmp_path):
    cases = {
        "unknown": ([*CODES[:5], "NICKNAME", *CODES[6:]], ["column 6 (F)", "value 'NICKNAME'", "unknown column code"]),
        "case": ([c if c != "TOWN" else "town" for c in CODES], ["value 'town'", "did you mean TOWN?"]),
        "missing": ([c for c in CODES if c != "EMAIL3"], ["missing column(s): EMAIL3"]),
        "moved": ([*CODES[:2], CODES[3], CODES[2], *CODES[4:]], ["column 3 (C)", "expected OPERATION", "value 'CONTACT_NR'"]),
    }
    for name, (codes, fragments) in cases.items():
        path = tmp_path / f"{name}.csv"
        width = len(codes)
        path.write_text(csv_text([row()[:width]], codes=codes), encoding="utf-8")
        refused(path, "row 4", *fragments)


def test_a_file_without_the_three_label_rows_is_refused(tmp_path):
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([CODES, row(), row(), row()])
    path = tmp_path / "norows.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    refused(path, "row 4", "unknown column code", "value 'DEMO'")


def test_trailing_blank_columns_are_allowed_only_while_empty(tmp_path):
    padded = tmp_path / "padded.csv"
    padded.write_text(csv_text([row() + ["", ""]], codes=CODES + ["", ""]), encoding="utf-8")
    assert list(read_secutix_file(padded).frame.columns) == CODES
    filled = tmp_path / "filled.csv"
    filled.write_text(csv_text([row() + ["", "oops"]], codes=CODES + ["", ""]), encoding="utf-8")
    refused(filled, "row 5 (data row 1)", f"column {WIDTH + 2}", "value 'oops'", "without a code")
    with pytest.raises(InputError, match=f"column {WIDTH + 2}"):   # a reader of a few columns checks them too
        read_secutix_file(filled, columns=["LASTNAME"])


# --- empty and not-a-file cases ---
@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file_is_refused(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    refused(path, "empty file")


def test_a_file_with_fewer_than_four_rows_is_refused(tmp_path):
    path = tmp_path / "two.csv"
    path.write_text("a,b\r\nc,d\r\n", encoding="utf-8")
    refused(path, "fewer than 4 rows", "row 2")


def test_not_an_xlsx_file_is_refused(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text(csv_text([row()]), encoding="utf-8")
    refused(path, "not an Excel file")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused(broken, "not a readable Excel file")


def test_a_missing_file_is_refused():
    with pytest.raises(InputError, match="file not found"):
        read_secutix_file("/nonexistent/contacts.csv")


# --- XLSX specifics ---
def xlsx(path, data_rows: list[list], codes=None) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for header in template_header_rows(CODES):
        sheet.append(header)
    sheet.append(codes or CODES)
    for data in data_rows:
        sheet.append(data)
    book.save(path)


def test_a_formula_in_an_xlsx_cell_is_refused_naming_the_cell(tmp_path):
    path = tmp_path / "formula.xlsx"
    data = row()
    data[CODES.index("LASTNAME")] = '=UPPER("martin")'
    xlsx(path, [row(), data])
    refused(path, "row 6", "column K", "formula", "UPPER")  # LASTNAME is column 11 (K)


def test_an_xlsx_with_a_duplicate_header_is_refused(tmp_path):
    codes = list(CODES)
    codes[20] = "LINE1"
    path = tmp_path / "dup.xlsx"
    xlsx(path, [row()], codes=codes)
    refused(path, "row 4", "column 21 (U)", "value 'LINE1'")


def test_an_xlsx_value_in_a_column_without_code_is_refused(tmp_path):
    path = tmp_path / "extra.xlsx"
    xlsx(path, [row(), row() + ["stray"]])
    refused(path, "row 6 (data row 2)", "value 'stray'")


def test_an_xlsx_with_leading_blank_rows_keeps_its_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])                       # template rows 1-2 left blank by a customer
    sheet.append([])
    sheet.append(template_header_rows(CODES)[2])
    sheet.append(CODES)
    sheet.append(row(LASTNAME="Dupont"))
    path = tmp_path / "blank-top.xlsx"
    book.save(path)
    read = read_secutix_file(path)
    assert read.header_rows[0] == [""] * WIDTH and read.frame.loc["blank-top.xlsx:1", "LASTNAME"] == "Dupont"


def test_an_xlsx_with_only_header_rows_has_no_contacts(tmp_path):
    path = tmp_path / "only-header.xlsx"
    xlsx(path, [])
    assert read_secutix_file(path).rows == 0
    assert zipfile.is_zipfile(path)


def test_tab_separated_file_is_refused(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text(csv_text([row()], sep="\t"), encoding="utf-8")
    refused(path, "row 4", "separated by tabs")


def test_trailing_empty_rows_are_not_contacts_but_inner_ones_are_rows(tmp_path):
    empty = [""] * WIDTH
    path = tmp_path / "tail.csv"
    path.write_text(csv_text([row(), empty, row(LASTNAME="Dupont"), empty, empty]), encoding="utf-8")
    read = read_secutix_file(path)
    assert read.rows == 3 and read.frame.loc["tail.csv:3", "LASTNAME"] == "Dupont"
    codes = check_contacts(read.frame).findings.query("source_ref == 'tail.csv:2'")["code"].tolist()
    assert codes == ["INSTITUTION_MISSING", "ORGANIZATION_MISSING", "NAME_MISSING"]
    only_empty = tmp_path / "only-empty.csv"
    only_empty.write_text(csv_text([empty, empty]), encoding="utf-8")
    assert read_secutix_file(only_empty).rows == 0
