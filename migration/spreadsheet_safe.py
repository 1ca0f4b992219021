"""Files for people are safe to open in a spreadsheet: no cell is taken for a formula.

``rejects.csv``, ``duplicates.csv``, ``not_imported.csv`` and ``review.xlsx`` quote the
customer's values, and people open them in Excel or LibreOffice, which run a cell such as
``=HYPERLINK(…)`` or ``+cmd|' /C calc'!A0``. OWASP's recommendation (CSV injection): a cell
that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR gets a leading ``'``. The import files
(``contacts.csv``, ``contacts.xlsx``) are for SecuTix, not for people: they keep the
customer's value exactly and never pass through here.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .csv_rows import TEXT, joined_lines, quoted

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_cells(frame: pd.DataFrame, keep: Iterable[str] = ()) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would run prefixed by ``'`` (columns in ``keep`` untouched)."""
    kept = set(keep)
    out = frame
    for column in frame.columns:
        values = frame[column]
        if column in kept or not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        risky = values.str.match(FORMULA_START, na=False).to_numpy(dtype=bool)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[column] = values.mask(risky, "'" + values.astype("str"))
    return out


def write_people_csv(frame: pd.DataFrame, path: Path | str) -> None:
    """Write a CSV meant for people: UTF-8, ``\\n`` line ends, cells neutralised.

    Python's CSV writer does not quote a bare CR when lines end with LF, which would cut
    the row in two for every reader: a file with a CR in a cell has every cell quoted.
    """
    safe = neutralise_cells(frame)
    has_cr = any(safe[c].str.contains("\r", regex=False, na=False).any() for c in safe.columns
                 if pd.api.types.is_object_dtype(safe[c]) or pd.api.types.is_string_dtype(safe[c]))
    data = None if has_cr else _text_csv(safe)
    if data is None:
        safe.to_csv(path, index=False, encoding="utf-8", lineterminator="\n",
                    quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)
        return
    with open(path, "wb") as handle:
        handle.write(data)


def _text_csv(frame: pd.DataFrame) -> bytes | None:
    """The bytes ``to_csv`` writes for a frame of text columns (minimal quoting, LF), built in Arrow.

    pandas' writer goes through Python's csv module row by row (~1 s for a 20 MB log); this
    joins whole columns. None when a column is not plain text or a row has a single cell
    (Python quotes a lone empty cell): the caller writes those with pandas.
    """
    if len(frame.columns) < 2 or frame.columns.duplicated().any() or not all(
            pd.api.types.is_object_dtype(t) or pd.api.types.is_string_dtype(t) for t in frame.dtypes):
        return None
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([str(c) for c in frame.columns])
    try:
        columns = [_one_array(pa.array(frame[c].array, type=TEXT, from_pandas=True)) for c in frame.columns]
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column holding something else than text
        return None
    if not len(frame):
        return header.getvalue().encode("utf-8")
    cells = [quoted(pc.fill_null(v, ""), (",", '"', "\n")) for v in columns]
    return header.getvalue().encode("utf-8") + joined_lines(cells, "\n")


def _one_array(values) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
