"""The snapshot's datasets as the protocol sees them: only the columns it reads, all text.

Every column becomes pandas ``str`` with ``""`` for a missing value, converted in
Arrow (vectorised): integers without ``.0``, dates as ``YYYY-MM-DD``, timestamps as
``YYYY-MM-DD HH:MM:SS`` (no time part when it is midnight), booleans ``true``/``false``.
The main dataset is indexed by ``source_ref`` (``dataset:key``, DESIGN §4).
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..snapshot import Snapshot
from .compile import CompiledProtocol


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        text = column
    elif pa.types.is_timestamp(kind):
        text = pc.replace_substring_regex(pc.strftime(column, format="%Y-%m-%d %H:%M:%S"), r"\.\d+$", "")
        text = pc.replace_substring_regex(text, r" 00:00:00$", "")
    elif pa.types.is_date(kind):
        text = pc.strftime(column, format="%Y-%m-%d")
    elif pa.types.is_dictionary(kind):
        text = pc.cast(pc.cast(column, kind.value_type), pa.string())
    else:
        text = pc.cast(column, pa.string())
    return pc.fill_null(text, "")


def text_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table as a frame of ``str`` columns, '' for missing values."""
    arrays = {name: _as_text(table.column(name)) for name in table.column_names}
    frame = pa.table(arrays).to_pandas(types_mapper=lambda t: pd.StringDtype(na_value=float("nan")) if pa.types.is_string(t) or pa.types.is_large_string(t) else None)
    return frame.astype("str")


def load_tables(snapshot: Snapshot, compiled: CompiledProtocol) -> dict[str, pd.DataFrame]:
    """The datasets the protocol reads (only their needed columns), the main one indexed by source_ref."""
    tables: dict[str, pd.DataFrame] = {}
    for name, columns in compiled.needed.items():
        wanted = list(columns)
        key = snapshot.dataset(name).key or []
        read = wanted + [k for k in key if k not in wanted]
        frame = text_frame(snapshot.read_arrow(name, read))
        if name == compiled.main:
            frame.index = snapshot.source_refs(name, frame)
        tables[name] = frame
    main = compiled.main
    if main not in tables:   # a protocol of constants only still yields one row per main row
        rows = snapshot.dataset(main).rows
        key = snapshot.dataset(main).key or []
        frame = text_frame(snapshot.read_arrow(main, key)) if key else pd.DataFrame(index=range(rows))
        frame.index = snapshot.source_refs(main, frame)
        tables[main] = frame
    return tables
