"""Snapshots: the customer's extraction, frozen as Parquet files plus ``manifest.json``.

A snapshot folder (``<workspace>/<project>/snapshots/<id>/``) holds one
``<dataset>.parquet`` per dataset, ``manifest.json`` and ``profile.json``. It is
written in a staging folder and appears under its id only when every dataset was
read completely (``Workspace.new_folder``); afterwards its files are made read-only
and never change. A second extraction is a new snapshot.

Manifest contract (architecture §4): ``datasets: name → {rows, columns, sha256}`` plus,
here, the Arrow and source type of each column, the key naming rows in
``source_ref``, where the dataset came from, the detected encoding and delimiter.
``sha256`` is the hash of the dataset's Parquet file, which is written
deterministically (fixed row groups, fixed compression), so the same rows give the
same hash whatever chunk size they were read with.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict

from . import __version__
from .errors import GuardRefused
from .read_ahead import prefetch, read_datasets
from .workspace import Workspace, final_path

MANIFEST = "manifest.json"
PROFILE = "profile.json"
ROW_GROUP_ROWS = 128 * 1024
# Uncompressed: while a database is read its server and its client keep both cores busy, so the
# writer's CPU is the receive's time. LZ4 took half of the Parquet encoding (1M MariaDB clients:
# 0.68 → 0.33 s of CPU; zstd before it 1.0 s) to halve a file read back whole and soon (75 → 150 MB;
# reading it back is cheaper too). Through the command, two MariaDB ranges read at once: 2.45 s of
# work against 2.98 s with LZ4 (docs/sources.md). Statistics off: snapshots are read whole, and
# they cost 20 % of the write CPU
COMPRESSION = "none"
DICTIONARY_SHARE = 0.1  # a column gets a dictionary when its first DICTIONARY_ROWS rows have at most 10 % distinct values
DICTIONARY_ROWS = 32 * 1024  # enough to tell a column of codes from one of names, at a quarter of a row group's hashing
KIND = "snapshots"


class DatasetManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    rows: int
    columns: list[str]
    sha256: str
    file: str
    types: dict[str, str]
    source_types: dict[str, str] = {}
    origin: str = ""
    key: list[str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    renamed_columns: dict[str, str] = {}


class SnapshotManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    snapshot_id: str
    project: str
    extracted_at: str
    source: dict
    datasets: dict[str, DatasetManifest]
    content_sha256: str
    code_version: str = __version__
    format_version: int = 1
    read_seconds: float | None = None  # wall time from the first dataset's description to the last one written (profile included)


class ReadAgain(Exception):
    """A fast reader found, past its first rows, that it cannot give the exact result it promised
    (a type it took from the first rows, an order it found on disk): the dataset is to be read
    again from the start, the exact way (the source has switched already)."""

    def __init__(self, dataset: str, reason: str):
        super().__init__(f"dataset {dataset}: {reason}; read again the exact way")
        self.dataset = dataset


# What describes a dataset beside its rows: the source's DatasetInfo, the DatasetSpec and the
# manifest's DatasetManifest all carry these, handed on by :func:`description`.
DESCRIPTION_FIELDS = ("origin", "key", "source_types", "encoding", "delimiter", "renamed_columns")


def description(dataset) -> dict:
    """The :data:`DESCRIPTION_FIELDS` of a DatasetInfo or DatasetSpec, to hand on to the next one."""
    return {name: getattr(dataset, name) for name in DESCRIPTION_FIELDS}


@dataclass
class DatasetSpec:
    """One dataset to freeze: its schema, its chunks (an iterable of Arrow tables) and what describes it."""

    name: str
    schema: pa.Schema
    chunks: Iterable[pa.Table]
    origin: str = ""
    key: list[str] | None = None
    source_types: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    renamed_columns: dict[str, str] = field(default_factory=dict)
    again: Callable[[], "DatasetSpec"] | None = None  # the spec to read it again with after a ReadAgain
    on_chunk: Callable[[pa.Table], None] | None = None  # sees every chunk in the writing thread (the profile)
    on_end: Callable[[], None] | None = None  # called in the writing thread once the last chunk was seen,
    # before the last row groups are written: the profile's result is then counted beside them


def write_dataset(folder: Path, spec: DatasetSpec, chunks: Iterable[pa.Table] | None = None) -> DatasetManifest:
    """Write ``spec``'s chunks to ``folder/<name>.parquet`` chunk by chunk; memory stays at one row group.

    ``chunks`` are ``spec.chunks`` already being read ahead (by default they are read
    ahead here). Chunks must all have ``spec.schema`` (a chunk that does not is a bug of
    the reader: ValueError).
    """
    path = folder / f"{spec.name}.parquet"
    groups = _row_groups(spec, prefetch(spec.chunks) if chunks is None else chunks)
    first = next(groups, None)
    rows = 0
    with _HashingFile(path) as sink, pq.ParquetWriter(sink, spec.schema, compression=COMPRESSION, write_statistics=False,
                                                      use_dictionary=dictionary_columns(first)) as writer:
        for group in itertools.chain([first] if first is not None else [], groups):
            writer.write_table(group, row_group_size=ROW_GROUP_ROWS)
            rows += group.num_rows
    return DatasetManifest(
        rows=rows,
        columns=list(spec.schema.names),
        sha256=sink.digest.hexdigest(),
        file=path.name,
        types={f.name: str(f.type) for f in spec.schema},
        **description(spec),
    )


def _row_groups(spec: DatasetSpec, chunks: Iterable[pa.Table]) -> Iterator[pa.Table]:
    """The chunks cut into tables of ROW_GROUP_ROWS rows (the last one shorter), whatever their size."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for chunk in chunks:
        if not chunk.schema.equals(spec.schema):
            raise ValueError(f"dataset {spec.name}: a chunk's schema differs from the announced one")
        if spec.on_chunk is not None:
            spec.on_chunk(chunk)
        pending.append(chunk)
        pending_rows += chunk.num_rows
        while pending_rows >= ROW_GROUP_ROWS:
            joined = pa.concat_tables(pending)
            yield joined.slice(0, ROW_GROUP_ROWS)
            rest = joined.slice(ROW_GROUP_ROWS)
            pending, pending_rows = [rest], rest.num_rows
    if spec.on_end is not None:
        spec.on_end()
    if pending_rows:
        yield pa.concat_tables(pending)


def dictionary_columns(first: pa.Table | None) -> list[str] | bool:
    """The columns written with a dictionary: those repeating their values in the first row group.

    A dictionary shrinks a column of few distinct values (title, country, status) but costs a
    hash of every value and then falls back to plain values in a column of many (names,
    e-mails): for the demo's clients 20 % less writing CPU and a 20 % smaller file than a
    dictionary everywhere. Decided on the first DICTIONARY_ROWS rows, which are the same rows
    whatever the chunks' size: the same rows give the same file, and the same hash.
    """
    if first is None or not first.num_rows:
        return True
    first = first.slice(0, DICTIONARY_ROWS)
    chosen = []
    for name, column in zip(first.column_names, first.columns):
        try:
            distinct = len(pc.unique(column))  # = count_distinct(mode="all") (null counted once), at half its cost
        except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
            continue  # a type without a hash kernel: plain values
        if distinct <= DICTIONARY_SHARE * first.num_rows:
            chosen.append(name)
    return chosen


class _HashingFile:
    """A file hashing its bytes as they are written: the Parquet writer only appends, so the digest is
    the file's sha256 without reading it again once closed (which came after the last row group)."""

    def __init__(self, path: Path):
        self.handle, self.digest = open(path, "wb"), hashlib.sha256()

    closed = property(lambda self: self.handle.closed)

    def write(self, data) -> int:
        self.digest.update(data)  # lets go of the GIL for more than 2 KB
        return self.handle.write(data)

    def tell(self) -> int:
        return self.handle.tell()

    def flush(self) -> None:
        self.handle.flush()

    def close(self) -> None:
        self.handle.close()

    def __enter__(self) -> "_HashingFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    return digest.hexdigest()


def content_sha256(datasets: dict[str, DatasetManifest]) -> str:
    """One hash for the whole snapshot: the datasets' names and hashes, in name order."""
    text = "\n".join(f"{name}:{datasets[name].sha256}" for name in sorted(datasets))
    return hashlib.sha256(text.encode()).hexdigest()


def write_snapshot(
    workspace: Workspace,
    project: str,
    source: dict,
    specs: Iterable[DatasetSpec],
    *,
    after_dataset: Callable[[Path, DatasetSpec, DatasetManifest], None] | None = None,
) -> "Snapshot":
    """Freeze every dataset of ``specs`` into a new snapshot and return it.

    ``source`` is the source's description (already without secrets). If anything
    fails, nothing is left behind (the staging folder is removed) and the error
    propagates. ``after_dataset(folder, spec, manifest)`` runs after each dataset
    (the receive task writes the profile there).
    """
    started = time.perf_counter()
    with workspace.new_folder(KIND) as staging:
        snapshot_id = final_path(staging).name
        datasets: dict[str, DatasetManifest] = {}
        waiting = iter(specs)
        while (spec := _write_read_ahead(staging, waiting, datasets, after_dataset)) is not None:
            spec = spec.again()  # its reader stopped inside it: read it again, then the rest
            datasets[spec.name] = write_dataset(staging, spec)
            if after_dataset:
                after_dataset(staging, spec, datasets[spec.name])
        manifest = SnapshotManifest(
            snapshot_id=snapshot_id,
            project=project,
            extracted_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            source=source,
            datasets=datasets,
            content_sha256=content_sha256(datasets),
            read_seconds=round(time.perf_counter() - started, 3),
        )
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        for item in staging.iterdir():
            os.chmod(item, stat.S_IRUSR | stat.S_IRGRP)  # frozen: a snapshot never changes
    return open_snapshot(workspace, snapshot_id)


def _write_read_ahead(folder: Path, specs: Iterator[DatasetSpec], datasets: dict[str, DatasetManifest],
                      after_dataset: Callable | None) -> DatasetSpec | None:
    """Write each dataset of ``specs`` while one thread reads ahead across them.

    Returns None when all are written, or the spec whose reader asked to be read again
    (ReadAgain); the reader has then stopped, and the specs not begun are left in ``specs``.
    """
    reading = read_datasets(specs)
    try:
        for spec, chunks in reading:
            try:
                datasets[spec.name] = write_dataset(folder, spec, chunks)
            except ReadAgain:
                if spec.again is None:
                    raise
                return spec
            if after_dataset:
                after_dataset(folder, spec, datasets[spec.name])
        return None
    finally:
        reading.close()


class Snapshot:
    """A finished snapshot: its manifest and its datasets, read-only."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.manifest = SnapshotManifest.model_validate_json((self.path / MANIFEST).read_text(encoding="utf-8"))

    @property
    def id(self) -> str:
        return self.manifest.snapshot_id

    @property
    def datasets(self) -> list[str]:
        return list(self.manifest.datasets)

    def dataset(self, name: str) -> DatasetManifest:
        if name not in self.manifest.datasets:
            raise KeyError(f"snapshot {self.id} has no dataset {name!r} (datasets: {', '.join(self.datasets)})")
        return self.manifest.datasets[name]

    def columns(self, name: str) -> list[str]:
        return list(self.dataset(name).columns)

    def parquet_path(self, name: str) -> Path:
        return self.path / self.dataset(name).file

    def read_arrow(self, name: str, columns: list[str] | None = None) -> pa.Table:
        return pq.read_table(self.parquet_path(name), columns=columns)

    def read_dataset(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The dataset as a DataFrame, rows in source order (text columns are pandas ``str``)."""
        return self.read_arrow(name, columns).to_pandas()

    def iter_batches(self, name: str, rows: int = ROW_GROUP_ROWS, columns: list[str] | None = None):
        """The dataset as DataFrames of at most ``rows`` rows: memory bounded whatever its size."""
        for batch in pq.ParquetFile(self.parquet_path(name)).iter_batches(batch_size=rows, columns=columns):
            yield batch.to_pandas()

    def source_refs(self, name: str, frame: pd.DataFrame, first_row: int = 1) -> pd.Index:
        """``dataset:key`` for each row of ``frame`` (architecture §4).

        The key is the dataset's key columns joined by ``|`` when it has one,
        otherwise the row number counted from 1 (``first_row`` is the number of
        ``frame``'s first row when it is a later batch).
        """
        key = self.dataset(name).key
        if key:
            parts = [frame[k].astype("str").fillna("") for k in key]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined + "|" + part
            refs = (name + ":") + joined
        else:
            numbers = pd.RangeIndex(first_row, first_row + len(frame)).astype("str")
            refs = pd.Series(numbers, index=frame.index).radd(name + ":")
        return pd.Index(refs.to_numpy(), name="source_ref", dtype="str")

    def profile(self) -> dict:
        path = self.path / PROFILE
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def verify(self) -> list[str]:
        """Datasets whose Parquet file no longer matches the manifest's sha256 (empty = intact)."""
        return [name for name, ds in self.manifest.datasets.items()
                if not (self.path / ds.file).is_file() or file_sha256(self.path / ds.file) != ds.sha256]

    def require_intact(self) -> None:
        """Refuse (exit 1) a snapshot edited after receive: every Parquet file's sha256 against the manifest."""
        changed = self.verify()
        if changed:
            files = ", ".join(str(self.path / self.dataset(name).file) for name in changed)
            raise GuardRefused(f"snapshot {self.id}: {files} changed since receive wrote it "
                               f"(sha256 differs from {MANIFEST}); receive the data again")


def open_snapshot(workspace: Workspace, snapshot_id: str | None = None) -> Snapshot:
    """The snapshot ``snapshot_id`` of the project, or its latest one when None.

    FileNotFoundError names the snapshots that exist.
    """
    return Snapshot(workspace.resolve(KIND, snapshot_id))
