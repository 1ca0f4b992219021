"""SecuTix CSV files (secutix-format §2.2): comma, RFC 4180 quoting, CRLF, UTF-8 with BOM or Windows-1252.

Reading: the encoding is detected (BOM → UTF-8; valid UTF-8 → UTF-8; else Windows-1252;
else an error naming the byte and its line), the 4 header rows are parsed in Python (they
may hold quoted newlines), and the data rows are parsed by pyarrow, every column as text,
from the byte right after row 4. Writing: the header rows by Python's csv writer, the data
rows built in Arrow a chunk at a time (``csv_rows``), into a temporary file renamed into place,
so a failed write never leaves a half-written file.
"""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputError
from ..csv_rows import TEXT, joined_lines, quoted
from ..format import HEADER_ROWS
from .staged_file import staged_file

BOM = codecs.BOM_UTF8
_CHECK_CHUNK = 16 << 20
# 4 MB blocks: a 1M-contact file (190 MB) read in 2.5–3.2 s against 3.4–4.9 s with 16 MB blocks (less
# CPU: each block's parse stays in cache); a cell larger than a block is read again in one block
_BLOCK_SIZE = 4 << 20
_WRITE_CHUNK = 100_000


class NotUtf8(Exception):
    """pyarrow found bytes that are not UTF-8 in the data rows (the caller detects the encoding again)."""


def guess_encoding(path: Path, head: bytes) -> str:
    """A first guess from the file's start, without reading it all: BOM → ``utf-8-sig``; the first
    64 KB decode as UTF-8 → ``utf-8``; else the full detection. pyarrow validates the rest."""
    if head.startswith(BOM):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
        return "utf-8"
    except UnicodeDecodeError:
        return detect_encoding(path, head)


def detect_encoding(path: Path, head: bytes) -> str:
    """``utf-8-sig`` (BOM), ``utf-8`` or ``cp1252``, reading the whole file; InputError if neither decodes it."""
    if head.startswith(BOM):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # checked first by guess_encoding too
        raise InputError("the file is UTF-16 encoded", file=path, row=1,
                         hint="save it as CSV UTF-8 or 'CSV (Comma delimited)'")
    elif _first_undecodable(path, "utf-8") is None:
        return "utf-8"
    else:
        encoding = "cp1252"
    failure = _first_undecodable(path, encoding)
    if failure is not None:
        offset, raw = failure
        tried = encoding if encoding != "cp1252" else "UTF-8 or Windows-1252"
        raise InputError(f"bytes that are not {tried} at byte offset {offset}", file=path,
                         row=_line_of(path, offset), value=raw.hex(" "),
                         hint="save the file as CSV UTF-8 or Windows-1252")
    return encoding


def _first_undecodable(path: Path, encoding: str) -> tuple[int, bytes] | None:
    decoder = codecs.getincrementaldecoder(encoding)()
    done = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHECK_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as e:
                # e.object = bytes the decoder held back from the previous chunk + this chunk
                held = len(e.object) - len(chunk)
                return done - held + e.start, bytes(e.object[e.start:e.end])
            if not chunk:
                return None
            done += len(chunk)


def _line_of(path: Path, offset: int) -> int:
    with open(path, "rb") as handle:
        return handle.read(offset).count(b"\n") + 1


def _split_records(text: str, count: int) -> tuple[list[list[str]], int] | None:
    """The first ``count`` CSV records of ``text`` and the character offset after them.

    None when ``text`` does not hold ``count`` complete records yet.
    """
    records: list[list[str]] = []
    position, in_quotes, start = 0, False, 0
    length = len(text)
    while position < length and len(records) < count:
        char = text[position]
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in "\r\n":
            end = position
            if char == "\r" and position + 1 < length and text[position + 1] == "\n":
                position += 1
            elif char == "\r" and position + 1 >= length:
                return None  # a CR at the end of the prefix may be the first half of CRLF
            records.append(next(csv.reader([text[start:end]], strict=True), []))
            start = position + 1
        position += 1
    if len(records) < count:
        return None
    return records, start


def read_header(path: Path, encoding: str) -> tuple[list[list[str]], int]:
    """Rows 1–4 as lists of strings and the byte offset where row 5 starts."""
    size = path.stat().st_size
    prefix_bytes = 1 << 16
    while True:
        with open(path, "rb") as handle:
            raw = handle.read(prefix_bytes)
        at_end = len(raw) >= size
        text = raw.decode(encoding, errors="strict") if at_end else codecs.getincrementaldecoder(encoding)().decode(raw)
        if at_end and not text.endswith(("\n", "\r")):
            text += "\n"  # the last record of a file without a final line end
        try:
            found = _split_records(text, HEADER_ROWS)
        except csv.Error as e:
            raise InputError(f"the header rows are not valid CSV ({e})", file=path, row=1) from e
        if found is not None:
            records, consumed = found
            offset = len(text[:consumed].encode(encoding))  # 'utf-8-sig' counts the BOM again
            return records, min(offset, size)
        if at_end:
            rows = _count_records(text)
            raise InputError(f"the file has fewer than {HEADER_ROWS} rows; a SecuTix file starts with "
                             f"{HEADER_ROWS} header rows (codes in row 4)", file=path, row=rows or None)
        prefix_bytes *= 4


def _count_records(text: str) -> int:
    try:
        return sum(1 for record in csv.reader(io.StringIO(text)) if record)
    except csv.Error:
        return 0


def read_data(path: Path, encoding: str, offset: int, names: list[str], only: list[str] | None = None) -> pd.DataFrame:
    """Data rows (row 5 on) as a frame of ``str`` columns named ``names``; "" for empty cells.

    ``only``: the names to convert (every row is still parsed and counted; the other
    columns' text is never built, which is most of a read's cost).
    """
    bad_rows: list[object] = []

    def on_invalid(row) -> str:
        bad_rows.append(row)
        return "skip"

    def parse(block_size: int) -> pa.Table:
        with pa.memory_map(str(path)) as handle:  # a memory map costs less CPU than a Python file object
            handle.seek(offset)
            return pacsv.read_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=names, encoding="utf8" if encoding.startswith("utf-8") else encoding,
                                               block_size=block_size),
                parse_options=pacsv.ParseOptions(delimiter=",", newlines_in_values=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names}, include_columns=only,
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                     null_values=[], check_utf8=True),
            )

    if path.stat().st_size <= offset:
        table = pa.table({n: pa.array([], pa.large_string()) for n in (names if only is None else only)})
    else:
        try:
            table = parse(_BLOCK_SIZE)
        except pa.ArrowInvalid as e:
            if "UTF8" in str(e) and encoding.startswith("utf-8"):
                raise NotUtf8() from e
            if "straddling" not in str(e) and "block size" not in str(e):
                problem = str(e).splitlines()[0][:120]  # pyarrow may quote a whole row: keep it short
                raise InputError(f"not readable as CSV ({problem})", file=path) from e
            bad_rows.clear()  # a cell larger than a block: parse again in one block
            table = parse(min(max(path.stat().st_size - offset + 1, _BLOCK_SIZE), 2**31 - 1))
    if bad_rows:
        raise _wrong_width(path, encoding, offset, len(names), bad_rows[0])
    # a file over one block comes back in chunks: one contiguous array per column, as a small file
    # gives, so that every step downstream may take a column as one Arrow array
    frame = table.combine_chunks().to_pandas()
    return frame.astype("str") if any(str(t) != "str" for t in frame.dtypes) else frame


def _wrong_width(path: Path, encoding: str, offset: int, width: int, bad) -> InputError:
    """Find the first data row whose field count differs (slow path, only on error)."""
    with open(path, "r", encoding=encoding, newline="") as handle:
        with open(path, "rb") as raw:
            handle.read(len(raw.read(offset).decode(encoding)))  # skip rows 1-4
        for number, record in enumerate(csv.reader(handle), start=1):
            if len(record) != width:
                return InputError(f"row has {len(record)} fields where the codes row has {width}",
                                  file=path, row=f"{HEADER_ROWS + number} (data row {number})",
                                  value=",".join(record)[:40],
                                  hint="a ';' separator or an unquoted comma?" if len(record) == 1 and ";" in record[0] else None)
    return InputError(f"row has {bad.actual_columns} fields where the codes row has {width}", file=path,
                      value=bad.text)


def write_csv(frame: pd.DataFrame, header_rows: list[list[str]], path: Path, encoding: str) -> None:
    """Write rows 1–3, the codes row and the data; RFC 4180 minimal quoting, CRLF, comma.

    The data rows are built in Arrow, a chunk at a time (quote the cells holding a comma,
    a quote, CR or LF, double their quotes, join the cells): no Python string per cell.
    """
    path = Path(path)
    codes = list(frame.columns)
    with staged_file(path) as partial, open(partial, "w", encoding=encoding, newline="", errors="strict") as handle:
        writer = csv.writer(handle, delimiter=",", quotechar='"', quoting=csv.QUOTE_MINIMAL,
                            lineterminator="\r\n", doublequote=True)
        writer.writerows(header_rows)
        writer.writerow(codes)
        handle.flush()
        for start in range(0, len(frame), _WRITE_CHUNK):
            chunk = frame.iloc[start:start + _WRITE_CHUNK]
            data = _csv_rows(chunk)
            if encoding.startswith("utf-8"):
                handle.buffer.write(data)
                continue
            try:
                handle.buffer.write(bytes(data).decode("utf-8").encode(encoding))
            except UnicodeEncodeError:
                raise _unencodable(chunk, encoding, path) from None


def _csv_rows(chunk: pd.DataFrame) -> memoryview:
    """The UTF-8 bytes of ``chunk``'s rows as CSV (RFC 4180 minimal quoting, comma, CRLF)."""
    cells = [quoted(pa.chunked_array(chunk[code].array.__arrow_array__()).cast(TEXT), (",", '"', "\r", "\n"))
             for code in chunk.columns]
    return joined_lines(cells, "\r\n")


def _unencodable(chunk: pd.DataFrame, encoding: str, path: Path) -> InputError:
    for column in chunk.columns:
        for ref, value in chunk[column].items():
            try:
                value.encode(encoding)
            except UnicodeEncodeError as e:
                return InputError(f"character {value[e.start:e.end]!r} cannot be written in {encoding}",
                                  file=path, row=ref, column=column, value=value,
                                  hint="write UTF-8 (output.csv_encoding: utf-8-sig)")
    return InputError(f"a value cannot be written in {encoding}", file=path)


__all__ = ["NotUtf8", "detect_encoding", "guess_encoding", "read_header", "read_data", "write_csv"]
