"""The one interface every source kind implements: connect, describe, read in chunks.

A source never transforms data: it hands over the values as the source holds them,
as Arrow tables whose schema :meth:`Source.describe` announced before the first row
(so every chunk of a dataset has the same schema, whatever the chunk size).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pyarrow as pa

from stx_migrate.migration.errors import InputError, StxError
from stx_migrate.migration.settings.source import DatasetSettings, SourceSettings
from stx_migrate.migration.snapshot import ReadAgain

from ..secrets import redact



def quote_identifier(name: str, quote: str = '"') -> str:
    """``name`` quoted with the database's quote character (a quote inside doubled); never pasted raw into SQL."""
    quote = (quote or '"').strip() or '"'
    return f"{quote}{name.replace(quote, quote * 2)}{quote}"

@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset holds, known before reading it.

    ``schema`` is the Arrow schema of every chunk; ``source_types`` the column types
    as the source declares them; ``key`` the columns naming a row in ``source_ref``
    (None = the row number, counted from 1); ``origin`` says where it comes from,
    without secrets (``table "CLIENT"``, ``query``, ``file clients.csv``).
    """

    name: str
    schema: pa.Schema
    origin: str
    key: list[str] | None = None
    source_types: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    renamed_columns: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


class Source(ABC):
    """A customer's extraction of one ``kind``. Use as a context manager::

        with open_source(settings, project_folder) as source:
            for name, info in source.describe().items():
                for chunk in source.read(name, chunk_rows=100_000):
                    ...
    """

    kind: ClassVar[str]

    def __init__(self, settings: SourceSettings, base_dir: Path):
        self.settings = settings
        self.base_dir = Path(base_dir)
        self.secrets: list[str] = []   # resolved secret values: scrubbed from every message
        self._described: dict[str, DatasetInfo] | None = None

    # -- lifecycle -------------------------------------------------------------
    def connect(self) -> None:
        """Open the connection or the files; raises SourceUnavailable / InputError / ConfigError."""

    def close(self) -> None:
        """Release everything; safe to call twice."""

    def __enter__(self) -> "Source":
        self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- contract --------------------------------------------------------------
    def describe(self) -> dict[str, DatasetInfo]:
        """Every dataset of the project file with its columns and types (cached)."""
        if self._described is None:
            self._described = {name: self.describe_dataset(name, ds) for name, ds in self.settings.datasets.items()}
        return self._described

    @abstractmethod
    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        ...

    def read(self, name: str, chunk_rows: int | None = None) -> Iterator[pa.Table]:
        """The dataset's rows in source order, as tables of at most ``chunk_rows`` rows (never empty ones).

        A fast reader that must start again the exact way (ReadAgain) before the first chunk
        went out does so here, with the schema the source now announces; later, ReadAgain
        propagates (the snapshot writer then writes the dataset again).
        """
        chunk_rows = chunk_rows or self.settings.chunk_rows
        given = 0
        while True:
            info = self.describe()[name]
            try:
                for chunk in rechunk(self.read_batches(info, self.settings.datasets[name], chunk_rows), info.schema, chunk_rows):
                    given += 1
                    yield chunk
                return
            except ReadAgain:
                if given:
                    raise

    @abstractmethod
    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table | pa.RecordBatch]:
        """Batches of any size with ``info.schema``; :meth:`read` cuts them to ``chunk_rows``."""

    def description(self) -> dict:
        """The source for a manifest: kind, path or url with passwords masked, datasets' origins."""
        out: dict = {"kind": self.kind}
        if self.settings.path:
            out["path"] = self.settings.path
        if self.settings.url:
            out["url"] = redact(self.settings.url, self.secrets)
        return out

    # -- helpers for subclasses -----------------------------------------------
    def file_path(self, relative: str | None) -> Path:
        candidate = Path(relative or self.settings.path or "")
        return candidate if candidate.is_absolute() else self.base_dir / candidate

    def dataset_file(self, name: str, dataset: DatasetSettings) -> Path:
        """A file dataset's path, which must stay inside the project folder (symbolic links followed).

        The project folder is what the team controls: ``../../etc/passwd`` or an absolute path
        elsewhere would freeze any readable file of the machine into a snapshot.
        """
        path = self.file_path(dataset.file)
        inside = self.base_dir.resolve()
        if not path.resolve().is_relative_to(inside):
            raise InputError(f"the file is outside the project folder {inside}: put the customer's files inside it",
                             file=dataset.file or self.settings.path, dataset=name)
        return path

    def scrub(self, text: object) -> str:
        """A message fit to show: every password and resolved secret masked."""
        return redact(str(text), self.secrets)

    def fail(self, error: type[StxError], problem: object, **where) -> StxError:
        """An exception of class ``error`` whose text is scrubbed of secrets."""
        text = self.scrub(problem)
        if error is InputError:
            return InputError(text, **{k: (self.scrub(v) if isinstance(v, str) else v) for k, v in where.items()})
        return error(text)


def order_by_key(info: DatasetInfo, dataset: DatasetSettings) -> bool:
    """Whether a table is read in key order (the default: its snapshot then does not depend on
    the rows' physical order); ``ordered: false`` reads in source order, which is faster."""
    return bool(dataset.table and info.key and dataset.ordered)


def rechunk(batches: Iterable[pa.Table | pa.RecordBatch], schema: pa.Schema, chunk_rows: int) -> Iterator[pa.Table]:
    """Cut or join batches into tables of exactly ``chunk_rows`` rows (the last one shorter)."""
    pending: list[pa.Table] = []
    pending_rows = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
        pending.append(table)
        pending_rows += table.num_rows
        while pending_rows >= chunk_rows:
            joined = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
            yield _conform(joined.slice(0, chunk_rows), schema)
            rest = joined.slice(chunk_rows)
            pending, pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
    if pending_rows:
        joined = pa.concat_tables(pending) if len(pending) > 1 else pending[0]
        yield _conform(joined, schema)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    # zero-copy when the reader already gave the announced schema (the usual case)
    return table if table.schema.equals(schema) else table.cast(schema)


def unique_column_names(raw: list[str | None]) -> tuple[list[str], dict[str, str]]:
    """Names fit for a snapshot: a blank header becomes ``column_<n>``, a repeated one ``<name>_<k>``.

    Returns the names and ``{new name: what the source had}`` for every name changed,
    so that the manifest can say what happened.
    """
    names: list[str] = []
    renamed: dict[str, str] = {}
    seen: set[str] = set()
    for position, original in enumerate(raw, start=1):
        text = "" if original is None else str(original)
        name = text if text.strip() else f"column_{position}"
        if name in seen:
            k = 2
            while f"{name}_{k}" in seen:
                k += 1
            name = f"{name}_{k}"
        if name != (original if original is not None else ""):
            renamed[name] = "" if original is None else str(original)
        seen.add(name)
        names.append(name)
    return names, renamed
