"""A big .xlsx sheet parsed as two halves at once: calamine parses a sheet on one core.

fastexcel reads a sheet in one call, on one core, and the snapshot's writer, hash and profile
only start once it returns. Here the sheet's XML is inflated once (ISA-L), cut at a row boundary
near its middle, and each half is handed to fastexcel as a workbook of its own (the same parts,
the sheet's XML replaced and stored) in two threads: fastexcel lets go of the GIL while it
parses. The first half is parsed while the second is still being inflated.

The second half keeps the sheet's rows up to the header, then the rows from the cut: both halves
have the same header, and the rows the first half holds come out empty in the second (dropped).
Why this is the whole sheet read at once: fastexcel gives a column the type of the *set* of
cell types it holds (``get_dtype_for_column``) and converts each cell by that type alone; when
both halves infer the same names and types, the union of their sets infers those types too.
When they differ anywhere, or the sheet is not laid out as expected (rows without ``r``
numbers, a namespace prefix, an encrypted or unusual zip), :func:`read_in_halves` returns
None and the sheet is read whole.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa
import pyarrow.compute as pc
from isal import isal_zlib

SPLIT_BYTES = 16 << 20  # sheets whose XML is smaller (≈ 20k rows) are read whole: two halves would not pay
INFLATE_BLOCK = 1 << 20  # compressed bytes inflated at a time

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_LOCAL = struct.Struct("<4s5H3L2H")      # zip local file header, without name and extra
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory header, without name and extra
_END = struct.Struct("<4s4H2LH")         # end of central directory
_SHEET_END = b"</sheetData></worksheet>"  # calamine stops at </sheetData>: the first half needs nothing after it


def read_in_halves(path: Path, sheet: str | int, header_row: int) -> pa.Table | None:
    """The sheet as fastexcel reads it whole (every row typing its column), or None: read it whole."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            part = _sheet_part(archive, sheet)
    except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError):
        return None
    target = next((m for m in members if m.filename == part), None)
    if (target is None or target.file_size < SPLIT_BYTES or target.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            or any(m.flag_bits & 1 or max(m.file_size, m.compress_size, m.header_offset) >= 0xFFFFFFFF for m in members)):
        return None
    try:
        with open(path, "rb") as handle:
            others = [(m, _raw(handle, m)) for m in members if m is not target]
            with ThreadPoolExecutor(max_workers=2, thread_name_prefix="xlsx-half") as pool:
                halves = _halves(handle, target, header_row, others)
                first = next(halves, None)
                if first is None:
                    return None
                first_read = pool.submit(_load, first, sheet, header_row)
                del first
                second = next(halves, None)
                halves.close()  # lets go of its reference to the second half
                if second is None:
                    return None
                second_read = pool.submit(_load, second, sheet, header_row)
                del second
                a, b = first_read.result(), second_read.result()
    except (OSError, ValueError, isal_zlib.error):  # a damaged zip: the whole read says what is wrong
        return None
    return _joined(a, b)


def _load(workbook: bytes, sheet: str | int, header_row: int) -> pa.RecordBatch | None:
    import fastexcel

    try:
        return fastexcel.read_excel(workbook).load_sheet(sheet, header_row=header_row - 1, schema_sample_rows=None,
                                                         eager=True)
    except Exception:  # the whole sheet, read again, says what is wrong with it
        return None


def _joined(a: pa.RecordBatch | None, b: pa.RecordBatch | None) -> pa.Table | None:
    """First half + the second's rows after those of the first, when both agree on names and types."""
    if a is None or b is None or a.schema.names != b.schema.names or a.schema.types != b.schema.types:
        return None
    skipped = b.slice(0, a.num_rows)
    if b.num_rows < a.num_rows or any(column.null_count != a.num_rows for column in skipped.columns):
        return None  # the second half's first rows must be the first half's, empty there
    schema = pa.schema([pa.field(f.name, f.type) for f in a.schema])
    return pa.Table.from_batches([a.cast(schema), b.slice(a.num_rows).cast(schema)])


def _sheet_part(archive: zipfile.ZipFile, sheet: str | int) -> str | None:
    """The zip member holding ``sheet`` (a name, or an index when every sheet is a worksheet)."""
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): (r.get("Target") or "", r.get("Type") or "") for r in rels.iter(f"{_PKG}Relationship")}
    sheets = [(s.get("name"), targets.get(s.get(_REL), ("", ""))) for s in book.iter(f"{_MAIN}sheet")]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(sheets) or not all(kind.endswith("/worksheet") for _, (_, kind) in sheets):
            return None
        target = sheets[sheet][1][0]
    else:
        target = next((t for name, (t, _) in sheets if name == sheet), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _raw(handle, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes as stored in the zip (compressed)."""
    handle.seek(member.header_offset)
    local = handle.read(_LOCAL.size)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(member.header_offset + _LOCAL.size + name_length + extra_length)
    return handle.read(member.compress_size)


def _inflated(handle, member: zipfile.ZipInfo):
    """The member's bytes, inflated a block at a time."""
    handle.seek(member.header_offset)
    local = handle.read(_LOCAL.size)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    handle.seek(member.header_offset + _LOCAL.size + name_length + extra_length)
    inflater = isal_zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
    left = member.compress_size
    while left:
        block = handle.read(min(left, INFLATE_BLOCK))
        if not block:
            raise OSError("truncated zip member")
        left -= len(block)
        if inflater is None:
            yield block
        elif data := inflater.decompress(block):
            yield data
    if inflater is not None and (rest := inflater.flush()):
        yield rest


def _halves(handle, member: zipfile.ZipInfo, header_row: int, others: list):
    """The two workbooks: the first as soon as half the sheet is inflated, then the second."""
    chunks: list[bytes] = []
    size = 0
    inflating = _inflated(handle, member)
    for chunk in inflating:
        chunks.append(chunk)
        size += len(chunk)
        if size >= member.file_size // 2:
            break
    head = _header_end(chunks[0], header_row)
    last = chunks[-1]
    if head is None:
        return
    # the first row starting past the middle of the sheet (or the last one before it)
    floor = head if len(chunks) == 1 else 0
    middle = max(floor, member.file_size // 2 - (size - len(last)))
    cut = last.find(b'<row r="', middle)
    cut = cut if cut >= 0 else last.rfind(b'<row r="', floor)
    if cut < 0 or len(chunks) == 1 and cut <= head:
        return
    header = bytes(memoryview(chunks[0])[:head])
    first = _workbook(member.filename, [*chunks[:-1], memoryview(last)[:cut], _SHEET_END], others)
    rest = bytes(memoryview(last)[cut:])
    del chunks, last  # memory: each half's inflated XML is held once, in its workbook
    yield first
    del first
    second = [header, rest, *inflating]
    second = _workbook(member.filename, second, others)
    yield second


def _header_end(first: bytes, header_row: int) -> int | None:
    """Where the first data row starts: after the rows numbered 1 … ``header_row``, which must come first
    (and hold a value, so that both halves start at the same row); None otherwise."""
    start = first.find(b"<sheetData>")
    if start < 0:
        return None
    position = start + len(b"<sheetData>")
    for number in range(1, header_row + 1):
        if not first.startswith(b'<row r="%d"' % number, position):
            return None
        position = first.find(b"<row ", position + 5)
        if position < 0:
            return None
    header = first[start:position]
    return position if b"<v>" in header or b"<is>" in header else None


def _workbook(name: str, pieces: list, others: list) -> bytes:
    """A zip of the other members as they were (still compressed) and ``name`` stored, made of ``pieces``."""
    crc = 0
    for piece in pieces:
        crc = isal_zlib.crc32(piece, crc)
    size = sum(len(piece) for piece in pieces)
    if size >= 0xFFFFFFFF:
        raise OSError("a half past 4 GB")
    entries = [(m.filename.encode("utf-8"), m.compress_type, m.CRC, m.compress_size, m.file_size, [raw]) for m, raw in others]
    entries.append((name.encode("utf-8"), zipfile.ZIP_STORED, crc, size, size, pieces))
    out, central, offset = [], [], 0
    for encoded, method, crc, compressed, inflated, data in entries:
        header = _LOCAL.pack(b"PK\x03\x04", 20, 0, method, 0, 33, crc, compressed, inflated, len(encoded), 0) + encoded
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 20, 0, method, 0, 33, crc, compressed, inflated, len(encoded),
                                     0, 0, 0, 0, 0, offset) + encoded)
        out += [header, *data]
        offset += len(header) + compressed
    directory = b"".join(central)
    out += [directory, _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0)]
    return b"".join(out)
