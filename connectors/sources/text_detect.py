"""Encoding and delimiter detection for text files, by rules that can be explained.

Encoding, first rule that holds:
1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 LE/BE (``utf-16``);
2. NUL bytes in every other position of the sample: UTF-16 without BOM (``utf-16-le``/``-be``);
3. the whole file decodes as UTF-8: ``utf-8``; a file that is not UTF-8 but holds UTF-8
   letters (``Ã¼`` read as Windows-1252) mixes two encodings and is refused, naming the
   line of the first byte that is not UTF-8 (what PostgreSQL does with invalid bytes);
4. it holds a byte that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D): ``latin-1``;
5. otherwise ``cp1252`` (a superset of Latin-1's printable characters: what Excel and
   old box-office exports write on Windows).

Delimiter: among ``;`` ``,`` TAB ``|``, the one that splits the first records of the
sample into the same number (> 1) of fields most often, ties broken in that order.
"""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np

from stx_migrate.migration.errors import InputError

SAMPLE_BYTES = 1 << 20
# Python's csv module refuses a field over 128 KiB ("field larger than field limit"), which made a
# 10 MB cell read as "the header has a single column": the readers here take any field size.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def normalise_encoding(declared: str, *, file: object = None, dataset: str | None = None) -> str:
    """The codec name Python knows for a declared encoding (``windows-1252`` → ``cp1252``)."""
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        raise InputError(f"unknown encoding {declared!r}", file=file, dataset=dataset,
                         hint="use utf-8, utf-8-sig, utf-16, cp1252 or latin-1") from None
    return {"utf-8": "utf-8", "iso8859-1": "latin-1"}.get(name, name)


def detect_encoding(path: Path, sample: bytes | None = None) -> str:
    """The file's encoding by the rules of this module's docstring."""
    sample = read_sample(path) if sample is None else sample
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    even = sample[0:2000:2]
    odd = sample[1:2000:2]
    if len(sample) >= 4:
        if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
            return "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
            return "utf-16-be"
    bad = _first_non_utf8(path)
    if bad is None:
        return "utf-8"
    utf8_letter = _first_utf8_letter(path)
    if utf8_letter is not None:
        raise InputError(f"mixes UTF-8 (line {_line_of(path, utf8_letter)}) and another encoding (byte "
                         f"0x{bad[1]:02x} at line {_line_of(path, bad[0])}, byte offset {bad[0]}): refused rather "
                         "than mangled", file=path, hint="re-export the file in one encoding, or declare it (encoding:)")
    if _has_cp1252_undefined(path):
        return "latin-1"
    return "cp1252"


def _first_non_utf8(path: Path) -> tuple[int, int] | None:
    """(offset, byte) of the first byte that is not UTF-8, or None when the whole file is UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    offset = 0
    with open(path, "rb") as handle:
        try:
            while block := handle.read(16 << 20):
                pending = len(decoder.getstate()[0])   # bytes of a character cut by the previous block
                offset -= pending
                decoder.decode(block, final=False)
                offset += pending + len(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:   # e.start counts from the pending bytes
            return offset + e.start, e.object[e.start]
    return None


# a UTF-8 two-byte letter (Latin-1 supplement and Latin Extended: é, ü, Œ...) seen as two cp1252 characters
_UTF8_LEADS = (0xC3, 0xC5)


def _first_utf8_letter(path: Path) -> int | None:
    """Offset of the first lead byte 0xC3/0xC5 followed by a continuation byte (0x80-0xBF), or None.

    A block without either lead byte (the usual case in a Windows-1252 file) is passed over by a
    byte search; only a block holding one is looked at pair by pair (numpy, no regular expression).
    """
    offset, carried = 0, b""
    with open(path, "rb") as handle:
        while block := handle.read(16 << 20):
            data = carried + block  # a pair may straddle two blocks
            if any(bytes([lead]) in data for lead in _UTF8_LEADS):
                codes = np.frombuffer(data, dtype=np.uint8)
                pairs = np.isin(codes[:-1], _UTF8_LEADS) & ((codes[1:] & 0xC0) == 0x80)
                found = np.flatnonzero(pairs)
                if len(found):
                    return offset - len(carried) + int(found[0])
            offset += len(block)
            carried = block[-1:]
    return None


def _line_of(path: Path, offset: int) -> int:
    with open(path, "rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def first_nul(path: Path) -> int | None:
    """Offset of the first NUL byte of a text file (none in real text; a truncated or binary file), or None."""
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(16 << 20):
            found = block.find(b"\x00")
            if found != -1:
                return offset + found
            offset += len(block)
    return None


def refuse_nul(path: Path, dataset: str | None = None) -> None:
    """InputError naming the line of the first NUL byte (PostgreSQL refuses 0x00 in text the same way)."""
    at = first_nul(path)
    if at is not None:
        raise InputError(f"holds a NUL byte (0x00) at line {_line_of(path, at)}, byte offset {at}: not a text file "
                         "(truncated or binary?)", file=path, dataset=dataset)


def _has_cp1252_undefined(path: Path) -> bool:
    with open(path, "rb") as handle:
        while block := handle.read(16 << 20):
            if any(bytes([b]) in block for b in _CP1252_UNDEFINED):
                return True
    return False


def detect_delimiter(text: str, *, file: object = None, dataset: str | None = None, records: int = 50) -> str:
    """The delimiter that gives the first ``records`` records one constant field count > 1."""
    best, best_score = None, 0
    for delimiter in CANDIDATE_DELIMITERS:
        counts = []
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for record in reader:
                if record:
                    counts.append(len(record))
                if len(counts) >= records:
                    break
        except csv.Error:
            continue
        if len(counts) > 1:
            counts = counts[:-1] if len(counts) < records else counts  # the sample may cut the last record
        if not counts or counts[0] < 2:
            continue
        score = sum(1 for c in counts if c == counts[0]) * 1000 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    if best is None:
        raise InputError("cannot tell the delimiter (tried ; , TAB |): the header has a single column",
                         file=file, dataset=dataset, hint="declare delimiter in the dataset")
    return best
