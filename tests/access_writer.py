"""A JET4 (.mdb) writer for tests and benches only: one table of N rows that mdbtools reads back.

Nothing on this machine writes Access files (mdbtools only reads), so the receive bench and the
tests make theirs here. It starts from a real JET4 file (the bundled Apache-2.0 fixture, whose
page 0, catalogue and system tables stay as they are) and rewrites its one user table ``Table``:
the table definition page (columns, row count, no indexes), new data pages (type 0x01) appended
after the template's pages, and the table's usage map (inline when the pages fit in it, else
type 1 with bitmap pages). The format is the public one described in mdbtools' HACKING file.

Column kinds: ``long`` (Long Integer), ``text`` (Text, up to 255 characters), ``datetime``.
Text is stored as JET4 compressed unicode when every character fits in one byte, else UCS-2.
Not a product feature: no indexes, no memo, no Access-side compaction or locking metadata.
What mdbtools 1.0 itself reads differently (so the tests avoid it): a zero-length text prints as
NULL, characters beyond U+FFFF as "?", and DateTimes before 1899-12-30 as "1900-01-00".
"""
from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "fixtures" / "access" / "jet4_testUnicodeCompV2003.mdb"
TABLE_NAME = "Table"          # the template's user table, rewritten (its catalogue entry stays)
PAGE = 4096
TDEF_PAGE = 53                # "Table"'s definition page in the template
OLD_TABLE_PAGES = (54, 55, 56, 57)  # its old usage maps, data page and index pages: blanked
DATA_HEADER = 14              # type, 0x01, free space, tdef page, 4 unknown bytes, row count
MAX_ROWS_PER_PAGE = 255       # a row pointer holds the row number in one byte
INLINE_MAP_BYTES = 64         # a type 0 usage map: 1 type byte, 4 start-page bytes, 64 bitmap bytes
BITMAP_PAGE_BITS = (PAGE - 4) * 8   # pages one type 0x05 bitmap page maps (type 1 usage map)
MAP_POINTERS = 17             # bitmap pages a type 1 usage map row points to (2 GB of pages)
EPOCH = dt.datetime(1899, 12, 30)

_TYPES = {"long": (0x04, 4), "datetime": (0x08, 8), "text": (0x0A, 510)}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # long | text | datetime

    def __post_init__(self) -> None:
        if self.kind not in _TYPES:
            raise ValueError(f"column {self.name!r}: kind {self.kind!r} is not one of {sorted(_TYPES)}")

    @property
    def fixed(self) -> bool:
        return self.kind != "text"


def encode_text(value: str) -> bytes:
    """JET4 text: compressed (0xFF 0xFE then one byte a character) when every character is in
    U+0001–U+00FF, else plain UCS-2 (mdbtools would read a leading U+FEFF as the compression mark)."""
    if len(value) > 255:
        raise ValueError("a Text column holds at most 255 characters")
    if not value:
        return b""  # zero-length, not NULL (the null mask says which)
    try:
        if "\x00" not in value:
            return b"\xff\xfe" + value.encode("latin-1")
    except UnicodeEncodeError:
        pass
    if value.startswith("\ufeff"):
        raise ValueError("text starting with U+FEFF cannot be stored uncompressed")
    return value.encode("utf-16-le", "surrogatepass")


def encode_datetime(value: dt.datetime | dt.date) -> bytes:
    """Days since 1899-12-30 as a double; before it, Access keeps the time as a positive fraction."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    delta = value.replace(tzinfo=None) - EPOCH
    days, seconds = delta.days, delta.seconds + delta.microseconds / 1e6
    if days < 0 and seconds:
        days += 1
        seconds = 86400 - seconds
        return struct.pack("<d", days - seconds / 86400)
    return struct.pack("<d", days + seconds / 86400)


class _Layout:
    """Where each column lives in a row: fixed columns at their offsets, text in the variable part."""

    def __init__(self, columns: Sequence[Column]):
        if not columns or len(columns) > 255:
            raise ValueError("a table needs 1 to 255 columns")
        self.columns = list(columns)
        self.fixed = [i for i, c in enumerate(columns) if c.fixed]
        self.var = [i for i, c in enumerate(columns) if not c.fixed]
        self.fixed_offsets, offset = {}, 0
        for i in self.fixed:
            self.fixed_offsets[i] = offset
            offset += _TYPES[columns[i].kind][1]
        self.fixed_size = offset
        self.mask_bytes = (len(columns) + 7) // 8
        self.var_start = 2 + self.fixed_size
        self.count = struct.pack("<H", len(columns))
        self.kinds = [c.kind if c.fixed else None for c in columns]
        self.zeros = {kind: bytes(size) for kind, (_, size) in _TYPES.items()}

    def row(self, values: Sequence) -> bytes:
        if len(values) != len(self.columns):
            raise ValueError(f"a row has {len(values)} values, the table {len(self.columns)} columns")
        # one pass in column order (fixed columns first in the row, then text): this runs a million times
        mask, bit, position = 0, 1, self.var_start
        fixed: list[bytes] = []
        var: list[bytes] = []
        offsets: list[int] = []
        for value, kind in zip(values, self.kinds):
            if kind is None:                    # text
                offsets.append(position)
                if value is not None:
                    part = encode_text(value)
                    var.append(part)
                    position += len(part)
                    mask |= bit
            elif value is None:
                fixed.append(self.zeros[kind])
            else:
                fixed.append(_FIXED_ENCODERS[kind](value))
                mask |= bit
            bit <<= 1
        tail = mask.to_bytes(self.mask_bytes, "little")
        if offsets:
            offsets.reverse()  # stored last column first, after the end of the data; then their count
            tail = struct.pack(f"<H{len(offsets)}HH", position, *offsets, len(offsets)) + tail
        return b"".join((self.count, *fixed, *var, tail))


_FIXED_ENCODERS = {"long": lambda v: struct.pack("<i", v), "datetime": encode_datetime}


def _data_page(rows: list[bytes]) -> bytes:
    page = bytearray(PAGE)
    end = PAGE
    offsets = []
    for row in rows:
        start = end - len(row)
        page[start:end] = row
        offsets.append(start)
        end = start
    table_end = DATA_HEADER + 2 * len(rows)
    struct.pack_into(f"<BBHII H{len(rows)}H", page, 0, 0x01, 0x01, end - table_end, TDEF_PAGE, 0, len(rows), *offsets)
    return bytes(page)


def _page_of_rows(rows: list[bytes], owner: int = 0) -> bytes:
    """A data page holding small records (usage maps), owned by no table like the template's."""
    page = bytearray(_data_page(rows))
    struct.pack_into("<I", page, 4, owner)
    return bytes(page)


def _tdef_page(template: bytes, layout: _Layout, rows: int, used_map: int, free_map: int) -> bytes:
    body = bytearray()
    for number, column in enumerate(layout.columns):
        kind, size = _TYPES[column.kind]
        fixed = column.fixed
        body += struct.pack("<B4sHHHHHBBIHH", kind, template[12:16], number,
                            0 if fixed else layout.var.index(number), number,
                            0x0409 if not fixed else 0, 0,
                            0x03 if fixed else 0x02, 0 if fixed else 0x01, 0,
                            layout.fixed_offsets.get(number, 0), size)
    for column in layout.columns:
        name = column.name.encode("utf-16-le")
        body += struct.pack("<H", len(name)) + name
    body += b"\xff\xff"  # no per-column usage maps (no memo columns)
    header = bytearray(template[:63])
    struct.pack_into("<I", header, 16, rows)
    struct.pack_into("<I", header, 20, 0)                      # next autonumber: none
    struct.pack_into("<HHHII", header, 41, len(layout.columns), len(layout.var), len(layout.columns), 0, 0)
    struct.pack_into("<II", header, 55, used_map, free_map)
    page = bytearray(PAGE)
    page[:63] = header
    page[63:63 + len(body)] = body
    length = 63 + len(body)
    if length > PAGE:
        raise ValueError("the column definitions do not fit in one page")
    struct.pack_into("<BBHII", page, 0, 0x02, 0x01, PAGE - length, 0, length - 8)
    return bytes(page)


def write_mdb(path: Path, columns: Sequence[Column], rows: Iterable[Sequence], *,
              inline_map_pages: int = INLINE_MAP_BYTES * 8) -> int:
    """Write ``rows`` as table ``Table`` of a JET4 file at ``path``; returns the row count.

    ``inline_map_pages``: the most data pages an inline (type 0) usage map takes before the
    writer switches to a type 1 map with bitmap pages (lower it to test that path on few rows)."""
    template = TEMPLATE.read_bytes()
    if len(template) % PAGE or template[0x14] != 0x01 or template[TDEF_PAGE * PAGE] != 0x02:
        raise ValueError(f"{TEMPLATE.name} is not the JET4 template this writer expects")
    layout = _Layout(columns)
    first_data = len(template) // PAGE
    count = 0
    data_pages = 0
    with open(path, "wb") as out:
        out.write(template)
        pending: list[bytes] = []
        used = 0
        for values in rows:
            row = layout.row(values)
            if DATA_HEADER + 2 + len(row) > PAGE:
                raise ValueError(f"row {count + 1} takes {len(row)} bytes: more than a page holds")
            if pending and (len(pending) == MAX_ROWS_PER_PAGE or DATA_HEADER + 2 * (len(pending) + 1) + used + len(row) > PAGE):
                out.write(_data_page(pending))
                data_pages += 1
                pending, used = [], 0
            pending.append(row)
            used += len(row)
            count += 1
        if pending:
            out.write(_data_page(pending))
            data_pages += 1
        map_page = first_data + data_pages
        owned = range(first_data, first_data + data_pages)
        free_map = bytes(1 + 4 + INLINE_MAP_BYTES)             # type 0, no page with free space
        if data_pages <= inline_map_pages and data_pages <= INLINE_MAP_BYTES * 8:
            bitmap = bytearray(INLINE_MAP_BYTES)
            for page in owned:
                bitmap[(page - first_data) // 8] |= 1 << ((page - first_data) % 8)
            used_map = b"\x00" + struct.pack("<I", first_data) + bytes(bitmap)
            out.write(_page_of_rows([used_map, free_map]))
        else:
            last = first_data + data_pages - 1
            bitmap_pages = last // BITMAP_PAGE_BITS + 1
            if bitmap_pages > MAP_POINTERS:
                raise ValueError("more pages than a type 1 usage map covers")
            pointers = [map_page + 1 + i for i in range(bitmap_pages)] + [0] * (MAP_POINTERS - bitmap_pages)
            out.write(_page_of_rows([b"\x01" + struct.pack(f"<{MAP_POINTERS}I", *pointers), free_map]))
            for index in range(bitmap_pages):
                bitmap = bytearray(PAGE)
                bitmap[0:2] = b"\x05\x01"
                low, high = index * BITMAP_PAGE_BITS, (index + 1) * BITMAP_PAGE_BITS
                for page in range(max(low, first_data), min(high, last + 1)):
                    bit = page - low
                    bitmap[4 + bit // 8] |= 1 << (bit % 8)
                out.write(bytes(bitmap))
        # the table's definition, and its old pages out of the way (no longer in any map)
        out.seek(TDEF_PAGE * PAGE)
        out.write(_tdef_page(template[TDEF_PAGE * PAGE:(TDEF_PAGE + 1) * PAGE], layout, count,
                             map_page << 8 | 0, map_page << 8 | 1))
        for page in OLD_TABLE_PAGES:
            out.seek(page * PAGE)
            out.write(_page_of_rows([]))
    return count
