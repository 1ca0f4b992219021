"""kind ``sqlite``: a SQLite database file, opened read-only with the standard library.

SQLite columns are typed per value, not per column, so the Arrow type of a column
comes from the storage classes it actually holds (one scan): only integers →
int64; integers and reals → float64; only blobs → binary; anything holding text →
text (a number stored in such a column is given as SQLite prints it). The declared
type is kept in the manifest. Table and column names are quoted by SQLAlchemy's
SQLite dialect; names are looked up through bound parameters.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
from sqlalchemy.dialects import sqlite as sqlite_dialect

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import DatasetSettings

from .base import DatasetInfo, Source, order_by_key
from .rows import rows_to_table

_PREPARER = sqlite_dialect.dialect().identifier_preparer


def quote(name: str) -> str:
    """An identifier quoted by SQLAlchemy's SQLite dialect (never pasted raw into SQL)."""
    return _PREPARER.quote_identifier(name)


class SqliteSource(Source):
    kind = "sqlite"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.conn: sqlite3.Connection | None = None

    @property
    def database_path(self) -> Path:
        if self.settings.path:
            return self.file_path(self.settings.path)
        url = self.settings.url or ""
        return Path(url.removeprefix("sqlite:///"))

    def connect(self) -> None:
        path = self.database_path
        if not path.is_file():
            raise InputError("database file not found", file=path)
        try:
            # read-only and used by one reader at a time, possibly the snapshot writer's prefetch thread
            self.conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as e:
            raise InputError(f"not a SQLite database ({e})", file=path) from None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _relation(self, dataset: DatasetSettings) -> str:
        if dataset.table:
            prefix = f"{quote(dataset.schema_)}." if dataset.schema_ else ""
            return prefix + quote(dataset.table)
        return f"({dataset.query})"

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        assert self.conn is not None, "connect() first"
        declared: dict[str, str] = {}
        key: list[str] | None = dataset.key_columns
        if dataset.table:
            schema = dataset.schema_ or "main"
            found = self.conn.execute(
                "SELECT name FROM pragma_table_list WHERE schema = ? AND name = ? AND type IN ('table', 'view')",
                (schema, dataset.table),
            ).fetchone()
            if not found:
                tables = [r[0] for r in self.conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")]
                raise InputError(f"no table {dataset.table!r} in the database (tables: {', '.join(tables) or 'none'})",
                                 file=self.database_path, dataset=name)
            info = self.conn.execute("SELECT name, type, pk FROM pragma_table_info(?, ?)", (dataset.table, schema)).fetchall()
            declared = {col: typ for col, typ, _ in info}
            if key is None:
                pk = sorted((p, col) for col, _, p in info if p)
                key = [col for _, col in pk] or None
            origin = f"table {dataset.table}"
        else:
            origin = "query"
        try:
            cursor = self.conn.execute(f"SELECT * FROM {self._relation(dataset)} LIMIT 0")
        except sqlite3.Error as e:
            raise InputError(f"the {origin} cannot be read: {e}", file=self.database_path, dataset=name) from None
        columns = [d[0] for d in cursor.description]
        _refuse_duplicates(columns, name, self.database_path)
        fields = [pa.field(col, t) for col, t in zip(columns, self._storage_types(dataset, columns, declared))]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin=origin, key=key,
                           source_types={c: declared.get(c, "") for c in columns})

    def _storage_types(self, dataset: DatasetSettings, columns: list[str], declared: dict[str, str]) -> list[pa.DataType]:
        parts = []
        for col in columns:
            for cls in ("integer", "real", "text", "blob"):
                parts.append(f"sum(typeof({quote(col)}) = '{cls}')")
        sql = f"SELECT {', '.join(parts)} FROM {self._relation(dataset)}"
        counts = self.conn.execute(sql).fetchone() if columns else ()
        types = []
        for i, col in enumerate(columns):
            n_int, n_real, n_text, n_blob = (c or 0 for c in counts[4 * i: 4 * i + 4])
            if n_text or (n_blob and (n_int or n_real)):
                types.append(pa.string())
            elif n_blob:
                types.append(pa.binary())
            elif n_real:
                types.append(pa.float64())
            elif n_int:
                types.append(pa.int64())
            else:
                types.append(_affinity(declared.get(col, "")))
        return types

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        order = f" ORDER BY {', '.join(quote(k) for k in info.key)}" if order_by_key(info, dataset) else ""
        cols = ", ".join(quote(c) for c in info.columns)
        cursor = self.conn.execute(f"SELECT {cols} FROM {self._relation(dataset)}{order}")
        done = 0
        while rows := cursor.fetchmany(chunk_rows):
            yield rows_to_table(rows, info.schema, dataset=info.name, first_row=done + 1, origin=info.origin)
            done += len(rows)


def _affinity(declared: str) -> pa.DataType:
    """SQLite's type affinity rules (section 3.1 of its datatype page) for an all-NULL column."""
    upper = declared.upper()
    if "INT" in upper:
        return pa.int64()
    if any(t in upper for t in ("CHAR", "CLOB", "TEXT")) or not upper:
        return pa.string()
    if "BLOB" in upper:
        return pa.binary()
    if any(t in upper for t in ("REAL", "FLOA", "DOUB")):
        return pa.float64()
    return pa.string()


def _refuse_duplicates(columns: list[str], dataset: str, file: Path) -> None:
    seen = set()
    for col in columns:
        if col in seen:
            raise InputError("the query gives two columns the same name (alias one of them)", file=file, dataset=dataset, column=col)
        seen.add(col)
