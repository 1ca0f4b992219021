"""Reader and writer of SecuTix files: round trips, the template layout, encodings, exact text."""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.secutix_file import (
    read_secutix_file, source_refs, template_header_rows, write_secutix_file, write_template,
)
from stx_migrate.migration.settings.output import OutputSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synthetic import make_contacts  # noqa: E402

TRICKY = {
    "INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "CONTACT_NR": "0000123",       # leading zeros kept
    "FIRSTNAME": "Zoë, \"la\" grande", "LASTNAME": "Gauß\r\nMüller",             # comma, quotes, CRLF in a value
    "FUNCTION": "=", "REMARK": "||ajouté", "LINE1": "  12 rue  ",                # clear, append, spaces kept
    "LINE2": "<&>", "TOWN": "Évian", "CRIT01": "PREFCOL=Red|Green", "EMAIL1": "=SUM(A1)",
    "ZIPCODE": "01234", "NB_EMPLOYEES": "1e3", "BIRTHDATE": "01.02.1990",
    "LINE3": "bell\x07 and _x0041_ stay as typed", "TOWN_COMPLEMENT": "tab\there",  # XLSX escapes, undone on read
}


def frame_for(name: str, rows: list[dict], with_role: bool = False) -> pd.DataFrame:
    layout = extended_format().layout(with_role=with_role)
    frame = pd.DataFrame([{c: r.get(c, "") for c in layout} for r in rows], columns=layout).astype("str")
    frame.index = source_refs(name, len(frame))
    return frame


@pytest.mark.parametrize("name,settings", [
    ("c.csv", OutputSettings()),
    ("c.csv", OutputSettings(csv_encoding="cp1252")),
    ("c.xlsx", OutputSettings()),
])
def test_written_then_read_back_is_identical(tmp_path, name, settings):
    frame = make_contacts(300, seed=3, duplicate_rate=0.05)
    frame.index = source_refs(name, len(frame))
    frame = pd.concat([frame, frame_for(name, [TRICKY])])
    frame.index = source_refs(name, len(frame))
    write_secutix_file(frame, tmp_path / name, settings=settings)
    back = read_secutix_file(tmp_path / name)
    pd.testing.assert_frame_equal(back.frame, frame)
    assert back.header_rows == template_header_rows(list(frame.columns))
    assert back.with_role is False
    assert back.encoding == ({"utf-8-sig": "utf-8-sig", "cp1252": "cp1252"}[settings.csv_encoding] if name.endswith(".csv") else None)


@pytest.mark.parametrize("name", ["r.csv", "r.xlsx"])
def test_a_layout_with_role_round_trips(tmp_path, name):
    frame = frame_for(name, [{"ROLE": "PUBLIC", "LASTNAME": "X"}], with_role=True)
    write_secutix_file(frame, tmp_path / name)
    back = read_secutix_file(tmp_path / name)
    assert back.with_role and list(back.frame.columns)[4] == "ROLE"
    pd.testing.assert_frame_equal(back.frame, frame)


def test_csv_bytes_follow_spec_section_2_2(tmp_path):
    frame = frame_for("b.csv", [TRICKY])
    write_secutix_file(frame, tmp_path / "b.csv")
    raw = (tmp_path / "b.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                                 # UTF-8 with BOM
    lines = raw[3:].split(b"\r\n")
    assert lines[3].decode() == ",".join(frame.columns)                   # row 4 = the codes, comma-separated
    assert b'"Zo\xc3\xab, ""la"" grande"' in raw                          # RFC 4180 quoting, doubled quotes
    assert b'"Gau\xc3\x9f\r\nM\xc3\xbcller"' in raw                       # a line break inside a value is quoted
    assert raw.count(b"\n") == raw.count(b"\r\n")                          # CRLF everywhere
    cp = tmp_path / "cp.csv"
    write_secutix_file(frame_for("cp.csv", [TRICKY]), cp, settings=OutputSettings(csv_encoding="cp1252"))
    assert "Évian".encode("cp1252") in cp.read_bytes() and not cp.read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_is_the_template_layout_with_text_cells_only(tmp_path):
    frame = frame_for("x.xlsx", [TRICKY])
    write_secutix_file(frame, tmp_path / "x.xlsx")
    with zipfile.ZipFile(tmp_path / "x.xlsx") as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet                    # '=' and '=SUM(A1)' are text, not formulas
    sheet_ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    rows = [[c.value for c in row] for row in sheet_ws.iter_rows(min_row=1, max_row=5)]
    expected = template_header_rows(list(frame.columns))
    assert [[v or "" for v in r] for r in rows[:3]] == expected           # rows 1-3 of the template
    assert rows[3] == list(frame.columns)                                 # row 4: the codes
    assert rows[4][5] is None or rows[4][5] == ""                         # empty cells stay empty
    cell = sheet_ws.cell(row=5, column=frame.columns.get_loc("FUNCTION") + 1)
    assert cell.value == "=" and cell.data_type == "s"


def test_header_rows_of_a_customer_template_are_copied_verbatim(tmp_path):
    codes = extended_format().layout()
    custom = [["Champs globaux"] + [""] * (len(codes) - 1), ["Institution"] + ["x"] * (len(codes) - 1),
              ["Texte 15", "", "ne pas modifier"] + [""] * (len(codes) - 3)]
    template = tmp_path / "customer-template.xlsx"
    write_secutix_file(frame_for("t.xlsx", []), template, header_rows=custom)
    assert read_secutix_file(template).header_rows == custom
    frame = frame_for("out.csv", [{"LASTNAME": "Martin"}])
    write_secutix_file(frame, tmp_path / "out.csv", settings=OutputSettings(template=str(template)))
    assert read_secutix_file(tmp_path / "out.csv").header_rows == custom


@pytest.mark.parametrize("name", ["template.xlsx", "template.csv"])
def test_template_holds_the_four_header_rows_and_every_column(tmp_path, name):
    write_template(tmp_path / name)
    read = read_secutix_file(tmp_path / name)
    assert read.rows == 0 and list(read.frame.columns) == extended_format().layout()
    assert read.header_rows[0][0] == "Global fields" and read.header_rows[1][0] == "Institution"


def test_the_writer_refuses_what_an_xlsx_cannot_hold_and_leaves_no_file(tmp_path):
    frame = frame_for("big.xlsx", [{"REMARK": "x" * 40_000}])
    with pytest.raises(InputError, match="REMARK.*32,767|32,767"):
        write_secutix_file(frame, tmp_path / "big.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_the_cp1252_writer_names_the_cell_it_cannot_encode_and_leaves_no_file(tmp_path):
    frame = frame_for("w.csv", [{"LASTNAME": "Martin"}, {"LASTNAME": "Wałęsa"}])
    with pytest.raises(InputError) as raised:
        write_secutix_file(frame, tmp_path / "w.csv", settings=OutputSettings(csv_encoding="cp1252"))
    assert "row w.csv:2" in str(raised.value) and "column LASTNAME" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_the_writer_refuses_a_frame_that_is_not_the_layout(tmp_path):
    with pytest.raises(ValueError, match="not a SecuTix frame"):
        write_secutix_file(pd.DataFrame({"A": ["1"]}), tmp_path / "a.csv")
    with pytest.raises(InputError, match="unknown file type"):
        write_secutix_file(frame_for("a", []), tmp_path / "a.json")


def test_typed_excel_cells_come_back_as_the_text_a_user_typed(tmp_path):
    import datetime

    codes = extended_format().layout()
    book = openpyxl.Workbook()
    sheet = book.active
    for row in template_header_rows(codes):
        sheet.append(row)
    sheet.append(codes)
    values = {"INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "CONTACT_NR": 123456, "LASTNAME": "Martin",
              "BIRTHDATE": datetime.datetime(1983, 8, 30), "CNIL_O": True, "NB_EMPLOYEES": 12}
    sheet.append([values.get(c) for c in codes])
    book.save(tmp_path / "typed.xlsx")
    frame = read_secutix_file(tmp_path / "typed.xlsx").frame
    assert frame.loc["typed.xlsx:1", ["CONTACT_NR", "BIRTHDATE", "CNIL_O", "NB_EMPLOYEES"]].tolist() == [
        "123456", "30.08.1983", "TRUE", "12"]


def test_config_rows_setting_writes_one_config_row_and_bare_values(tmp_path):
    from stx_migrate.migration.rules import check_contacts

    rows = [{"INSTITUTION": "DEMO", "ORGANIZATION": "ORG", "LASTNAME": "A", "CRIT01": "PREFCOL=Red|Green",
             "CRIT02": "A=1", "ADMIN_NUMBER": "SIRET=404 833"},
            {"INSTITUTION": "DEMO", "ORGANIZATION": "ORG", "LASTNAME": "B", "CRIT01": "PREFCOL=Blue",
             "CRIT02": "B=2", "CRIT03": "NOTE=x=y"},
            {"INSTITUTION": "DEMO", "ORGANIZATION": "ORG", "LASTNAME": "C", "CRIT01": ""}]
    frame = frame_for("cfg.csv", rows)
    write_secutix_file(frame, tmp_path / "cfg.csv", settings=OutputSettings(config_rows=True))
    read = read_secutix_file(tmp_path / "cfg.csv").frame
    config = read.iloc[0]
    assert (config["OPERATION"], config["INSTITUTION"], config["ORGANIZATION"]) == ("CONFIG", "DEMO", "ORG")
    assert (config["CRIT01"], config["ADMIN_NUMBER"], config["CRIT02"], config["CRIT03"]) == ("PREFCOL", "SIRET", "", "")
    assert read["CRIT01"].tolist()[1:] == ["Red|Green", "Blue", ""]
    assert read["CRIT02"].tolist()[1:] == ["A=1", "B=2", ""]           # several codes: CODE=value kept
    assert read["CRIT03"].tolist()[1:] == ["", "NOTE=x=y", ""]         # '=' in the value: CODE=value kept
    result = check_contacts(read)
    assert result.findings.empty
    imported = result.contacts.iloc[1:]
    for column in ("CRIT01", "CRIT02", "CRIT03", "ADMIN_NUMBER"):
        assert imported[column].tolist() == frame[column].tolist()


def test_csv_data_rows_are_what_the_csv_module_writes_whatever_columns_are_empty(tmp_path):
    """The Arrow row builder (empty columns joined as runs of commas) against Python's csv module,
    on frames whose empty columns sit first, last, in runs and alone, with tricky values."""
    import csv
    import io
    import random

    layout = extended_format().layout()
    rng = random.Random(7)
    alphabet = ["a", "é", ",", '"', "\r", "\n", " ", "=", "ß", "x"]
    for case in range(6):
        keep = {c for c in layout if rng.random() < (0.3 if case else 0.0)}
        if case == 5:
            keep = set(layout)
        rows = [{c: ("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) if c in keep else "")
                 for c in layout} for _ in range(40)]
        frame = frame_for(f"c{case}.csv", rows)
        path = write_secutix_file(frame, tmp_path / f"c{case}.csv", settings=OutputSettings(csv_encoding="utf-8-sig"))
        expected = io.StringIO()
        writer = csv.writer(expected, lineterminator="\r\n")
        writer.writerow(layout)
        writer.writerows([[r[c] for c in layout] for r in rows])
        data = path.read_bytes().decode("utf-8-sig")
        codes_at = data.index("\r\n".join([",".join(layout)]))
        assert data[codes_at:] == expected.getvalue(), f"case {case}"


@pytest.mark.parametrize("name", ["s.csv", "s.xlsx"])
def test_a_read_of_some_columns_gives_them_as_the_whole_read_does(tmp_path, name):
    frame = make_contacts(200, seed=5, duplicate_rate=0.05)
    frame = pd.concat([frame, frame_for(name, [TRICKY])])
    frame.index = source_refs(name, len(frame))
    write_secutix_file(frame, tmp_path / name)
    wanted = ["LASTNAME", "CRIT01", "CONTACT_NR", "NOT_A_CODE"]
    some = read_secutix_file(tmp_path / name, columns=wanted).frame
    assert list(some.columns) == [c for c in frame.columns if c in wanted]       # template order, unknown codes left out
    pd.testing.assert_frame_equal(some, frame[list(some.columns)])


def test_a_read_of_some_columns_keeps_trailing_empty_rows(tmp_path):
    frame = frame_for("t.csv", [{"LASTNAME": "A"}, {"FIRSTNAME": "only a first name"}, {}])
    write_secutix_file(frame, tmp_path / "t.csv")
    assert len(read_secutix_file(tmp_path / "t.csv").frame) == 2            # the empty last row dropped
    assert read_secutix_file(tmp_path / "t.csv", columns=["LASTNAME"]).frame["LASTNAME"].tolist() == ["A", "", ""]


def test_a_file_of_many_blocks_with_a_cell_larger_than_a_block_reads_whole(tmp_path, monkeypatch):
    """Blocks are small (a parse stays in cache); a cell longer than a block, or a quoted line end
    on a block's edge, must still come back exactly."""
    from stx_migrate.migration.secutix_file import csv_file

    frame = make_contacts(3000, seed=8, duplicate_rate=0.05)
    frame.index = source_refs("m.csv", len(frame))
    big = dict(TRICKY, REMARK="long, \"quoted\"\r\nremark " * 4000)              # ~100 KB in one cell
    frame = pd.concat([frame.iloc[:1500], frame_for("m.csv", [big, TRICKY]), frame.iloc[1500:]])
    frame.index = source_refs("m.csv", len(frame))
    write_secutix_file(frame, tmp_path / "m.csv")
    monkeypatch.setattr(csv_file, "_BLOCK_SIZE", 16 << 10)
    assert (tmp_path / "m.csv").stat().st_size > 20 * csv_file._BLOCK_SIZE
    pd.testing.assert_frame_equal(read_secutix_file(tmp_path / "m.csv").frame, frame)
