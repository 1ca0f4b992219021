"""SecuTix XLSX files in the template layout: 4 header rows, then one contact per row.

Reading uses fastexcel (calamine, Rust) with every cell as text; the first sheet is the
import sheet. Cells holding a formula are refused: SecuTix imports values, a formula
whose cached value is missing would silently become empty, and a leading ``=`` means
"clear" in the format (secutix-format §3). Writing is :func:`.xlsx_writer.write_xlsx` (sheet XML
built vectorised, deflated in parallel chunks): every value an inline text string, ``=``
included, never a formula.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..format import HEADER_ROWS, extended_format
from .layout import check_codes_row, column_name
from .xlsx_writer import write_xlsx

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
# a cell (not self-closing) whose content, before the next cell, holds an <f> element
_FORMULA = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*?(?<!/)>(?:(?!</c>|<c[ >]).){0,200}?<f[ >/]', re.S)
_EXCEL_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00$")


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, list[list[str]], bool]:
    """(data frame of str columns named by the layout, rows 1–4 as read, has ROLE).

    ``sheet``: the import sheet's name (the first sheet when None).
    """
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as e:  # fastexcel raises its own CalamineError family
        raise InputError(f"not a readable Excel file ({str(e).splitlines()[0]})", file=path,
                         hint="a SecuTix file is .xlsx in the template layout, or .csv") from None
    if sheet is not None and sheet not in reader.sheet_names:
        raise InputError(f"no sheet {sheet!r} (sheets: {', '.join(reader.sheet_names)})", file=path)
    try:
        table = reader.load_sheet(0 if sheet is None else sheet, header_row=None, dtypes="string", skip_rows=0).to_arrow()
    except Exception as e:
        raise InputError(f"not a readable Excel file ({str(e).splitlines()[0]})", file=path,
                         hint="a SecuTix file is .xlsx in the template layout, or .csv") from None
    if table.num_rows < HEADER_ROWS:
        raise InputError(f"the sheet has {table.num_rows} rows; a SecuTix file starts with {HEADER_ROWS} header rows "
                         "(codes in row 4)", file=path, row=table.num_rows or None)
    _refuse_formulas(path, sheet)
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


def _sheet_member(archive: zipfile.ZipFile, sheet: str | None = None) -> str:
    """The worksheet XML of the sheet named ``sheet`` (the first sheet when None)."""
    names = archive.namelist()
    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        if sheet is not None:
            from xml.sax.saxutils import escape

            tags = [t for t in re.findall(r"<sheet [^>]*>", workbook)
                    if f'name="{escape(sheet, {chr(34): "&quot;"})}"' in t]
            workbook = tags[0] if tags else workbook
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


def _refuse_formulas(path: Path, sheet: str | None = None) -> None:
    """InputError naming the first cell of the import sheet that holds a formula."""
    if not zipfile.is_zipfile(path):
        return  # legacy .xls: calamine has read values; no XML to scan
    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet)
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


__all__ = ["read_xlsx", "write_xlsx", "ZIP_MAGIC", "OLE_MAGIC"]
