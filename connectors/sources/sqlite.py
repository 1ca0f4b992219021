"""kind ``sqlite``: a SQLite database file, opened read-only with the standard library.

SQLite columns are typed per value, not per column, so the Arrow type of a column
comes from the storage classes it actually holds (one scan): only integers →
int64; integers and reals → float64; only blobs → binary; anything holding text →
text (a number stored in such a column is given as SQLite prints it). The declared
type is kept in the manifest. Table and column names are quoted by SQLAlchemy's
SQLite dialect; names are looked up through bound parameters.

Rows are read through ADBC (Arrow built in C) when the first batch settles the types
(:mod:`.sqlite_adbc`); the classes of the columns it leaves open are then counted in SQL for
those columns only. A dataset whose data contradicts that reading further on is read again
the exact way: every column's storage classes counted, rows fetched by ``sqlite3``.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import DatasetSettings
from stx_migrate.migration.snapshot import ReadAgain

from . import sqlite_adbc, sqlite_ranges
from .base import DatasetInfo, Source, order_by_key, quote_identifier
from .rows import rows_to_table

def quote(name: str) -> str:
    """An identifier in SQLite's double quotes (as SQLAlchemy's SQLite dialect quotes it, without loading it)."""
    return quote_identifier(name, '"')


class SqliteSource(Source):
    kind = "sqlite"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.conn: sqlite3.Connection | None = None
        self.arrow_conn = None                                   # ADBC, the fast reader
        self._statements: dict[str, sqlite_adbc.ArrowStatement] = {}  # described, first batch read
        self._exact: set[str] = set()                            # datasets read the exact way
        self._single: set[str] = set()                           # datasets read with one statement (not by key ranges)
        self._integer_keys: dict[str, str] = {}                  # dataset -> its INTEGER PRIMARY KEY column

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
        for statement in self._statements.values():
            statement.close()
        self._statements.clear()
        arrow_conn, conn, self.arrow_conn, self.conn = self.arrow_conn, self.conn, None, None
        try:
            if arrow_conn is not None:
                arrow_conn.close()
        finally:   # the sqlite3 connection is closed even when the ADBC one fails to close
            if conn is not None:
                conn.close()

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
            primary = [col for col, typ, p in info if p]
            if len(primary) == 1 and declared[primary[0]].upper() == "INTEGER":  # the rowid, or a clustered integer key
                self._integer_keys[name] = primary[0]
            origin = f"table {dataset.table}"
        else:
            origin = "query"
        try:
            cursor = self.conn.execute(f"SELECT * FROM {self._relation(dataset)} LIMIT 0")
        except sqlite3.Error as e:
            raise InputError(f"the {origin} cannot be read: {e}", file=self.database_path, dataset=name) from None
        columns = [d[0] for d in cursor.description]
        _refuse_duplicates(columns, name, self.database_path)
        info = DatasetInfo(name=name, schema=pa.schema([]), origin=origin, key=key,
                           source_types={c: declared.get(c, "") for c in columns})
        types = None if name in self._exact else self._fast_types(info, dataset, columns, declared)
        if types is None:
            classes = self._storage_classes(dataset, columns)
            types = [_rule_type(classes[c], declared.get(c, "")) for c in columns]
        return replace(info, schema=pa.schema([pa.field(c, t) for c, t in zip(columns, types)]))

    def _fast_types(self, info: DatasetInfo, dataset: DatasetSettings, columns: list[str],
                    declared: dict[str, str]) -> list[pa.DataType] | None:
        """The types the ADBC read will give, when they are the rule's; None = read the exact way."""
        if self.arrow_conn is None:
            self.arrow_conn = sqlite_adbc.connect(self.database_path)
        self._forget_statement(info.name)
        statement = sqlite_adbc.ArrowStatement(self.arrow_conn, self._select(info, dataset, columns))
        first = statement.first
        settled = {c: sqlite_adbc.settled_type(first.column(i), declared.get(c, "")) if first is not None else None
                   for i, c in enumerate(columns)}
        open_columns = [c for c in columns if settled[c] is None]
        classes = self._storage_classes(dataset, open_columns)
        types = []
        for i, col in enumerate(columns):
            if settled[col] is not None:
                types.append(settled[col])
                continue
            given = first.column(i) if first is not None else None
            exact = _rule_type(classes[col], declared.get(col, ""))
            fits = (not classes[col] or classes[col] == {"integer"}
                    or (len(classes[col]) == 1 and given is not None and given.null_count < len(given) and given.type == exact))
            if not fits:  # the driver would refuse or retype a later value: read the exact way
                statement.close()
                return None
            types.append(exact)
        self._statements[info.name] = statement
        return types

    def _storage_classes(self, dataset: DatasetSettings, columns: list[str]) -> dict[str, set[str]]:
        """The storage classes each of ``columns`` holds (NULL aside), counted in one scan."""
        if not columns:
            return {}
        parts = [f"sum(typeof({quote(col)}) = '{cls}')" for col in columns for cls in _CLASSES]
        counts = self.conn.execute(f"SELECT {', '.join(parts)} FROM {self._relation(dataset)}").fetchone()
        return {col: {cls for j, cls in enumerate(_CLASSES) if counts[len(_CLASSES) * i + j]}
                for i, col in enumerate(columns)}

    def _select(self, info: DatasetInfo, dataset: DatasetSettings, columns: list[str],
                bounds: tuple[int, int] | None = None) -> str:
        order = f" ORDER BY {', '.join(quote(k) for k in info.key)}" if order_by_key(info, dataset) else ""
        where = f" WHERE {quote(info.key[0])} BETWEEN {int(bounds[0])} AND {int(bounds[1])}" if bounds else ""
        return f"SELECT {', '.join(quote(c) for c in columns)} FROM {self._relation(dataset)}{where}{order}"

    def _forget_statement(self, name: str) -> None:
        statement = self._statements.pop(name, None)
        if statement is not None:
            statement.close()

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        sql = self._select(info, dataset, info.columns)
        if info.name in self._exact:
            yield from self._read_rows(info, sql, chunk_rows)
            return
        ranges = self._key_ranges(info, dataset)
        if ranges:
            self._forget_statement(info.name)  # the types are settled; each range is its own statement
            try:
                yield from sqlite_ranges.read_ranges(self.database_path, lambda low, high: self._select(info, dataset, info.columns, (low, high)),
                                                     ranges, info.schema, info.name)
            except ReadAgain:
                self._single.add(info.name)  # read again with one statement (described again for it)
                self._described[info.name] = self.describe_dataset(info.name, dataset)
                raise
            return
        statement = self._statements.pop(info.name, None) or sqlite_adbc.ArrowStatement(self.arrow_conn, sql)
        try:
            yield from sqlite_adbc.read_arrow(statement, info.schema, info.name)
        except ReadAgain:
            self._exact.add(info.name)  # described again, the exact way, for the next read
            self._described[info.name] = self.describe_dataset(info.name, dataset)
            raise

    def _key_ranges(self, info: DatasetInfo, dataset: DatasetSettings) -> list[tuple[int, int]] | None:
        """Key ranges to read a big table on two cores, when it is read in the order of its integer primary key."""
        key = self._integer_keys.get(info.name)
        if info.name in self._single or key is None or not order_by_key(info, dataset) or info.key != [key]:
            return None
        return sqlite_ranges.key_ranges(self.conn, self._relation(dataset), quote(key))

    def _read_rows(self, info: DatasetInfo, sql: str, chunk_rows: int) -> Iterator[pa.Table]:
        cursor = self.conn.execute(sql)
        done = 0
        while rows := cursor.fetchmany(chunk_rows):
            yield rows_to_table(rows, info.schema, dataset=info.name, first_row=done + 1, origin=info.origin)
            done += len(rows)


_CLASSES = ("integer", "real", "text", "blob")


def _rule_type(classes: set[str], declared: str) -> pa.DataType:
    """Kind sqlite's typing rule, from the storage classes a column holds."""
    if "text" in classes or ("blob" in classes and classes & {"integer", "real"}):
        return pa.string()
    if "blob" in classes:
        return pa.binary()
    if "real" in classes:
        return pa.float64()
    if "integer" in classes:
        return pa.int64()
    return _affinity(declared)


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
