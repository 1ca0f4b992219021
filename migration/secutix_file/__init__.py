"""Read and write SecuTix import files (secutix-format §2): XLSX in the template layout, or CSV.

A file read becomes a **SecuTix frame** (architecture.md): columns = the layout's codes
in template order, every column ``str``, ``""`` for an empty cell, index ``source_ref``
= ``"<file name>:<n>"`` with ``n`` the data row counted from 1 after the 4 header rows.
Written then read back, a frame is identical (same columns, values and index when the
same file name is used).

A file that cannot be read raises :class:`~stx_migrate.migration.errors.InputError`
naming the file, the row, the column and the value: wrong or missing codes row, blank,
duplicated, unknown or missing columns, undecodable bytes, a ';'-separated file, not an
Excel file, an empty file, a formula cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..format import HEADER_ROWS, extended_format
from ..settings.output import OutputSettings
from ..zip_guard import check_zip_inflation
from . import csv_file, xlsx_file
from .config_rows import with_config_row
from .layout import check_codes_row, check_frame_columns, column_name, normalise_header_rows, template_header_rows

XLSX_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
CSV_SUFFIXES = {".csv", ".txt"}


@dataclass
class SecutixFile:
    """A SecuTix file as read: the frame and what was detected."""

    path: Path
    kind: str                      # "csv" | "xlsx"
    frame: pd.DataFrame            # the SecuTix frame (index = source_ref)
    encoding: str | None = None    # CSV only: "utf-8-sig" | "utf-8" | "cp1252"
    with_role: bool = False        # the layout has the ROLE column (older templates, secutix-format §13 Q8)
    header_rows: list[list[str]] = field(default_factory=list)  # rows 1–3 exactly as read

    @property
    def rows(self) -> int:
        return len(self.frame)


def source_refs(name: str, count: int) -> pd.Index:
    """``name:1`` … ``name:count``: the index of a frame read from a file called ``name``."""
    numbers = pc.cast(pa.array(np.arange(1, count + 1, dtype=np.int64)), pa.large_string())
    text = pa.large_string()
    joined = pc.binary_join_element_wise(pa.scalar(name, text), numbers, pa.scalar(":", text))
    return pd.Index(pd.arrays.ArrowStringArray(pa.chunked_array([joined], type=text)), dtype="str", name="source_ref")


def read_secutix_file(path: Path | str, *, encoding: str | None = None, sheet: str | None = None,
                      columns: list[str] | None = None) -> SecutixFile:
    """Read a SecuTix import file (``.xlsx``/``.xls`` or ``.csv``; the content decides).

    ``sheet``: the workbook's import sheet by name (the first sheet when None).
    ``columns``: only these codes (those the file has), for a reader that needs a few; a
    CSV then builds no text for the others. Every data row is kept, trailing empty rows
    included: whether a row is empty depends on the columns not read.
    ``encoding`` forces a CSV encoding; by default it is detected (BOM → UTF-8, valid
    UTF-8, else Windows-1252). Raises InputError when the file cannot be read as a
    whole; bad *values* are not checked here (that is :func:`check_contacts`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found" if not path.exists() else "not a file", file=path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if size == 0 or head.removeprefix(csv_file.BOM).strip() == b"" and size <= len(head):
        raise InputError("empty file", file=path, hint="a SecuTix file starts with 4 header rows")
    suffix = path.suffix.lower()
    if head.startswith((xlsx_file.ZIP_MAGIC, xlsx_file.OLE_MAGIC)):
        check_zip_inflation(path)
        frame, rows, with_role = xlsx_file.read_xlsx(path, sheet)
        frame = without_trailing_empty_rows(frame) if columns is None else frame[[c for c in frame if c in columns]]
        frame.index = source_refs(path.name, len(frame))
        return SecutixFile(path, "xlsx", frame, None, with_role, rows[:3])
    if suffix in XLSX_SUFFIXES:
        raise InputError("not an Excel file (no XLSX/XLS signature at the start of the file)", file=path,
                         value=head[:16].decode("latin-1"), hint="is it a CSV file named .xlsx?")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        csv_file.detect_encoding(path, head)  # raises the UTF-16 message
    chosen = _checked_encoding(encoding, path) if encoding else csv_file.guess_encoding(path, head)
    try:
        frame, records, codes, with_role = _read_csv(path, chosen, columns)
    except csv_file.NotUtf8:  # the guess from the first 64 KB was wrong: detect on the whole file
        chosen = csv_file.detect_encoding(path, head)
        frame, records, codes, with_role = _read_csv(path, chosen, columns)
    for name in frame.columns:  # columns without a code (trailing blank headers) must be empty
        if not name.startswith(_PADDING):
            continue
        filled = (frame[name] != "").to_numpy(dtype=bool)
        if filled.any():
            row = int(np.argmax(filled))
            raise InputError("a value sits in a column without a code in row 4", file=path,
                             row=f"{HEADER_ROWS + 1 + row} (data row {row + 1})",
                             column=column_name(int(name.removeprefix(_PADDING)) + 1), value=frame[name].iloc[row])
    kept = [c for c in codes if c in frame.columns]
    frame = without_trailing_empty_rows(frame[kept]) if columns is None else frame[kept]
    frame.index = source_refs(path.name, len(frame))
    header_rows = [(r + [""] * len(codes))[: len(codes)] for r in records[:3]]
    return SecutixFile(path, "csv", frame, chosen, with_role, header_rows)


def without_trailing_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows of empty cells at the *end* (spreadsheets save formatted but empty rows).

    Empty rows between contacts stay: they keep their row number and are rejected by the rules.
    """
    if not len(frame) or (frame.iloc[-1] != "").any():
        return frame
    filled = np.zeros(len(frame), dtype=bool)
    for column in frame.columns:
        filled |= pc.binary_length(pa.chunked_array(frame[column].array.__arrow_array__())).to_numpy() > 0
    return frame.iloc[: int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0]


_PADDING = "__padding_"   # a column past the codes (its position follows): it must be empty


def _read_csv(path: Path, encoding: str, columns: list[str] | None = None):
    records, offset = csv_file.read_header(path, encoding)
    codes, with_role = check_codes_row(records[3], path)
    names = codes + [f"{_PADDING}{i}" for i in range(len(codes), len(records[3]))]
    only = None if columns is None else [n for n in names if n in columns or n.startswith(_PADDING)]
    return csv_file.read_data(path, encoding, offset, names, only), records, codes, with_role


def _checked_encoding(encoding: str, path: Path) -> str:
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError("unknown encoding", file=path, value=encoding, hint="utf-8-sig, utf-8 or cp1252") from None
    if name == "utf-8":
        with open(path, "rb") as handle:
            if handle.read(3) == csv_file.BOM:
                name = "utf-8-sig"
    failure = csv_file._first_undecodable(path, name)
    if failure is not None:
        raise InputError(f"bytes that are not {encoding} at byte offset {failure[0]}", file=path,
                         row=csv_file._line_of(path, failure[0]), value=failure[1].hex(" "))
    return name


def write_secutix_file(
    frame: pd.DataFrame,
    path: Path | str,
    *,
    settings: OutputSettings = OutputSettings(),
    header_rows: list[list[str]] | None = None,
) -> Path:
    """Write a SecuTix frame as ``.xlsx`` (template layout) or ``.csv`` (secutix-format §2.2), by extension.

    Rows 1–3 come from ``header_rows`` (3 rows, or 4 whose last is the codes row), else
    from ``settings.template`` (a customer's template, copied verbatim), else from the
    built-in template. Values are written as text, exactly; ``=`` stays a text cell.
    CSV: ``settings.csv_encoding`` (UTF-8 with BOM by default, or cp1252), RFC 4180
    quoting, CRLF, comma. ``settings.config_rows``: one CONFIG row first (secutix-format §3.2, see
    :mod:`.config_rows`); off by default, and then a file read back is the frame written.
    The file appears only when it is complete.
    """
    path = Path(path)
    check_frame_columns(frame.columns)
    codes = list(frame.columns)
    if header_rows is None and settings.template:
        template = read_secutix_file(settings.template)
        if list(template.frame.columns) != codes:
            raise InputError("the template's codes row differs from the frame's layout (ROLE?)", file=settings.template)
        header_rows = template.header_rows
    rows = normalise_header_rows(header_rows, codes)
    frame = frame.fillna("") if frame.isna().any().any() else frame
    if settings.config_rows:
        frame = with_config_row(frame)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        xlsx_file.write_xlsx(frame, rows, path)
    elif suffix == ".csv":
        csv_file.write_csv(frame, rows, path, settings.csv_encoding)
    else:
        raise InputError("unknown file type: write .xlsx or .csv", file=path, value=path.suffix)
    return path


def empty_frame(with_role: bool = False) -> pd.DataFrame:
    """A SecuTix frame with no rows (every layout column, ``str``)."""
    codes = extended_format().layout(with_role=with_role)
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in codes})
    frame.index = pd.Index([], dtype="str", name="source_ref")
    return frame


def write_template(path: Path | str, *, settings: OutputSettings = OutputSettings(), with_role: bool = False) -> Path:
    """Write an empty import file in the template layout (the 4 header rows, every column)."""
    return write_secutix_file(empty_frame(with_role), path, settings=settings)


__all__ = [
    "SecutixFile", "read_secutix_file", "write_secutix_file", "write_template", "empty_frame", "source_refs",
    "check_codes_row", "template_header_rows",
]
