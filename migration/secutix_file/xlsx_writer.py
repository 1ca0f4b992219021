"""Write a SecuTix frame as an XLSX file in the template layout, fast (≈ 1M contacts in a few seconds).

Design: the sheet XML is built a chunk of rows at a time, vectorised over whole columns
(:mod:`.xlsx_sheet`), and each chunk is deflated on its own; building and deflating run in
a few threads (numpy, Arrow and zlib release the GIL) and the chunks are written in order
into a ZIP container written by hand (:mod:`.xlsx_zip`). Memory stays flat: a few chunks
are in flight at a time.

The file: one sheet "Contacts"; rows 1–3 = the header rows given, row 4 = the codes, then
one contact per row; text cells only, empty cells left out; minimal workbook, styles and
relationships; no timestamp, so the same frame and chunk size give the same bytes. It
appears only when complete (written under a partial name, then renamed).
"""
from __future__ import annotations

import os
import threading
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..format import HEADER_ROWS
from ..text_arrays import text_column
from .xlsx_sheet import SHEET_END, chunk_bounds, python_rows_xml, rows_xml, sheet_start
from .staged_file import staged_file
from .xlsx_zip import ZipWriter, deflate_chunk

EXCEL_CELL_LIMIT = 32_767          # characters in one cell (Excel's limit)
EXCEL_ROW_LIMIT = 1_048_576        # rows in one sheet
CHUNK_ROWS = 32_768                # ~35 MB of sheet XML per chunk for the usual 20–30 filled columns
DEFLATE_LEVEL = 1                  # level 1: the sheet is ~1 GB of XML per million rows; ~8x smaller anyway
SHEET = "xl/worksheets/sheet1.xml"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView/></bookViews>'
    '<sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
_PARTS = {"[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS, "xl/workbook.xml": _WORKBOOK,
          "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS, "xl/styles.xml": _STYLES}


def write_xlsx(frame: pd.DataFrame, header_rows: list[list[str]], path: Path, *, chunk_rows: int = CHUNK_ROWS,
               workers: int | None = None) -> None:
    """Write rows 1–3, the codes row and the data as text cells; renamed into place when done.

    ``chunk_rows`` sets the rows per deflated chunk (the bytes depend on it), ``workers`` the
    threads (default: the CPUs this process may use).
    """
    path = Path(path)
    columns = text_columns(frame)
    _check_writable(frame, columns, path)
    codes = [str(c) for c in frame.columns]
    last_row = HEADER_ROWS + _last_row_with_a_value(columns, len(frame))
    with staged_file(path) as partial, open(partial, "wb") as handle:
        package = ZipWriter(handle)
        for name, body in _PARTS.items():
            package.add(name, body.encode("utf-8"))
        head = sheet_start(max(len(codes), 1), last_row) + python_rows_xml([*header_rows, codes])
        package.add_deflated(SHEET, sheet_pieces(head, columns, HEADER_ROWS + 1, SHEET_END, chunk_rows, workers))
        package.close()


def text_columns(frame: pd.DataFrame) -> list[pa.ChunkedArray]:
    """The frame's columns as Arrow large_string, ``""`` for a missing value (no copy for Arrow-backed str)."""
    return [text_column(frame[code]) for code in frame.columns]


def sheet_pieces(head: bytes, columns: list[pa.ChunkedArray], first_row: int, tail: bytes,
                 chunk_rows: int = CHUNK_ROWS, workers: int | None = None):
    """(deflated chunk, CRC-32, raw length) of a sheet's XML, in order, for :meth:`.ZipWriter.add_deflated`:
    ``head``, then the text ``columns`` as rows from sheet row ``first_row`` (chunks built by a
    thread pool), then ``tail`` (it ends the sheet)."""
    yield _deflated(head)
    bounds = chunk_bounds(len(columns[0]) if columns else 0, first_row, chunk_rows)
    threads = workers or max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="xlsx") as pool:
        pending: deque = deque()
        try:
            for start, stop in bounds:
                pending.append(pool.submit(_data_chunk, columns, start, stop, first_row + start))
                if len(pending) > threads + 1:  # bounded: a few chunks in memory at a time
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
    yield _deflated(tail)


_scratch = threading.local()  # one XML buffer per worker thread, reused chunk after chunk


def _data_chunk(columns: list[pa.ChunkedArray], start: int, stop: int, first_row: int):
    sliced = [_one_array(c.slice(start, stop - start)) for c in columns]
    if not hasattr(_scratch, "buffer"):
        _scratch.buffer = []
    return _deflated(rows_xml(sliced, first_row, _scratch.buffer))  # deflated before the buffer is reused


def _one_array(values: pa.ChunkedArray) -> pa.Array:
    return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()


def _deflated(xml) -> tuple[bytes, int, int]:
    return deflate_chunk(xml, DEFLATE_LEVEL), zlib.crc32(xml), len(xml)


def _last_row_with_a_value(columns: list[pa.ChunkedArray], count: int, window: int = 4096) -> int:
    """1-based data row of the last row holding a value (0 if none): the sheet's dimension ends there."""
    stop = count
    while stop > 0:
        start = max(0, stop - window)
        filled = np.zeros(stop - start, dtype=bool)
        for values in columns:
            filled |= pc.binary_length(values.slice(start, stop - start)).to_numpy() > 0
        if filled.any():
            return start + int(np.flatnonzero(filled)[-1]) + 1
        stop = start
    return 0


def _check_writable(frame: pd.DataFrame, columns: list[pa.ChunkedArray], path: Path) -> None:
    """Refuse what a sheet cannot hold: too many rows, a cell over Excel's character limit.

    Control characters need no refusal: the writer stores them as ``_xHHHH_`` and the
    reader gives them back (round trip tested).
    """
    if len(frame) + HEADER_ROWS > EXCEL_ROW_LIMIT:
        raise InputError(f"{len(frame):,} rows do not fit in one sheet (at most {EXCEL_ROW_LIMIT - HEADER_ROWS:,} "
                         "contacts): split the file or write CSV", file=path)
    for code, values in zip(frame.columns, columns):
        if not len(values) or pc.max(pc.binary_length(values)).as_py() <= EXCEL_CELL_LIMIT:  # bytes >= characters
            continue
        lengths = pc.utf8_length(values).to_numpy()
        if lengths.max() > EXCEL_CELL_LIMIT:
            position = int(lengths.argmax())
            raise InputError(f"value of {int(lengths.max()):,} characters: Excel cells hold at most "
                             f"{EXCEL_CELL_LIMIT:,}", file=path, row=frame.index[position], column=code,
                             value=frame[code].iloc[position], hint="write CSV for such values")
