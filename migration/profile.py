"""Profiles of snapshot datasets: what each column looks like, without a single personal value.

Per column: rows, empty count and rate (null or ``""``), distinct count (non-empty
values), and the top shapes of its values, where every letter becomes ``A`` and
every digit ``9`` (``12/03/1980`` → ``99/99/9999``, ``Zoë`` → ``AAA``), cut to
:data:`PATTERN_LENGTH` characters. Shapes and counts are safe to publish in the
Prefect UI; values never leave the snapshot.

Columns are read one at a time from the Parquet file, so memory stays at one column.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel

TOP_PATTERNS = 5
PATTERN_LENGTH = 30


class PatternCount(BaseModel):
    pattern: str
    count: int


class ColumnProfile(BaseModel):
    name: str
    type: str
    rows: int
    empty: int
    empty_rate: float
    distinct: int
    top_patterns: list[PatternCount]


class DatasetProfile(BaseModel):
    dataset: str
    rows: int
    encoding: str | None = None
    columns: list[ColumnProfile]


def value_patterns(values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """The shape of each value: letters → ``A``, digits → ``9``, other characters kept; cut to PATTERN_LENGTH."""
    text = values if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) else pc.cast(values, pa.string())
    shaped = pc.replace_substring_regex(text, pattern=r"\pL", replacement="A")
    shaped = pc.replace_substring_regex(shaped, pattern=r"\pN", replacement="9")
    return pc.utf8_slice_codeunits(shaped, 0, PATTERN_LENGTH)


def profile_column(name: str, values: pa.ChunkedArray | pa.Array) -> ColumnProfile:
    """The profile of one column (counts and shapes only)."""
    rows = len(values)
    present = values
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        present = pc.filter(values, pc.and_kleene(pc.is_valid(values), pc.not_equal(values, "")))
    else:
        present = pc.drop_null(values)
    empty = rows - len(present)
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        patterns: list[PatternCount] = []  # bytes have no shape worth showing
    else:
        counts = pc.value_counts(value_patterns(present)) if len(present) else pa.array([], pa.struct([("values", pa.string()), ("counts", pa.int64())]))
        pairs = sorted(((c["counts"].as_py(), c["values"].as_py()) for c in counts), key=lambda p: (-p[0], p[1]))
        patterns = [PatternCount(pattern=p, count=n) for n, p in pairs[:TOP_PATTERNS]]
    return ColumnProfile(
        name=name,
        type=str(values.type),
        rows=rows,
        empty=empty,
        empty_rate=round(empty / rows, 6) if rows else 0.0,
        distinct=pc.count_distinct(present).as_py() if len(present) else 0,
        top_patterns=patterns,
    )


def profile_parquet(dataset: str, path: Path, encoding: str | None = None) -> DatasetProfile:
    """Profile every column of a Parquet file, reading one column at a time."""
    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    columns = [profile_column(n, parquet.read(columns=[n]).column(0)) for n in names]
    return DatasetProfile(dataset=dataset, rows=parquet.metadata.num_rows, encoding=encoding, columns=columns)


def profile_table_rows(profile: DatasetProfile) -> list[dict]:
    """Rows for a Prefect table artifact: one per column, counts and shapes only."""
    return [
        {
            "dataset": profile.dataset,
            "column": c.name,
            "type": c.type,
            "rows": c.rows,
            "empty %": round(100 * c.empty_rate, 2),
            "distinct": c.distinct,
            "top patterns": ", ".join(f"{p.pattern} ({p.count})" for p in c.top_patterns),
            "encoding": profile.encoding or "",
        }
        for c in profile.columns
    ]
