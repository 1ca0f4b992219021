"""kind ``csv``: delimited text files, read by pyarrow's streaming CSV reader.

Every column is read as text, exactly as written (no type guessing: ``01234`` stays
``01234``; an empty field is ``""``). Encoding and delimiter are taken as declared
or detected (:mod:`.text_detect`); CRLF and quoted newlines are handled by the parser.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import DatasetSettings

from .base import DatasetInfo, Source, unique_column_names
from .text_detect import detect_delimiter, detect_encoding, normalise_encoding, read_sample, refuse_nul

BLOCK_BYTES = 4 << 20


class CsvSource(Source):
    kind = "csv"

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        path = self.dataset_file(name, dataset)
        if not path.is_file():
            raise InputError("file not found", file=path, dataset=name)
        sample = read_sample(path)
        if not sample.strip():
            raise InputError("the file is empty (not even a header row)", file=path, dataset=name)
        encoding = normalise_encoding(dataset.encoding, file=path, dataset=name) if dataset.encoding else detect_encoding(path, sample)
        if not encoding.startswith("utf-16"):
            refuse_nul(path, name)
        text = _decode_sample(sample, encoding, path, name)
        from_header = text.split("\n", dataset.header_row - 1)[-1]  # a preamble above the header does not vote
        delimiter = dataset.delimiter or detect_delimiter(from_header, file=path, dataset=name)
        header = _header(text, delimiter, dataset.header_row)
        if header is None:
            raise InputError(f"no header row {dataset.header_row} (the file has fewer lines)", file=path, dataset=name)
        names, renamed = unique_column_names(header)
        return DatasetInfo(
            name=name,
            schema=pa.schema([pa.field(n, pa.string()) for n in names]),
            origin=f"file {dataset.file or self.settings.path}",
            key=dataset.key_columns,
            source_types={n: "text" for n in names},
            encoding=encoding,
            delimiter=delimiter,
            renamed_columns=renamed,
        )

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.RecordBatch]:
        path = self.dataset_file(info.name, dataset)
        bad: list = []

        def on_invalid_row(row) -> str:
            bad.append((row.expected_columns, row.actual_columns))
            return "error"

        reader = None
        try:
            reader = pacsv.open_csv(
                path,
                read_options=pacsv.ReadOptions(
                    encoding=_pyarrow_encoding(info.encoding),
                    column_names=info.columns,
                    skip_rows=dataset.header_row,
                    block_size=BLOCK_BYTES,
                    use_threads=True,
                ),
                parse_options=pacsv.ParseOptions(delimiter=info.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid_row),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in info.columns},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    null_values=[],
                ),
            )
            yield from reader
        except pa.ArrowInvalid as e:
            if bad:
                row, fields = _locate_bad_row(path, info, dataset.header_row)
                raise InputError(
                    f"row has {fields} fields, the header has {len(info.columns)} (delimiter {info.delimiter!r}, encoding {info.encoding})",
                    file=path, dataset=info.name, row=row,
                ) from None
            if "straddl" in str(e):   # one record longer than a read block: name it instead of pyarrow's words
                row, column, size = _locate_huge_cell(path, info, dataset.header_row)
                raise InputError(f"a cell of {size / (1 << 20):.1f} MB: no contact field is this long (a broken quote or "
                                 "an export error?)", file=path, dataset=info.name, row=row, column=column) from None
            raise InputError(f"cannot be read as {info.encoding} CSV: {_first_line(e)}", file=path, dataset=info.name,
                             hint="declare encoding/delimiter in the dataset") from None
        finally:
            if reader is not None and hasattr(reader, "close"):
                reader.close()


def _pyarrow_encoding(encoding: str | None) -> str:
    # pyarrow strips a UTF-8 BOM itself; for UTF-16 it needs the BOM-aware codec name
    return {"utf-8-sig": "utf8", "utf-8": "utf8"}.get(encoding or "utf-8", encoding or "utf8")


def _decode_sample(sample: bytes, encoding: str, path: Path, name: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        return decoder.decode(sample, final=False)
    except UnicodeDecodeError as e:
        raise InputError(f"not {encoding} text (byte {sample[e.start:e.start + 1]!r} at offset {e.start})",
                         file=path, dataset=name, hint="declare the dataset's encoding") from None


def _header(text: str, delimiter: str, header_row: int) -> list[str] | None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, record in enumerate(reader, start=1):
        if number == header_row:
            return record
    return None


def _locate_bad_row(path: Path, info: DatasetInfo, header_row: int) -> tuple[int, int]:
    """Slow path, only after a parse error: the data row number (from 1) of the first malformed record."""
    with open(path, encoding=info.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)
        for number, record in enumerate(reader, start=1):
            if number > header_row and len(record) != len(info.columns):
                return number - header_row, len(record)
    return 0, 0


def _locate_huge_cell(path: Path, info: DatasetInfo, header_row: int) -> tuple[int, str, int]:
    """Slow path, only after a block-size error: (data row from 1, column, characters) of the longest cell."""
    found = (0, "", 0)
    with open(path, encoding=info.encoding, newline="") as handle:
        for number, record in enumerate(csv.reader(handle, delimiter=info.delimiter), start=1):
            if number > header_row:
                size, index = max(((len(v), i) for i, v in enumerate(record)), default=(0, 0))
                if size > found[2]:
                    column = info.columns[index] if index < len(info.columns) else f"field {index + 1}"
                    found = (number - header_row, column, size)
                if size >= BLOCK_BYTES // 4:
                    break
    return found


def _first_line(error: Exception) -> str:
    # pyarrow's messages may quote a whole row (personal data): keep the reason only
    return str(error).split(":")[0].strip()
