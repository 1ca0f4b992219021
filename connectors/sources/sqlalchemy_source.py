"""Database kinds reached through SQLAlchemy (mysql, mssql, oracle): one reader, dialect-specific details.

SQLAlchemy connects, reflects tables (columns, types, primary key) and compiles the
SELECT with the real dialect, so table and column names are quoted by it, never
pasted. Rows are then fetched from a streaming DB-API cursor ``fetchmany(chunk)``
(SQLAlchemy's ``stream_results`` is not available for every driver), so memory stays
bounded whatever the table size.

Types come from reflection (tables) or from the driver's cursor description
(queries): integers, floats, booleans, decimals with a precision, dates, datetimes
and times keep their type; anything else is kept as the driver's text.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from stx_migrate.migration.errors import InputError, SourceUnavailable
from stx_migrate.migration.settings.source import DatasetSettings

from ..secrets import resolve
from .base import DatasetInfo, Source, order_by_key
from .rows import python_type_to_arrow, rows_to_table


def sqlalchemy_type_to_arrow(type_: sa.types.TypeEngine) -> pa.DataType:
    """The Arrow type for a reflected column type."""
    if isinstance(type_, sa.Boolean):
        return pa.bool_()
    if isinstance(type_, sa.Numeric) and not isinstance(type_, sa.Float):
        precision, scale = type_.precision, type_.scale
        if isinstance(type_, sa.Integer):
            return pa.int64()
        if precision and precision <= 38 and scale is not None:
            return pa.decimal128(precision, scale)
        return pa.string()
    if isinstance(type_, sa.Float):
        return pa.float64()
    if isinstance(type_, sa.DateTime):
        return pa.timestamp("us", tz="UTC") if getattr(type_, "timezone", False) else pa.timestamp("us")
    try:
        python_type = type_.python_type
    except NotImplementedError:
        return pa.string()
    return python_type_to_arrow(python_type)


class SqlAlchemySource(Source):
    """Base of the kinds reached through a SQLAlchemy URL."""

    default_driver = ""  # e.g. "mysql+mysqlconnector": used when the url gives only the database name

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.engine: sa.Engine | None = None
        self.conn: Connection | None = None

    # -- connection ------------------------------------------------------------
    def engine_url(self) -> sa.URL:
        """The URL with references resolved and the password put in (secrets remembered for scrubbing)."""
        resolved = resolve(self.settings.url, "source › url")
        self.secrets += resolved.secrets
        url = make_url(resolved.value)
        if self.default_driver and "+" not in url.drivername:
            url = url.set(drivername=self.default_driver)
        if self.settings.password:
            given = resolve(self.settings.password, "source › password")  # a reference: env or Secret block
            self.secrets += given.secrets
            url = url.set(password=given.value)
        if url.password:
            self.secrets.append(str(url.password))
        return url

    def connect(self) -> None:
        url = self.engine_url()
        target = url.render_as_string(hide_password=True)
        try:
            self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool, **self.engine_options())
            self.conn = self.engine.connect()
        except sa.exc.DBAPIError as e:
            raise self.fail(SourceUnavailable, f"{self.kind} {self.scrub(target)}: cannot connect ({_reason(e)})") from None
        except sa.exc.ArgumentError as e:
            raise self.fail(InputError, f"{self.kind}: the url cannot be used ({e})") from None

    def engine_options(self) -> dict:
        return {}

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rollback()
                self.conn.close()
            finally:
                self.conn = None
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    # -- description -------------------------------------------------------------
    def select_for(self, info_columns: list[str] | None, dataset: DatasetSettings, key: list[str] | None = None,
                   table: sa.Table | None = None) -> sa.Select:
        """The SELECT for a dataset, built from SQLAlchemy objects (names quoted by the dialect)."""
        if dataset.table:
            table = table if table is not None else sa.table(dataset.table, *[sa.column(c) for c in info_columns or []],
                                                            schema=dataset.schema_)
            stmt = sa.select(*[table.c[c] for c in info_columns]) if info_columns else sa.select(table)
            if key:
                stmt = stmt.order_by(*[table.c[k] for k in key])
            return stmt
        return sa.select(sa.literal_column("*")).select_from(sa.text(f"({dataset.query}) stx_q"))

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        if dataset.table:
            return self._describe_table(name, dataset)
        stmt = self.select_for(None, dataset).limit(0)
        try:
            result = self.conn.exec_driver_sql(self.compile(stmt))
            description = result.cursor.description
            result.close()
        except sa.exc.DBAPIError as e:
            self.conn.rollback()
            raise self.fail(InputError, f"the query cannot be read: {_reason(e)}", dataset=name) from None
        columns = [d[0] for d in description]
        if len(set(columns)) != len(columns):
            raise InputError("the query gives two columns the same name (alias one of them)", dataset=name)
        fields = [pa.field(d[0], self.description_type(d)) for d in description]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin="query", key=dataset.key_columns,
                           source_types={d[0]: str(d[1]) for d in description})

    def _describe_table(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        inspector = sa.inspect(self.conn)
        try:
            exists = inspector.has_table(dataset.table, schema=dataset.schema_)
        except sa.exc.DBAPIError as e:
            raise self.fail(InputError, f"cannot look up table {dataset.table!r}: {_reason(e)}", dataset=name) from None
        if not exists:
            tables = inspector.get_table_names(schema=dataset.schema_)[:50]
            raise InputError(f"no table {dataset.table!r} (tables: {', '.join(tables) or 'none'})", dataset=name)
        table = sa.Table(dataset.table, sa.MetaData(), schema=dataset.schema_, autoload_with=self.conn)
        key = dataset.key_columns or ([c.name for c in table.primary_key.columns] or None)
        fields = [pa.field(c.name, sqlalchemy_type_to_arrow(c.type)) for c in table.columns]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin=f"table {dataset.table}", key=key,
                           source_types={c.name: str(c.type) for c in table.columns})

    def description_type(self, item) -> pa.DataType:
        """Arrow type of a query column from the DB-API description ``item``; per driver."""
        type_code = item[1]
        if isinstance(type_code, type):  # pyodbc gives Python types
            return python_type_to_arrow(type_code, item[4], item[5])
        return pa.string()

    def compile(self, stmt: sa.Select) -> str:
        return str(stmt.compile(dialect=self.conn.dialect if self.conn is not None else self.dialect(),
                                compile_kwargs={"literal_binds": True}))

    def dialect(self) -> sa.Dialect:
        return make_url(self.default_driver + "://").get_dialect()()

    # -- reading -----------------------------------------------------------------
    def streaming_cursor(self):
        """A DB-API cursor that fetches rows from the server as it goes (per driver)."""
        return self.conn.connection.dbapi_connection.cursor()

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        stmt = self.select_for(info.columns, dataset, info.key if order_by_key(info, dataset) else None)
        cursor = self.streaming_cursor()
        try:
            try:
                cursor.execute(self.compile(stmt))
            except Exception as e:
                raise self.fail(InputError, f"the {info.origin} cannot be read: {_reason(e)}", dataset=info.name) from None
            done = 0
            while True:
                try:
                    rows = cursor.fetchmany(chunk_rows)
                except Exception as e:
                    raise self.fail(SourceUnavailable, f"{self.kind}: reading {info.origin} broke ({_reason(e)})") from None
                if not rows:
                    break
                yield rows_to_table(rows, info.schema, dataset=info.name, first_row=done + 1, origin=info.origin)
                done += len(rows)
        finally:
            try:
                cursor.close()
            except Exception:  # an unbuffered cursor left with unread rows (an error midway): the connection is closed next
                pass


def _reason(error: Exception) -> str:
    """The driver's own words, first line only (SQLAlchemy appends the SQL and a link)."""
    original = getattr(error, "orig", None) or error
    args = getattr(original, "args", ())
    if len(args) == 1 and isinstance(args[0], tuple):  # pymssql wraps (code, text) once more
        args = args[0]
    detail = args[1] if len(args) > 1 and isinstance(args[1], (str, bytes)) else original  # pyodbc, pymssql: (code, text)
    text = (detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " / ".join(dict.fromkeys(lines[:3])) if lines else type(original).__name__
