"""SecuTix XLSX files in the template layout: 4 header rows, then one contact per row.

Reading uses fastexcel (calamine, Rust) with every cell as text; the first sheet is the
import sheet. Cells holding a formula are refused: SecuTix imports values, a formula
whose cached value is missing would silently become empty, and a leading ``=`` means
"clear" in the format (spec §3). Writing uses rustpy-xlsxwriter (Rust, ≈ 7× XlsxWriter
on 1M rows, performance.md §5), which writes one header row: the data go out with the
codes as that header (row 4), then rows 1–3 are put in front of row 4 by streaming the
sheet XML once through zlib. Every value is written as an inline text string, ``=``
included, never as a formula.
"""
from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..format import HEADER_ROWS, extended_format
from .layout import check_codes_row, column_letter, column_name

EXCEL_CELL_LIMIT = 32_767          # characters in one cell (Excel's limit)
EXCEL_ROW_LIMIT = 1_048_576        # rows in one sheet
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
# a cell (not self-closing) whose content, before the next cell, holds an <f> element
_FORMULA = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?<!/)>(?:(?!</c>|<c[ >]).){0,200}?<f[ >/]', re.S)
_EXCEL_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00$")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def read_xlsx(path: Path) -> tuple[pd.DataFrame, list[list[str]], bool]:
    """(data frame of str columns named by the layout, rows 1–4 as read, has ROLE)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        table = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0).to_arrow()
    except Exception as e:  # fastexcel raises its own CalamineError family
        raise InputError(f"not a readable Excel file ({str(e).splitlines()[0]})", file=path,
                         hint="a SecuTix file is .xlsx in the template layout, or .csv") from None
    if table.num_rows < HEADER_ROWS:
        raise InputError(f"the sheet has {table.num_rows} rows; a SecuTix file starts with {HEADER_ROWS} header rows "
                         "(codes in row 4)", file=path, row=table.num_rows or None)
    _refuse_formulas(path)
    table = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    header = table.slice(0, HEADER_ROWS).to_pydict()
    header_rows = [["" if header[c][r] is None else header[c][r] for c in table.column_names] for r in range(HEADER_ROWS)]
    codes, with_role = check_codes_row(header_rows[3], path)
    data = table.slice(HEADER_ROWS)
    for position in range(len(codes), data.num_columns):  # padding columns must stay empty
        column = data.column(position)
        filled = pc.and_(pc.is_valid(column), pc.not_equal(pc.fill_null(column, ""), ""))
        if pc.any(filled).as_py():
            row = pc.index(filled, True).as_py()
            raise InputError("a value sits in a column without a code in row 4", file=path,
                             row=f"{HEADER_ROWS + 1 + row} (data row {row + 1})", column=column_name(position + 1),
                             value=column[row].as_py())
    arrays = {code: pc.fill_null(data.column(i).cast(pa.large_string()), "") for i, code in enumerate(codes)}
    _restore_typed_cells(arrays)
    frame = pa.table(arrays).to_pandas()
    return frame, [row[: max(len(codes), 1)] for row in header_rows], with_role


def _restore_typed_cells(arrays: dict[str, pa.ChunkedArray]) -> None:
    """Undo what Excel's typing does to text typed in a cell (why: the VN fills the template by hand).

    A date typed in BIRTHDATE is stored as a date and comes back ``yyyy-mm-dd 00:00:00``:
    it is returned as ``dd.mm.yyyy``. TRUE/FALSE typed in a consent column come back as
    ``true``/``false``: they are returned upper case.
    """
    fmt = extended_format()
    for code in fmt.of_type("date"):
        if code in arrays:
            values = arrays[code]
            is_date = pc.match_substring_regex(values, _EXCEL_DATE.pattern)
            if pc.any(is_date).as_py():
                day = pc.utf8_slice_codeunits(values, 8, 10)
                month = pc.utf8_slice_codeunits(values, 5, 7)
                year = pc.utf8_slice_codeunits(values, 0, 4)
                rebuilt = pc.binary_join_element_wise(day, month, year, pa.scalar(".", pa.large_string()))
                arrays[code] = pc.if_else(is_date, rebuilt, values)
    for code in fmt.of_type("boolean"):
        if code in arrays:
            values = arrays[code]
            is_bool = pc.is_in(values, pa.array(["true", "false"]))
            arrays[code] = pc.if_else(is_bool, pc.utf8_upper(values), values)


def _first_sheet_member(archive: zipfile.ZipFile) -> str:
    names = archive.namelist()
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        first = re.search(r'<sheet [^>]*r:id="([^"]+)"', workbook) or re.search(r'<sheet [^>]*id="([^"]+)"', workbook)
        if first:
            target = re.search(rf'<Relationship [^>]*Id="{re.escape(first.group(1))}"[^>]*Target="([^"]+)"', rels) \
                or re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{re.escape(first.group(1))}"', rels)
            if target:
                member = target.group(1).lstrip("/")
                member = member if member.startswith("xl/") else "xl/" + member
                if member in names:
                    return member
    except KeyError:
        pass
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    return sheets[0] if sheets else ""


def _refuse_formulas(path: Path) -> None:
    """InputError naming the first cell of the first sheet that holds a formula."""
    if not zipfile.is_zipfile(path):
        return  # legacy .xls: calamine has read values; no XML to scan
    with zipfile.ZipFile(path) as archive:
        member = _first_sheet_member(archive)
        if not member:
            return
        tail = b""
        with archive.open(member) as stream:
            while True:
                chunk = stream.read(8 << 20)
                if not chunk:
                    return
                window = tail + chunk
                if b"<f" in window:
                    found = _FORMULA.search(window)
                    if found:
                        letters, row = found.group(1).decode(), int(found.group(2))
                        formula = re.search(rb"<f[^>]*>(.*?)</f>", window[found.start():found.start() + 4000], re.S)
                        text = formula.group(1).decode("utf-8", "replace") if formula else "(shared formula)"
                        raise InputError("the cell holds a formula; SecuTix imports values (and a leading '=' "
                                         "means 'clear')", file=path, row=row, column=letters, value="=" + text,
                                         hint="copy the sheet and paste as values")
                tail = window[-4096:]


def write_xlsx(frame: pd.DataFrame, header_rows: list[list[str]], path: Path) -> None:
    """Write rows 1–3, the codes row and the data as text cells; renamed into place when done."""
    import rustpy_xlsxwriter

    path = Path(path)
    _check_writable(frame, path)
    codes = list(frame.columns)
    partial = path.with_name(f".{path.name}.partial")
    raw = path.with_name(f".{path.name}.raw")
    try:
        data = frame.reset_index(drop=True)
        rustpy_xlsxwriter.write_worksheet(data, str(raw), sheet_name="Contacts", header_row=HEADER_ROWS - 1)
        _insert_header_rows(raw, partial, header_rows, codes)
        os.replace(partial, path)
    finally:
        for leftover in (raw, partial):
            if leftover.exists():
                leftover.unlink()


def _check_writable(frame: pd.DataFrame, path: Path) -> None:
    """Refuse what a sheet cannot hold: too many rows, a cell over Excel's character limit.

    Control characters need no refusal: the writer stores them as ``_xHHHH_`` and the
    reader gives them back (round trip tested).
    """
    if len(frame) + HEADER_ROWS > EXCEL_ROW_LIMIT:
        raise InputError(f"{len(frame):,} rows do not fit in one sheet (at most {EXCEL_ROW_LIMIT - HEADER_ROWS:,} "
                         "contacts): split the file or write CSV", file=path)
    for code in frame.columns:
        values = pa.chunked_array(frame[code].array.__arrow_array__())
        suspects = pc.greater(pc.binary_length(values), EXCEL_CELL_LIMIT)  # bytes >= characters
        if not pc.any(suspects).as_py():
            continue
        lengths = pc.utf8_length(values).to_numpy()
        if lengths.max() > EXCEL_CELL_LIMIT:
            position = int(lengths.argmax())
            raise InputError(f"value of {int(lengths.max()):,} characters: Excel cells hold at most "
                             f"{EXCEL_CELL_LIMIT:,}", file=path, row=frame.index[position], column=code,
                             value=frame[code].iloc[position], hint="write CSV for such values")


def _xml_text(text: str) -> str:
    """Text as an XLSX cell holds it: ``_xHHHH_`` escapes (as the data writer does), then XML escapes."""
    text = re.sub(r"_x([0-9A-Fa-f]{4})_", r"_x005F_x\1_", text)
    text = _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return escape(text)


def _cell(ref: str, text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}" t="inlineStr"><is><t{space}>{_xml_text(text)}</t></is></c>'


def _insert_header_rows(raw: Path, out: Path, header_rows: list[list[str]], codes: list[str]) -> None:
    """Copy ``raw`` to ``out`` with rows 1–3 written in front of row 4 of the sheet."""
    rows_xml = "".join(
        f'<row r="{r}">' + "".join(_cell(f"{column_letter(i)}{r}", v) for i, v in enumerate(row, start=1) if v != "")
        + "</row>"
        for r, row in enumerate(header_rows, start=1)
    ).encode("utf-8")
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1,
                                                        allowZip64=True) as target:
        sheet = _first_sheet_member(source)
        for info in source.infolist():
            if info.filename != sheet:
                body = source.read(info.filename)
                if info.filename == "docProps/core.xml":  # no wall-clock time: same rows → byte-identical file (replay)
                    body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"1980-01-01T00:00:00Z", body)
                target.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
                continue
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member._compresslevel = 1  # level 1: the sheet is ~1 GB of XML per million rows
            with source.open(info) as stream, target.open(member, "w", force_zip64=True) as sink:
                first = stream.read(1 << 16)
                marker = first.find(b"<sheetData>")
                if marker < 0:
                    raise RuntimeError("xlsx writer: <sheetData> not found in the sheet's first 64 KB")
                first = re.sub(rb'<dimension ref="A4', b'<dimension ref="A1', first, count=1)
                marker = first.find(b"<sheetData>") + len(b"<sheetData>")
                sink.write(first[:marker] + rows_xml + first[marker:])
                while True:
                    chunk = stream.read(16 << 20)
                    if not chunk:
                        break
                    sink.write(chunk)


__all__ = ["read_xlsx", "write_xlsx", "ZIP_MAGIC", "OLE_MAGIC"]
