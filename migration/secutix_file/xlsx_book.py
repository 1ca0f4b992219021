"""A workbook of several sheets for people (``report.xlsx``), written like the import file.

Each sheet is a few rows built in Python (titles, counts: text, number or bold text cells)
around at most one big table of text columns, whose rows are built a chunk at a time over
whole columns and deflated in threads (:func:`.xlsx_writer.sheet_pieces`): the ~2 M cells
of a 1M-row report take seconds, where XlsxWriter took ~20 s. Every text is an inline
string cell, never a formula; empty texts are left out. A text over Excel's 32,767
UTF-16 units is cut there, as XlsxWriter cuts it.

The same sheets and creation date give the same bytes. Styles: 0 normal, 1 bold (:data:`BOLD`).
The file appears only when complete (written under a partial name, then renamed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .staged_file import staged_file
from .xlsx_sheet import SHEET_END, numbered_rows_xml, sheet_start
from .xlsx_writer import CHUNK_ROWS, EXCEL_CELL_LIMIT, EXCEL_ROW_LIMIT, sheet_pieces
from .xlsx_zip import ZipWriter

BOLD = 1                 # the style of a ``(text, BOLD)`` cell
SHEET_NAME_LIMIT = 31    # characters in a sheet name (Excel's limit)

_NS = "http://schemas.openxmlformats.org"
_REL = f"{_NS}/officeDocument/2006/relationships"
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


@dataclass
class BookSheet:
    """One sheet: ``rows`` (sheet row number from 1 → cells, see :func:`.xlsx_sheet.numbered_rows_xml`)
    and ``table``, text columns whose first value sits in row ``table_row`` (no row of ``rows``
    may fall among the table's). ``widths``: column index from 0 → width in characters."""

    name: str
    rows: dict[int, list] = field(default_factory=dict)
    table: list[pa.ChunkedArray] = field(default_factory=list)
    table_row: int = 2
    widths: dict[int, float] = field(default_factory=dict)

    @property
    def table_rows(self) -> int:
        return len(self.table[0]) if self.table else 0


def write_book(path: Path, sheets: list[BookSheet], *, title: str = "", created: datetime | None = None,
               chunk_rows: int = CHUNK_ROWS) -> Path:
    """Write the workbook at ``path`` (first sheet shown on opening); returns ``path``. ``chunk_rows``: the
    table rows per deflated chunk (the bytes depend on it)."""
    path = Path(path)
    names = [sheet.name[:SHEET_NAME_LIMIT] for sheet in sheets]
    refused = [name for name in names if not name or set(name) & set("[]:*?/\\")]
    if refused or len(set(names)) < len(names):   # Excel would not open the file
        raise ValueError(f"sheet name(s) Excel refuses (empty, []:*?/\\, or twice): {refused or names}")
    with staged_file(path) as partial, open(partial, "wb") as handle:
        package = ZipWriter(handle)
        for name, body in _package_parts(names, title, created).items():
            package.add(name, body.encode("utf-8"))
        for number, sheet in enumerate(sheets, start=1):
            head, tail = _around_table(sheet, selected=number == 1)
            package.add_deflated(f"xl/worksheets/sheet{number}.xml",
                                 sheet_pieces(head, [cut_to_cell_limit(c) for c in sheet.table], sheet.table_row,
                                              tail, chunk_rows))
        package.close()
    return path


def _around_table(sheet: BookSheet, selected: bool) -> tuple[bytes, bytes]:
    """The sheet XML before the table's rows (start, rows above) and after them (rows below, end)."""
    table_end = sheet.table_row + sheet.table_rows
    if any(sheet.table_row <= r < table_end for r in sheet.rows) or max([table_end - 1, *sheet.rows]) > EXCEL_ROW_LIMIT:
        raise ValueError(f"sheet {sheet.name!r}: a row among the table's, or past Excel's last row")
    last_row = max([1, *sheet.rows, table_end - 1])
    last_column = max([1, len(sheet.table), *(len(cells) for cells in sheet.rows.values())])
    head = sheet_start(last_column, last_row, selected=selected, columns=_columns_xml(sheet.widths))
    rows = {r: [cut_text(v) if isinstance(v, str) else v for v in sheet.rows[r]] for r in sorted(sheet.rows)}
    above = numbered_rows_xml((r, cells) for r, cells in rows.items() if r < sheet.table_row)
    below = numbered_rows_xml((r, cells) for r, cells in rows.items() if r >= table_end)
    return head + above, below + SHEET_END


def _columns_xml(widths: dict[int, float]) -> str:
    """``<cols>``: adjacent columns of the same width in one element, as XlsxWriter writes them."""
    spans: list[list] = []
    for column in sorted(widths):
        width = _file_width(widths[column])
        if spans and spans[-1][1] == column - 1 and spans[-1][2] == width:
            spans[-1][1] = column
        else:
            spans.append([column, column, width])
    cols = "".join(f'<col min="{a + 1}" max="{b + 1}" width="{w}" customWidth="1"/>' for a, b, w in spans)
    return f"<cols>{cols}</cols>" if cols else ""


def _file_width(characters: float) -> float:
    """The width stored for a column shown ``characters`` wide (Calibri 11: 7-pixel digits, 5 pixels of padding)."""
    pixels = int(characters * 7 + 0.5) + 5 if characters >= 1 else int(characters * 12 + 0.5)
    return int(pixels / 7 * 256) / 256


def cut_to_cell_limit(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Texts cut to Excel's 32,767 UTF-16 units, never inside a character (rare: found by byte length first)."""
    if not len(values) or pc.max(pc.binary_length(values)).as_py() <= EXCEL_CELL_LIMIT:   # bytes >= UTF-16 units
        return values
    too_long = pc.greater(pc.binary_length(values), EXCEL_CELL_LIMIT)
    cut = [cut_text(text) for text in pc.filter(values, too_long).to_pylist()]
    return pa.chunked_array([pc.replace_with_mask(values.combine_chunks(), too_long.combine_chunks(),
                                                  pa.array(cut, values.type))])


def cut_text(text: str) -> str:
    if len(text.encode("utf-16-le", "surrogatepass")) <= 2 * EXCEL_CELL_LIMIT:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > EXCEL_CELL_LIMIT:
            return text[:index]
    return text


def _package_parts(names: list[str], title: str, created: datetime | None) -> dict[str, str]:
    xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>'
                        for n in range(1, len(names) + 1))
    stamp = (created or datetime(1980, 1, 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "[Content_Types].xml": (
            f'{xml}<Types xmlns="{_NS}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'{overrides}<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
        "_rels/.rels": (
            f'{xml}<Relationships xmlns="{_NS}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_NS}/package/2006/relationships/metadata/core-properties" '
            'Target="docProps/core.xml"/></Relationships>'),
        "docProps/core.xml": (
            f'{xml}<cp:coreProperties xmlns:cp="{_NS}/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{_escaped(title)}</dc:title>'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
        "xl/workbook.xml": (
            f'{xml}<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_REL}">'
            '<bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{_escaped(name)}" sheetId="{n}" r:id="rId{n}"/>'
                      for n, name in enumerate(names, start=1))
            + "</sheets></workbook>"),
        "xl/_rels/workbook.xml.rels": (
            f'{xml}<Relationships xmlns="{_NS}/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                      for n in range(1, len(names) + 1))
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": _STYLES,
    }


def _escaped(text: str) -> str:
    """Text for an XML attribute or element (sheet names, title: no control characters there)."""
    text = "".join(c for c in text if c >= " " or c in "\t\n")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


__all__ = ["BOLD", "BookSheet", "cut_text", "cut_to_cell_limit", "write_book"]
