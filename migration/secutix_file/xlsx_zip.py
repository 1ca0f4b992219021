"""The ZIP container of an XLSX file, written by hand so that one member can be pre-compressed.

Why not :mod:`zipfile`: the sheet XML (~1 GB per million contacts) is deflated in
independent chunks by several threads (zlib releases the GIL). A chunk compressed by its
own raw-deflate compressor and ended with ``Z_FULL_FLUSH`` is byte-aligned and refers to no
earlier byte, so the chunks laid end to end, closed by one final empty block, are a single
valid deflate stream (what pigz does). ``zipfile`` only takes data to compress itself.

What is written: local headers, data, central directory, end record; ZIP64 records when a
size or offset needs them; no timestamps (1980-01-01), so the same content gives the same
bytes. The big member's local header carries a ZIP64 extra field from the start (its size is
unknown then) and is completed by a seek back, as :mod:`zipfile` does for ``force_zip64``.
"""
from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from isal import isal_zlib

_LOCAL = struct.Struct("<4s5H3L2H")          # local file header, without name and extra
_CENTRAL = struct.Struct("<4s6H3L5H2L")      # central directory header, without name and extra
_END = struct.Struct("<4s4H2LH")             # end of central directory
_END64 = struct.Struct("<4sQ2H2L4Q")         # ZIP64 end of central directory
_LOCATOR64 = struct.Struct("<4sLQL")         # ZIP64 end of central directory locator
_DOS_DATE = (1980 - 1980) << 9 | 1 << 5 | 1  # 1980-01-01 00:00: no wall-clock time in the file
_DOS_TIME = 0
_LIMIT = 0xFFFFFFFF
DEFLATE_END = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # one final empty block closes the stream


def deflate_chunk(data, level: int = 1) -> bytes:
    """``data`` raw-deflated, ending byte-aligned and not final: chunks concatenate into one stream.

    ISA-L's deflate (isal), not zlib's: the same stream format and about the same size at
    level 1, in a quarter of the CPU (a million contacts' sheet is ~1 GB of XML). It releases
    the GIL, as zlib does, so the chunks still compress in parallel threads. ISA-L has levels
    0–3: zlib's levels above 3 are asked as 3.
    """
    compressor = isal_zlib.compressobj(min(level, 3), isal_zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(isal_zlib.Z_FULL_FLUSH)


@dataclass
class _Member:
    name: bytes
    offset: int
    crc: int = 0
    size: int = 0
    compressed: int = 0
    zip64_local: bool = False


class ZipWriter:
    """Write members one after the other to a seekable binary file; :meth:`close` ends the archive."""

    def __init__(self, handle: BinaryIO):
        self._out = handle
        self._members: list[_Member] = []

    def add(self, name: str, data: bytes, level: int = 6) -> None:
        """A small member, deflated in one go."""
        compressed = zlib.compress(data, level, wbits=-15)
        member = _Member(name.encode("utf-8"), self._out.tell(), zlib.crc32(data), len(data), len(compressed))
        self._out.write(self._local_header(member))
        self._out.write(compressed)
        self._members.append(member)

    def add_deflated(self, name: str, pieces: Iterable[tuple[bytes | memoryview, int, int]]) -> None:
        """A member given as (deflated chunk, CRC-32 of its raw bytes, raw length), in order.

        Each chunk must come from :func:`deflate_chunk`; the closing block is added here.
        """
        member = _Member(name.encode("utf-8"), self._out.tell(), zip64_local=True)
        self._out.write(self._local_header(member))
        crc = size = compressed = 0
        for chunk, chunk_crc, chunk_size in pieces:
            crc = crc32_combine(crc, chunk_crc, chunk_size) if size else chunk_crc
            size += chunk_size
            compressed += len(chunk)
            self._out.write(chunk)
        self._out.write(DEFLATE_END)
        member.crc, member.size, member.compressed = crc, size, compressed + len(DEFLATE_END)
        end = self._out.tell()
        self._out.seek(member.offset)
        self._out.write(self._local_header(member))
        self._out.seek(end)
        self._members.append(member)

    def close(self) -> None:
        start = self._out.tell()
        for member in self._members:
            extra = b""
            sizes = [member.size, member.compressed]
            offset = member.offset
            if member.size >= _LIMIT or member.compressed >= _LIMIT or member.offset >= _LIMIT:
                values = [v for v in (member.size, member.compressed, member.offset) if v >= _LIMIT]
                extra = struct.pack(f"<2H{len(values)}Q", 1, 8 * len(values), *values)
                sizes = [min(v, _LIMIT) for v in sizes]
                offset = min(offset, _LIMIT)
            version = 45 if extra or member.zip64_local else 20
            self._out.write(_CENTRAL.pack(b"PK\x01\x02", version, version, 0, 8, _DOS_TIME, _DOS_DATE,
                                          member.crc, sizes[1], sizes[0], len(member.name), len(extra), 0, 0, 0, 0,
                                          offset))
            self._out.write(member.name)
            self._out.write(extra)
        end = self._out.tell()
        count, size = len(self._members), end - start
        if count >= 0xFFFF or size >= _LIMIT or start >= _LIMIT:
            self._out.write(_END64.pack(b"PK\x06\x06", _END64.size - 12, 45, 45, 0, 0, count, count, size, start))
            self._out.write(_LOCATOR64.pack(b"PK\x06\x07", 0, end, 1))
        self._out.write(_END.pack(b"PK\x05\x06", 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                  min(size, _LIMIT), min(start, _LIMIT), 0))

    @staticmethod
    def _local_header(member: _Member) -> bytes:
        if member.zip64_local:  # sizes live in the extra field; the 32-bit fields say so
            extra = struct.pack("<2H2Q", 1, 16, member.size, member.compressed)
            sizes, version = (_LIMIT, _LIMIT), 45
        else:
            extra, sizes, version = b"", (member.compressed, member.size), 20
        return _LOCAL.pack(b"PK\x03\x04", version, 0, 8, _DOS_TIME, _DOS_DATE, member.crc, sizes[0], sizes[1],
                           len(member.name), len(extra)) + member.name + extra


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's ``crc32_combine``, absent from Python's zlib)."""
    if length2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    operator = _gf2_square(_gf2_square(operator))             # four zero bits
    while length2:                                            # len(B) zero bytes on crc1, a power of two at a time
        operator = _gf2_square(operator)                      # 1, 2, 4, … zero bytes
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
    return crc1 ^ crc2
