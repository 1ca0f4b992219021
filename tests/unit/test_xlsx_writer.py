"""The XLSX writer: exact text round trips, chunking, determinism, other readers, the ZIP container."""
from __future__ import annotations

import sys
import zipfile
import zlib
from xml.etree import ElementTree
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.format import extended_format
from stx_migrate.migration.secutix_file import read_secutix_file, source_refs, template_header_rows, write_secutix_file
from stx_migrate.migration.secutix_file import xlsx_sheet, xlsx_writer
from stx_migrate.migration.secutix_file.layout import column_letter
from stx_migrate.migration.secutix_file.xlsx_zip import ZipWriter, crc32_combine, deflate_chunk

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from synthetic import make_contacts  # noqa: E402

CODES = extended_format().layout()
HOSTILE = [
    "Gauß\r\nMüller", "\r", "tab\there", "bell\x07 and _x0041_ stay", "_x005F_", "_x0041_x0042_", "_X00aB_", "_x00ab_",
    "\x00\x01\x0b\x0c\x1f\x7f\x80\x9f", "<&>\"'", "a & b", "]]>", "=SUM(A1)", "=", "𝄞 emoji", "x\u2028y", "\xa0nbsp\xa0",
    "  12 rue  ", " lead", "trail ", "\tx", "x\n", "\nx", "é" * 40, "y" * 44, "z" * 45, "w" * 300, "q",
]


def frame_of(name: str, values: dict[str, list[str]], rows: int) -> pd.DataFrame:
    frame = pd.DataFrame({c: values.get(c, [""] * rows) for c in CODES}).astype("str")
    frame.index = source_refs(name, rows)
    return frame


def hostile_frame(name: str) -> pd.DataFrame:
    rows = len(HOSTILE)
    return frame_of(name, {"INSTITUTION": ["DEMO"] * rows, "LASTNAME": HOSTILE, "CRIT20": HOSTILE[::-1],
                           "REMARK": [v[::-1] for v in HOSTILE]}, rows)


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_special_and_control_characters_and_edge_spaces_round_trip(tmp_path):
    frame = hostile_frame("h.xlsx")
    write_secutix_file(frame, tmp_path / "h.xlsx")
    pd.testing.assert_frame_equal(read_secutix_file(tmp_path / "h.xlsx").frame, frame)
    sheet = sheet_xml(tmp_path / "h.xlsx")
    assert b"bell_x0007_ and _x005F_x0041_ stay" in sheet                  # escapes as Excel writes them
    assert b"_x005F_x0041_x005F_x0042_" in sheet                          # overlapping literal escapes both protected
    assert b"Gau\xc3\x9f_x000D_\nM\xc3\xbcller" in sheet                      # CR escaped, LF kept
    assert b'<t xml:space="preserve">  12 rue  </t>' in sheet and b"<t>\xc2\xa0nbsp\xc2\xa0</t>" in sheet
    assert b"&lt;&amp;&gt;\"'" in sheet and b"<f" not in sheet             # entities; '=' never a formula


def test_a_file_of_many_chunks_reads_back_identical_and_its_xml_does_not_depend_on_chunking(tmp_path):
    rows = 230  # sheet rows 5..234: chunks cross 10 and 100
    frame = make_contacts(rows, seed=5)
    frame = pd.concat([frame.iloc[:100], hostile_frame("m.xlsx"), frame.iloc[100:]])
    frame.index = source_refs("m.xlsx", len(frame))
    rows_in = template_header_rows(CODES)
    xlsx_writer.write_xlsx(frame, rows_in, tmp_path / "m.xlsx", chunk_rows=7, workers=3)
    xlsx_writer.write_xlsx(frame, rows_in, tmp_path / "one.xlsx")
    pd.testing.assert_frame_equal(read_secutix_file(tmp_path / "m.xlsx").frame, frame)
    assert sheet_xml(tmp_path / "m.xlsx") == sheet_xml(tmp_path / "one.xlsx")
    root = ElementTree.fromstring(sheet_xml(tmp_path / "m.xlsx"))  # well-formed XML, one <c> per filled cell
    cells = root.findall(".//{*}c")
    header_cells = sum(v != "" for row in rows_in for v in row) + len(CODES)
    assert len(cells) == header_cells + int((frame != "").to_numpy().sum())
    assert {c.get("t") for c in cells} == {"inlineStr"} and not root.findall(".//{*}f")
    assert (tmp_path / "m.xlsx").read_bytes() != (tmp_path / "one.xlsx").read_bytes()  # really other chunks


def test_chunks_never_cross_a_power_of_ten_in_sheet_rows():
    bounds = xlsx_sheet.chunk_bounds(1_000, 5, 300)
    assert bounds[0] == (0, 5) and bounds[1] == (5, 95) and bounds[2] == (95, 395)
    assert all(len(str(5 + a)) == len(str(5 + b - 1)) and b - a <= 300 for a, b in bounds)
    assert [b for _, b in bounds][-1] == 1_000 and all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))


def test_the_same_frame_gives_the_same_bytes_whatever_the_threads(tmp_path):
    frame = make_contacts(500, seed=1)
    write_secutix_file(frame, tmp_path / "a.xlsx")
    write_secutix_file(frame.copy(), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    rows = template_header_rows(CODES)
    xlsx_writer.write_xlsx(frame, rows, tmp_path / "one.xlsx", chunk_rows=64, workers=1)
    xlsx_writer.write_xlsx(frame, rows, tmp_path / "four.xlsx", chunk_rows=64, workers=4)
    assert (tmp_path / "one.xlsx").read_bytes() == (tmp_path / "four.xlsx").read_bytes()


def test_openpyxl_and_calamine_find_each_cell_at_its_reference(tmp_path):
    from python_calamine import CalamineWorkbook

    frame = hostile_frame("r.xlsx")
    frame.loc[frame.index[2], "CRIT20"] = "late column"
    write_secutix_file(frame, tmp_path / "r.xlsx")
    late = CODES.index("CRIT20") + 1
    header = template_header_rows(CODES)
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    sheet = book["Contacts"]
    assert book.sheetnames == ["Contacts"]
    assert sheet["A1"].value == header[0][0] and sheet["A2"].value == header[1][0]
    assert [c.value for c in sheet[4]] == CODES                               # row 4: the codes
    assert sheet[f"{column_letter(late)}7"].value == "late column"             # data row 3 = sheet row 7
    assert sheet[f"{column_letter(late)}7"].data_type == "s"
    assert sheet.max_row == 4 + len(frame) and sheet.max_column == len(CODES)
    rows = CalamineWorkbook.from_path(str(tmp_path / "r.xlsx")).get_sheet_by_name("Contacts").to_python()
    assert rows[0][0] == header[0][0] and rows[3] == CODES and rows[6][late - 1] == "late column"
    assert rows[4][CODES.index("LASTNAME")] == "Gauß\r\nMüller"


def test_the_zip_is_valid_and_holds_the_package_parts(tmp_path):
    write_secutix_file(make_contacts(50), tmp_path / "z.xlsx")
    with zipfile.ZipFile(tmp_path / "z.xlsx") as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                                      "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
        assert b'<dimension ref="A1:CO54"/>' in archive.read("xl/worksheets/sheet1.xml")[:1000]


def test_zip64_records_are_written_for_a_member_over_4_gb(tmp_path):
    chunk = b"x" * 1000
    with open(tmp_path / "big.zip", "wb") as handle:
        package = ZipWriter(handle)
        package.add("small.xml", b"<a/>")
        package.add_deflated("big.xml", [(deflate_chunk(chunk), zlib.crc32(chunk), 5_000_000_000)])  # claimed size
        package.close()
    with zipfile.ZipFile(tmp_path / "big.zip") as archive:
        assert archive.getinfo("big.xml").file_size == 5_000_000_000    # read from the ZIP64 extra field
        assert archive.read("small.xml") == b"<a/>"


def test_crc32_combine_matches_zlib():
    a, b = b"hello " * 1000, bytes(range(256)) * 77
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b""), 0) == zlib.crc32(a)


def test_too_many_rows_are_refused_and_leave_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_writer, "EXCEL_ROW_LIMIT", 10)
    with pytest.raises(InputError, match="do not fit in one sheet"):
        write_secutix_file(make_contacts(7), tmp_path / "t.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_no_file(tmp_path, monkeypatch):
    calls = []

    def failing(columns, first_row, scratch=None):
        calls.append(first_row)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return xlsx_sheet.rows_xml(columns, first_row, scratch)

    monkeypatch.setattr(xlsx_writer, "rows_xml", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        xlsx_writer.write_xlsx(make_contacts(100), template_header_rows(CODES), tmp_path / "f.xlsx", chunk_rows=10)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_frame_is_the_template_and_empty_rows_are_left_out(tmp_path):
    write_secutix_file(frame_of("e.xlsx", {}, 0), tmp_path / "e.xlsx")
    assert b'<dimension ref="A1:CO4"/>' in sheet_xml(tmp_path / "e.xlsx")
    frame = frame_of("g.xlsx", {"LASTNAME": ["A", "", "B", "", ""]}, 5)
    write_secutix_file(frame, tmp_path / "g.xlsx")
    sheet = sheet_xml(tmp_path / "g.xlsx")
    assert b'<dimension ref="A1:CO7"/>' in sheet and b'<row r="6"' not in sheet and b'<row r="8"' not in sheet
    back = read_secutix_file(tmp_path / "g.xlsx").frame
    assert back["LASTNAME"].tolist() == ["A", "", "B"]  # trailing empty rows are not contacts


_ALPHABET = "ab Zé€𝄞_x0F5&<>\"'=\t\n\r\x01\x1f\ufffd"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["LASTNAME", "REMARK", "CRIT20", "INSTITUTION"]),
                                st.text(_ALPHABET, max_size=60) | st.sampled_from(["x" * 44, "y" * 45, "z" * 88, "_x0041_"])),
                      max_size=60),
       chunk_rows=st.integers(1, 12))
def test_any_text_in_any_cell_reads_back_exactly(tmp_path, cells, chunk_rows):
    """Offsets, slabs that overrun their text and chunk borders: whatever the texts, the file reads back."""
    values = {code: [""] * 40 for code in ("LASTNAME", "REMARK", "CRIT20", "INSTITUTION")}
    for row, code, text in cells:
        values[code][row] = text
    frame = frame_of("p.xlsx", values, 40)
    xlsx_writer.write_xlsx(frame, template_header_rows(CODES), tmp_path / "p.xlsx", chunk_rows=chunk_rows)
    back = read_secutix_file(tmp_path / "p.xlsx").frame
    expected = frame.iloc[:len(back)]
    filled = [r + 1 for r in range(40) if any(values[code][r] for code in values)]
    assert len(back) == max(filled, default=0)  # trailing empty rows are dropped
    pd.testing.assert_frame_equal(back, expected.set_axis(back.index))
