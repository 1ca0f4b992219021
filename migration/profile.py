"""Profiles of snapshot datasets: what each column looks like, without a single personal value.

Per column: rows, empty count and rate (null or ``""``), distinct count (non-empty
values), and the top shapes of its values, where every letter becomes ``A`` and
every digit ``9`` (``12/03/1980`` → ``99/99/9999``, ``Zoë`` → ``AAA``; any non-ASCII character
counts as a letter), cut to
:data:`PATTERN_LENGTH` characters. Shapes and counts are safe to publish in the
Prefect UI; values never leave the snapshot.

A profile is computed while the dataset streams into the snapshot (:class:`StreamProfile`),
on the chunks already in memory: rows and empties are counted exactly on every chunk;
distinct values and shapes come from a systematic sample of at most
:data:`SAMPLE_ROWS`…2×:data:`SAMPLE_ROWS` rows (every row while the dataset is that
small, so then they are exact too). ``sampled_rows`` says how many rows they come
from, ``distinct_exact`` whether ``distinct`` counts every row (otherwise it is the
count in the sample: a lower bound). Memory stays at the sample.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel

from .protocol.arrow_text import as_text

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
    distinct_exact: bool = True   # False: ``distinct`` and the pattern counts are the sample's


class OrphanCount(BaseModel):
    """Rows of a child dataset whose key matches no row of the main dataset (an aggregate would not count them)."""

    aggregate: str
    key: str
    main_dataset: str
    main_key: str
    orphans: int


class DatasetProfile(BaseModel):
    dataset: str
    rows: int
    encoding: str | None = None
    columns: list[ColumnProfile]
    sampled_rows: int | None = None  # rows the distinct counts and shapes come from (None: every row)
    orphans: list[OrphanCount] = []


def count_orphans(child: Path, key: str, main: Path, main_key: str) -> int:
    """Child rows whose ``key`` (compared as text; empty counts as no key) is not among the main table's ``main_key``."""
    keys = pq.read_table(child, columns=[key]).column(0)
    if not len(keys):
        return 0
    known = pq.read_table(main, columns=[main_key]).column(0)
    if _whole_numbers(keys.type) and _whole_numbers(known.type):
        # two integer keys: equal as numbers exactly when equal as text, without making 3M strings
        keys, known = pc.cast(keys, pa.int64()), pc.drop_null(pc.cast(known, pa.int64()))  # is_in hashes the set once
    else:
        keys, known = as_text(keys), pc.unique(as_text(known))
        known = pc.filter(known, pc.not_equal(known, ""))
    # a missing child key (null or "") is found in neither set: an orphan
    return len(keys) - int(pc.sum(pc.is_in(keys, value_set=known)).as_py() or 0)


def _whole_numbers(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) and not pa.types.is_uint64(kind)  # each fits int64


def _shape_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint8)
    table[ord("a"):ord("z") + 1] = ord("A")
    table[ord("A"):ord("Z") + 1] = ord("A")
    table[ord("0"):ord("9") + 1] = ord("9")
    table[0xC0:] = ord("A")  # the first byte of any non-ASCII character: counted as a letter
    return table


_SHAPE = _shape_table()


def value_patterns(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The shape of each value: letters → ``A``, digits → ``9``, other ASCII characters kept; cut to PATTERN_LENGTH.

    Any non-ASCII character counts as a letter (``é``, ``ß``, ``日`` → ``A``; also the
    rare symbol such as ``€``). Done on the UTF-8 bytes with numpy, no per-value Python.
    """
    text = values if pa.types.is_string(values.type) else pc.cast(values, pa.string())
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks() if text.num_chunks else pa.array([], pa.string())
    text = text.fill_null("")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset: text.offset + len(text) + 1]
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8) if text.buffers()[2] is not None else np.zeros(0, np.uint8)
    first, last = int(offsets[0]), int(offsets[-1])
    raw = data[first:last]
    relative = offsets - first
    if not len(raw) or raw.max() < 0x80:  # ASCII only (codes, numbers, e-mails): one byte, one symbol
        shaped, new_offsets = _SHAPE[raw], relative.astype(np.int32)
    else:
        keep = (raw & 0xC0) != 0x80  # drop UTF-8 continuation bytes: one character, one symbol
        shaped = _SHAPE[raw][keep]
        dropped = np.flatnonzero(~keep)  # few: only accented and other non-ASCII characters
        new_offsets = (relative - np.searchsorted(dropped, relative)).astype(np.int32)
    result = pa.StringArray.from_buffers(len(text), pa.py_buffer(new_offsets), pa.py_buffer(shaped.tobytes()))
    return pc.utf8_slice_codeunits(result, 0, PATTERN_LENGTH)


def profile_column(name: str, values: pa.ChunkedArray | pa.Array) -> ColumnProfile:
    """The profile of one column (counts and shapes only)."""
    rows = len(values)
    # one hash pass over the column; empties (null, "") are then dropped from the small distinct list
    counted = pc.value_counts(values) if rows else None
    distinct = None
    if counted is not None and len(counted):
        found = counted.field("values")
        keep = pc.is_valid(found)
        if pa.types.is_string(found.type) or pa.types.is_large_string(found.type):
            keep = pc.and_(keep, pc.not_equal(pc.fill_null(found, ""), ""))
        distinct = pc.filter(counted, keep)
    present = pc.sum(distinct.field("counts")).as_py() if distinct is not None and len(distinct) else 0
    empty = rows - present
    if not present or pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        patterns: list[PatternCount] = []  # bytes have no shape worth showing
    else:
        patterns = _top_patterns(distinct)
    return ColumnProfile(
        name=name,
        type=str(values.type),
        rows=rows,
        empty=empty,
        empty_rate=round(empty / rows, 6) if rows else 0.0,
        distinct=len(distinct) if distinct is not None else 0,
        top_patterns=patterns,
    )


def _top_patterns(distinct: pa.StructArray) -> list[PatternCount]:
    """Top shapes from ``value_counts`` output: each distinct value shaped once, counts added per shape."""
    if not len(distinct):
        return []
    # counts added per shape with numpy: a group_by through Arrow's query engine costs ~2.5 ms a column
    shapes = pc.dictionary_encode(value_patterns(distinct.field("values")))
    sums = np.bincount(shapes.indices.to_numpy(zero_copy_only=False), minlength=len(shapes.dictionary),
                       weights=distinct.field("counts").to_numpy(zero_copy_only=False))
    totals = pa.table({"shape": shapes.dictionary, "n": pa.array(sums.round().astype(np.int64))})  # exact below 2**53
    top = totals.sort_by([("n", "descending"), ("shape", "ascending")]).slice(0, TOP_PATTERNS).to_pylist()
    return [PatternCount(pattern=row["shape"], count=row["n"]) for row in top]


SAMPLE_ROWS = 25_000  # 25k-50k rows: top-5 shapes hold; the sample costs ~1 % of a receive


class StreamProfile:
    """The profile of a dataset, fed chunk by chunk (:meth:`add`), read at the end (:meth:`result`)."""

    def __init__(self, dataset: str, schema: pa.Schema, encoding: str | None = None, sample_rows: int = SAMPLE_ROWS):
        self.dataset, self.schema, self.encoding, self.sample_rows = dataset, schema, encoding, sample_rows
        self.rows = 0
        self.empty = [0] * len(schema)
        self.step = 1                       # every step-th row goes into the sample
        self.sample: list[pa.Table] = []
        self.sampled = 0
        self._counted: Future | None = None  # the result, counted in the background (:meth:`finish`)

    def add(self, chunk: pa.Table) -> None:
        for i, column in enumerate(chunk.columns):
            self.empty[i] += column.null_count + _empty_strings(column)
        for batch in chunk.to_batches():
            self._sample(batch)

    def _sample(self, batch: pa.RecordBatch) -> None:
        # batch by batch: a take on a table of several batches first joins them (a copy of every row)
        start = self.rows
        self.rows += batch.num_rows
        step = self.step
        while -(-self.rows // step) >= 2 * self.sample_rows:  # the rows at multiples of step: under 2× the sample
            step *= 2
        if step != self.step:  # the sample holds the rows at multiples of the old step: keep those of the new one
            if self.sample:
                joined = pa.concat_tables(self.sample).combine_chunks()
                self.sample = [joined.take(np.arange(0, joined.num_rows, step // self.step))]
            self.sampled, self.step = sum(t.num_rows for t in self.sample), step
        first = (-start) % step    # the sample's stride runs on across chunks
        if first >= batch.num_rows:
            return
        # picked once with the final stride: a big batch is not copied whole, then halved
        picked = batch if step == 1 else batch.take(np.arange(first, batch.num_rows, step))
        self.sample.append(pa.Table.from_batches([picked]))
        self.sampled += picked.num_rows

    def finish(self) -> None:
        """No more chunks: count the result in a background thread (read by :meth:`result`), so that
        it runs beside what the caller still has to do (the snapshot writer's last row groups, its hash)."""
        if self._counted is not None:
            return
        self._counted = Future()

        def count() -> None:
            try:
                self._counted.set_result(self._count())
            except BaseException as error:  # raised by result(), in the caller's thread
                self._counted.set_exception(error)

        threading.Thread(target=count, name="profile-result", daemon=True).start()

    def result(self) -> DatasetProfile:
        """The profile of every chunk added (waits for the one :meth:`finish` started, if any)."""
        return self._counted.result() if self._counted is not None else self._count()

    def _count(self) -> DatasetProfile:
        sample = pa.concat_tables(self.sample) if self.sample else self.schema.empty_table()
        exact = self.step == 1

        def one(i: int) -> ColumnProfile:
            seen = profile_column(self.schema.names[i], sample.column(i))
            return seen.model_copy(update={
                "rows": self.rows, "empty": self.empty[i], "distinct_exact": exact,
                "empty_rate": round(self.empty[i] / self.rows, 6) if self.rows else 0.0})

        # Arrow's kernels release the GIL: one column per core
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            columns = list(pool.map(one, range(len(self.schema))))
        return DatasetProfile(dataset=self.dataset, rows=self.rows, encoding=self.encoding, columns=columns,
                              sampled_rows=None if exact else sample.num_rows)


def _empty_strings(column: pa.ChunkedArray) -> int:
    """Values of zero length that are not null, read off the offsets (no comparison of any text)."""
    if pa.types.is_string(column.type) or pa.types.is_binary(column.type):
        width = np.int32
    elif pa.types.is_large_string(column.type) or pa.types.is_large_binary(column.type):
        width = np.int64
    else:
        return 0
    empty = 0
    for chunk in column.chunks:
        if not len(chunk):
            continue
        validity, offsets = chunk.buffers()[:2]
        ends = np.frombuffer(offsets, dtype=width)[chunk.offset: chunk.offset + len(chunk) + 1]
        zero = ends[1:] == ends[:-1]
        if chunk.null_count:
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
            zero &= bits[chunk.offset: chunk.offset + len(chunk)].astype(bool)
        empty += int(np.count_nonzero(zero))
    return empty


def profile_parquet(dataset: str, path: Path, encoding: str | None = None) -> DatasetProfile:
    """The profile of a Parquet file, read batch by batch."""
    file = pq.ParquetFile(path)
    profile = StreamProfile(dataset, file.schema_arrow, encoding)
    for batch in file.iter_batches(batch_size=65_536):
        profile.add(pa.Table.from_batches([batch]))
    return profile.result()


def add_orphan_counts(profiles: list[DatasetProfile], folder: Path, main_dataset: str, aggregates: list) -> None:
    """Each aggregate's orphan count on its child dataset's profile, once both datasets are profiled.

    ``aggregates``: the protocol's entries (name, dataset, key, main_key) over ``main_dataset``;
    the files are the snapshot's ``<dataset>.parquet`` in ``folder``.
    """
    by_name = {p.dataset: p for p in profiles}
    for aggregate in aggregates:
        child, main = by_name.get(aggregate.dataset), by_name.get(main_dataset)
        if child is None or main is None or any(o.aggregate == aggregate.name for o in child.orphans):
            continue
        orphans = count_orphans(folder / f"{child.dataset}.parquet", aggregate.key, folder / f"{main.dataset}.parquet",
                                aggregate.main_key)
        child.orphans.append(OrphanCount(aggregate=aggregate.name, key=aggregate.key, main_dataset=main.dataset,
                                         main_key=aggregate.main_key, orphans=orphans))


def profile_table_rows(profile: DatasetProfile) -> list[dict]:
    """Rows for a Prefect table artifact: one per column, counts and shapes only."""
    return [
        {
            "dataset": profile.dataset,
            "column": c.name,
            "type": c.type,
            "rows": c.rows,
            "empty %": round(100 * c.empty_rate, 2),
            "distinct": c.distinct if c.distinct_exact else f"≥ {c.distinct}",
            "top patterns": ", ".join(f"{p.pattern} ({p.count})" for p in c.top_patterns)
            + ("" if profile.sampled_rows is None else f" — in a sample of {profile.sampled_rows} rows"),
            "encoding": profile.encoding or "",
        }
        for c in profile.columns
    ]
