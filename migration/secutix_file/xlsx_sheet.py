"""The sheet XML of a SecuTix XLSX file, built a chunk of rows at a time with numpy.

Every value is an inline text cell, ``<c r="K12" t="inlineStr"><is><t>…</t></is></c>``
(never a formula, ``=`` included); empty cells are left out. Text is escaped as Excel
and rust_xlsxwriter do: an ``_`` that starts ``_xHHHH_`` becomes ``_x005F_``, control
characters and U+FFFE/U+FFFF become ``_xHHHH_`` (CR included: XML would turn it into LF),
then ``& < >`` become entities; ``xml:space="preserve"`` when the text starts or ends with
a space, tab or line feed. Readers undo the ``_xHHHH_`` escapes (round trip tested).

Why it is built this way: a Python string per cell would cost ~20 M strings per million
contacts, and Arrow's string joins cost ~100 ns per cell. Here the byte offset of every
piece of a chunk (row start, cells, row end) is computed first with one cumulative sum;
then each kind of piece is copied into one preallocated buffer by numpy fancy indexing on
overlapping-window views, one call per column and kind (~10-50 ns per cell), in this order:
texts, as fixed-width slabs from the column's UTF-8 buffer, each overrunning its text by
at most 43 bytes; cell heads, each with the cell end of the cell before it (so they
repair any overrun: a text is always followed by at least 44 bytes of cell end and head);
cells built in Python; row ends and row starts last. Within a chunk every row number has
the same count of digits (:func:`chunk_bounds`), so cell heads are fixed-width. Texts with
``& < >`` are escaped by Arrow, texts with an edge space get the ``xml:space`` head; only
texts that need an ``_xHHHH_`` escape (rare) are built in Python.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .layout import column_letter

TEXT = pa.large_string()
CELL_END = b"</t></is></c>"
SHEET_END = b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>' \
            b"</worksheet>"
_CELL_MIDDLE = b'" t="inlineStr"><is><t>'
_PRESERVE_MIDDLE = b'" t="inlineStr"><is><t xml:space="preserve">'
_ROW_START, _ROW_MIDDLE, _ROW_END = b'<row r="', b'">', b"</row>"
_LITERAL_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")  # overlapping ones too: _x0041_x0042_
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_XML_SPACE = (" ", "\t", "\n")
# a text slab may overrun its text by this much: less than the cell end (13 bytes) plus the
# shortest thing that can follow it (a cell head, 31 bytes; or a row end and a row start)
_OVERRUN = len(CELL_END) + len(b'<c r="A0') + len(_CELL_MIDDLE) - 1
_SLACK = 64  # bytes after a chunk's end, for the last slab's overrun
_BEFORE = 16  # bytes before a chunk's start: the first cell head also writes the 13 bytes before it
# bytes that may need an escape: controls but tab and LF, & < >, '_' (of _xHHHH_), 0xEF (lead of U+FFFE/U+FFFF)
_SUSPECT = np.zeros(256, dtype=bool)
_SUSPECT[[*range(0, 9), *range(11, 32), ord("&"), ord("<"), ord(">"), ord("_"), 0xEF]] = True
_UNREMARKABLE = bytes(b for b in range(256) if not _SUSPECT[b] and b not in b" \t\n")
_ENTITY = np.zeros(256, dtype=bool)
_ENTITY[[ord("&"), ord("<"), ord(">")]] = True
_XML_SPACE_BYTE = np.zeros(256, dtype=bool)
_XML_SPACE_BYTE[[ord(" "), ord("\t"), ord("\n")]] = True


def xml_text(text: str) -> str:
    """Text as a cell holds it: ``_xHHHH_`` escapes first, then XML entities."""
    text = _LITERAL_ESCAPE.sub("_x005F_", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell_xml(reference: str, text: str, style: int = 0) -> str:
    """One text cell; ``style``: its index in the workbook's cellXfs (0: none)."""
    space = ' xml:space="preserve"' if text.startswith(_XML_SPACE) or text.endswith(_XML_SPACE) else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{reference}"{styled} t="inlineStr"><is><t{space}>{xml_text(text)}</t></is></c>'


def sheet_start(last_column: int, last_row: int, *, selected: bool = True, columns: str = "") -> bytes:
    """The sheet XML up to ``<sheetData>``; ``selected``: the tab shown on opening (one per workbook);
    ``columns``: a ``<cols>`` element (widths)."""
    view = '<sheetView tabSelected="1" workbookViewId="0"/>' if selected else '<sheetView workbookViewId="0"/>'
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:{column_letter(last_column)}{last_row}"/>'
            f'<sheetViews>{view}</sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{columns}<sheetData>').encode("utf-8")


def python_rows_xml(rows: Sequence[Sequence[str]], first_row: int = 1) -> bytes:
    """Rows built cell by cell in Python (the header rows: a few hundred cells)."""
    return numbered_rows_xml(enumerate(rows, start=first_row))


def numbered_rows_xml(rows: Iterable[tuple[int, Sequence]]) -> bytes:
    """Rows built cell by cell in Python, each given with its sheet row number. A cell is a text
    (``""`` left out), a ``(text, style)`` pair, or an int or float: a number cell."""
    parts = []
    for number, row in rows:
        cells = []
        for i, value in enumerate(row, start=1):
            reference = f"{column_letter(i)}{number}"
            if isinstance(value, tuple):
                cells.append(cell_xml(reference, *value))
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<c r="{reference}"><v>{value:.16G}</v></c>')
            elif value != "":
                cells.append(cell_xml(reference, value))
        if cells:
            parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(parts).encode("utf-8")


def chunk_bounds(count: int, first_row: int, chunk_rows: int) -> list[tuple[int, int]]:
    """(start, stop) data positions, at most ``chunk_rows`` each, never across a power of ten in sheet rows."""
    bounds, start = [], 0
    while start < count:
        number = first_row + start
        next_power = 10 ** len(str(number))
        stop = min(count, start + chunk_rows, next_power - first_row)
        bounds.append((start, stop))
        start = stop
    return bounds


def rows_xml(columns: Sequence[pa.Array], first_row: int, scratch: list[np.ndarray] | None = None) -> np.ndarray:
    """The ``<row>`` elements of one chunk, as a uint8 array: ``columns[i]`` (large_string, no
    nulls) is sheet column i + 1, its first value in sheet row ``first_row``. Rows without a
    value are left out.

    ``scratch``: a list holding a buffer to reuse (grown as needed); the result is then a view
    of it, valid until the next call with the same list. Why: a fresh 40 MB buffer per chunk
    costs ~10k page faults."""
    count = len(columns[0]) if columns else 0
    width = len(str(first_row))
    if count and len(str(first_row + count - 1)) != width:
        raise ValueError("rows_xml: a chunk's row numbers must have the same count of digits (chunk_bounds)")
    numbers = np.arange(first_row, first_row + count, dtype=np.int64)
    digits = (numbers[:, None] // 10 ** np.arange(width - 1, -1, -1, dtype=np.int64) % 10 + 48).astype(np.uint8)
    digits = digits.view(np.dtype((np.void, width))).ravel()  # one item per row
    plans = [plan for position, values in enumerate(columns, start=1)
             if (plan := _ColumnPlan.of(values, column_letter(position), first_row, width)) is not None]
    if not plans:
        return np.empty(0, dtype=np.uint8)
    # byte length of each piece: row start, one cell per column (0 when empty), row end
    lengths = np.zeros((len(plans) + 2, count), dtype=np.int32)  # int32: a chunk is far below 2 GB
    for c, plan in enumerate(plans, start=1):
        lengths[c, plan.rows] = plan.cell_lengths
    with_cells = np.flatnonzero(lengths[1:-1].any(axis=0))
    lengths[0, with_cells] = len(_ROW_START) + width + len(_ROW_MIDDLE)
    lengths[-1, with_cells] = len(_ROW_END)
    in_order = lengths.T.ravel()  # row by row
    ends = np.cumsum(in_order, dtype=np.int64)
    total = int(ends[-1])
    ends -= in_order
    ends += _BEFORE
    starts = ends.reshape(count, len(plans) + 2).T.copy()  # starts[piece kind][row]
    size = _BEFORE + total + _SLACK
    if scratch is None:
        out = np.empty(size, dtype=np.uint8)
    else:
        if not scratch or scratch[0].size < size:
            scratch[:] = [np.empty(size + size // 4, dtype=np.uint8)]
        out = scratch[0][:size]
    for c, plan in enumerate(plans, start=1):  # 1. texts: their slabs overrun into what follows
        for source, source_starts, rows, slab, head in plan.slabs:
            _put(out, starts[c][rows] + head, _windows(source, slab)[source_starts])
    for c, plan in enumerate(plans, start=1):  # 2. cell heads, each with the end of the cell before it
        for rows, heads in plan.heads(digits):
            _put(out, starts[c][rows] - len(CELL_END), heads)
    for c, plan in enumerate(plans, start=1):  # 3. cells built in Python, also with the end before them
        for row, cell in plan.python_cells:
            at = int(starts[c][row]) - len(CELL_END)
            out[at:at + len(CELL_END) + len(cell)] = np.frombuffer(CELL_END + cell, dtype=np.uint8)
    # 4. row ends with the end of the last cell, then row starts (a row's first cell head wrote over them)
    _put(out, starts[-1][with_cells] - len(CELL_END), CELL_END + _ROW_END)
    _put(out, starts[0][with_cells], _ROW_START + b"0" * width + _ROW_MIDDLE)
    _put(out, starts[0][with_cells] + len(_ROW_START), digits[with_cells])
    return out[_BEFORE:_BEFORE + total]


def _windows(buffer: np.ndarray, width: int, step: int = 1) -> np.ndarray:
    """Item i of the view = the ``width`` bytes from ``buffer[i * step]``, as one numpy void (no copy).

    Void items make fancy indexing copy ``width`` bytes per index (~10 ns each; a 2-D uint8
    view costs 2-3x that)."""
    return np.ndarray(shape=((buffer.size - width) // step + 1,), dtype=np.dtype((np.void, width)), buffer=buffer,
                      strides=(step,))


def _put(out: np.ndarray, at: np.ndarray, pieces) -> None:
    """``out[at[i]:at[i] + w] = pieces[i]`` (or the same bytes everywhere), in one numpy call."""
    if isinstance(pieces, bytes):
        pieces = np.frombuffer(pieces, dtype=np.dtype((np.void, len(pieces))))
    if len(at):
        _windows(out, pieces.dtype.itemsize)[at] = pieces


class _ColumnPlan:
    """Where the filled cells of one column of a chunk come from and how long they are.

    Cells are *fixed* (head, text from a buffer, end: built by numpy; the head carries
    ``xml:space="preserve"`` for the rows that need it) or *python* (whole cell built by
    :func:`cell_xml`). ``rows``/``cell_lengths`` cover both, in any order.
    """

    def __init__(self, letters: str, width: int):
        self.prefix = f'<c r="{letters}'.encode()
        self.width = width
        self.slabs: list[tuple[np.ndarray, np.ndarray, np.ndarray, int, int]] = []  # source, starts, rows, slab, head
        self.python_cells: list[tuple[int, bytes]] = []
        self._fixed: list[tuple[np.ndarray, np.ndarray, bool]] = []  # rows, text lengths, xml:space

    def head_length(self, preserve: bool) -> int:
        return len(self.prefix) + self.width + len(_PRESERVE_MIDDLE if preserve else _CELL_MIDDLE)

    @classmethod
    def of(cls, values: pa.Array, letters: str, first_row: int, width: int) -> _ColumnPlan | None:
        count = len(values)
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset:values.offset + count + 1]
        lengths = np.diff(offsets)
        filled = lengths > 0
        if not filled.any():
            return None
        plan = cls(letters, width)
        data = _padded(values.buffers()[2], int(offsets[0]), int(offsets[-1]))
        starts = offsets[:-1] - offsets[0]
        in_python, entities, preserve = _special_rows(data, starts, lengths, filled)
        if in_python is None:
            rows = np.flatnonzero(filled)
            plan._add_texts(data, starts[rows], rows, lengths[rows], preserve=False)
            plan._finish()
            return plan
        rows = np.flatnonzero(filled & ~in_python & ~entities)
        plan._add_both(data, starts[rows], rows, lengths[rows], preserve[rows])
        if entities.any():
            rows = np.flatnonzero(entities)
            escaped = values.take(pa.array(rows))
            for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
                escaped = pc.replace_substring(escaped, char, entity)
            bounds = np.frombuffer(escaped.buffers()[1], dtype=np.int64)[escaped.offset:escaped.offset + len(rows) + 1]
            source = _padded(escaped.buffers()[2], int(bounds[0]), int(bounds[-1]))
            plan._add_both(source, bounds[:-1] - bounds[0], rows, np.diff(bounds), preserve[rows])
        if in_python.any():
            rows = np.flatnonzero(in_python)
            texts = values.take(pa.array(rows)).to_pylist()
            plan.python_cells = [(r, cell_xml(f"{letters}{first_row + r}", t).encode("utf-8"))
                                 for r, t in zip(rows.tolist(), texts)]
        plan._finish()
        return plan

    def _add_both(self, source: np.ndarray, starts: np.ndarray, rows: np.ndarray, lengths: np.ndarray,
                  preserve: np.ndarray) -> None:
        for wanted in (False, True):
            chosen = preserve == wanted
            self._add_texts(source, starts[chosen], rows[chosen], lengths[chosen], preserve=wanted)

    def _add_texts(self, source: np.ndarray, starts: np.ndarray, rows: np.ndarray, lengths: np.ndarray,
                   preserve: bool) -> None:
        if not len(rows):
            return
        self._fixed.append((rows, lengths, preserve))
        head = self.head_length(preserve)
        group = (lengths - 1) // (_OVERRUN + 1)  # slab width - text length <= _OVERRUN within a group
        low, high = int(group.min()), int(group.max())
        if low == high:
            self.slabs.append((source, starts, rows, int(lengths.max()), head))
            return
        for g in np.flatnonzero(np.bincount(group - low)) + low:
            chosen = np.flatnonzero(group == g)
            self.slabs.append((source, starts[chosen], rows[chosen], int(lengths[chosen].max()), head))

    def _finish(self) -> None:
        rows = [rows for rows, _, _ in self._fixed]
        cell_lengths = [self.head_length(preserve) + lengths + len(CELL_END) for _, lengths, preserve in self._fixed]
        if self.python_cells:
            rows.append(np.array([r for r, _ in self.python_cells], dtype=np.int64))
            cell_lengths.append(np.array([len(cell) for _, cell in self.python_cells], dtype=np.int64))
        self.rows, self.cell_lengths = _joined(rows), _joined(cell_lengths)

    def heads(self, digits: np.ndarray):
        """(rows, ``</t></is></c><c r="K12" t="inlineStr"><is><t>`` per row): the heads of the fixed
        cells, each after the end of the cell before it."""
        for preserve in (False, True):
            rows = _joined([rows for rows, _, flag in self._fixed if flag == preserve])
            if not len(rows):
                continue
            template = CELL_END + self.prefix + b"0" * self.width + (_PRESERVE_MIDDLE if preserve else _CELL_MIDDLE)
            heads = np.empty((len(rows), len(template)), dtype=np.uint8)
            heads[:] = np.frombuffer(template, dtype=np.uint8)
            at = len(CELL_END) + len(self.prefix)
            _windows(heads.ravel()[at:], self.width, step=len(template))[:len(heads)] = digits[rows]
            yield rows, heads.view(np.dtype((np.void, len(template)))).ravel()


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _padded(buffer: pa.Buffer | None, start: int, stop: int) -> np.ndarray:
    """The bytes ``buffer[start:stop]`` followed by at least ``_SLACK`` readable bytes (slabs read past a text)."""
    if buffer is not None and buffer.size - stop >= _SLACK:
        return np.frombuffer(buffer, dtype=np.uint8)[start:]
    data = np.full(stop - start + _SLACK, ord(" "), dtype=np.uint8)
    if buffer is not None:
        data[:stop - start] = np.frombuffer(buffer, dtype=np.uint8)[start:stop]
    return data


def _special_rows(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray, filled: np.ndarray):
    """Masks over the chunk: (rows built in Python, rows needing ``& < >`` entities, rows needing
    ``xml:space="preserve"``), the last two without the first; (None, None, None) when no row needs
    any (the usual case, found with one pass of bytes.translate)."""
    size = int(starts[-1] + lengths[-1])
    text = data[:size]
    notable = text.tobytes().translate(None, _UNREMARKABLE)  # the suspect bytes and XML spaces, usually few
    if not notable:
        return None, None, None
    in_python = np.zeros(len(lengths), dtype=bool)
    entities = np.zeros(len(lengths), dtype=bool)
    preserve = np.zeros(len(lengths), dtype=bool)
    spaces = sum(notable.count(b) for b in b" \t\n")
    if spaces < len(notable):
        positions = np.flatnonzero(_SUSPECT[text])
        found = text[positions]
        following = data[positions + 1]
        needs_python = ((found < 32) | ((found == ord("_")) & (following == ord("x")))
                        | ((found == 0xEF) & (following == 0xBF)))
        row_of = np.searchsorted(starts, positions, side="right") - 1
        in_python[row_of[needs_python]] = True
        entities[row_of[_ENTITY[found]]] = True
    if spaces:
        rows = np.flatnonzero(filled)
        edges = _XML_SPACE_BYTE[data[starts[rows]]] | _XML_SPACE_BYTE[data[starts[rows] + lengths[rows] - 1]]
        preserve[rows[edges]] = True
    return in_python, entities & ~in_python, preserve & ~in_python
