"""kind ``postgresql``: psycopg describes, the ADBC driver reads (postgresql_adbc.py).

All datasets are read in one picture of the database, even while the customer's
application writes: psycopg's connection opens a REPEATABLE READ, read-only transaction
and exports its snapshot, which the ADBC connection's own transaction imports. When the
ADBC connection cannot be had (a role limited to one connection, a pooler, a standby that
cannot export), every dataset is read the slower way instead, in psycopg's transaction:
``COPY (SELECT …) TO STDOUT`` streamed into pyarrow's CSV reader with the column types
PostgreSQL announces. Both give the same values, hence the same snapshot.
Identifiers are composed with ``psycopg.sql.Identifier`` (the driver's quoting).
Types: integers, booleans, float4/8, numeric with a precision (decimal128), date,
timestamp, timestamptz (UTC), time keep their type; numeric without precision, bytea
(``\\x…`` hex), uuid, json, arrays, intervals… are kept as PostgreSQL's text.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pacsv

from stx_migrate.migration.errors import ConfigError, InputError, SourceUnavailable
from stx_migrate.migration.settings.source import DatasetSettings

from ..secrets import resolve
from . import postgresql_adbc
from .base import DatasetInfo, Source, order_by_key

log = logging.getLogger("stx_migrate.receive")
BLOCK_BYTES = 8 << 20   # a batch of either reader

_OID_TYPES = {
    16: pa.bool_(), 20: pa.int64(), 21: pa.int16(), 23: pa.int32(), 26: pa.int64(),
    700: pa.float32(), 701: pa.float64(),
    1082: pa.date32(), 1114: pa.timestamp("us"), 1184: pa.timestamp("us", tz="UTC"), 1083: pa.time64("us"),
}


def arrow_type(type_code: int, precision: int | None, scale: int | None) -> pa.DataType:
    if type_code == 1700 and precision and precision <= 38 and scale is not None:
        return pa.decimal128(precision, scale)
    return _OID_TYPES.get(type_code, pa.string())


def connect_kwargs(url: str) -> dict:
    """psycopg keyword arguments from a SQLAlchemy-style URL (``postgresql[+driver]://…``).

    Parsed by libpq's own rules (``psycopg.conninfo``), without importing SQLAlchemy.
    """
    from psycopg.conninfo import conninfo_to_dict

    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ValueError("a postgresql URL starts with postgresql://")
    return {k: v for k, v in conninfo_to_dict("postgresql://" + rest).items() if v is not None}


class PostgresSource(Source):
    kind = "postgresql"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.conn = None
        self.arrow = None   # the ADBC connection, inside self.conn's snapshot; None: read by COPY
        self._columns: dict[str, list[tuple[str, int, str | None]]] = {}   # dataset → (column, type oid, output function)

    def connect(self) -> None:
        import psycopg

        url = resolve(self.settings.url, "source › url")
        self.secrets += url.secrets
        try:
            kwargs = connect_kwargs(url.value)
        except Exception as e:  # psycopg's parser names the problem, never the password
            raise self.fail(ConfigError, f"source › url: not a PostgreSQL URL ({_reason(e)})") from None
        if self.settings.password:
            given = resolve(self.settings.password, "source › password")  # a reference: env or Secret block
            self.secrets += given.secrets
            kwargs["password"] = given.value
        if kwargs.get("password"):
            self.secrets.append(str(kwargs["password"]))
        kwargs.setdefault("connect_timeout", 15)
        target = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 5432)}/{kwargs.get('dbname', '')}"
        try:
            self.conn = psycopg.connect(**kwargs)
        except psycopg.Error as e:
            raise self.fail(SourceUnavailable, f"postgresql {target}: cannot connect ({_reason(e)})") from None
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True
        self.arrow = self._open_arrow(kwargs, target)   # first: its export takes the transaction's snapshot
        self.conn.execute("SET TimeZone TO 'UTC'")
        self.conn.execute("SET DateStyle TO ISO, YMD")
        self.conn.execute("SET extra_float_digits TO 3")  # floats as text without losing a digit

    def _open_arrow(self, kwargs: dict, target: str):
        """The ADBC connection sharing this transaction's snapshot, or None (then COPY reads)."""
        from psycopg.conninfo import make_conninfo

        try:
            snapshot = self.conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            conninfo = make_conninfo(**kwargs, client_encoding="UTF8")   # libpq's quoting: a password with ' or \ survives
            return postgresql_adbc.connect(conninfo, snapshot)
        except Exception as e:  # a role limited to one connection, a pooler, no driver…: nothing was read yet
            self.conn.rollback()
            log.warning("postgresql %s: reading by COPY, the fast reader is unavailable (%s)", target, self.scrub(_reason(e)))
            return None

    def close(self) -> None:
        if self.arrow is not None:
            try:
                self.arrow.close()
            except Exception:  # closing drops the transaction anyway
                pass
            self.arrow = None
        if self.conn is not None:
            try:
                self.conn.rollback()
            finally:
                self.conn.close()
                self.conn = None

    def _relation(self, dataset: DatasetSettings):
        from psycopg import sql

        if dataset.table:
            parts = [dataset.schema_, dataset.table] if dataset.schema_ else [dataset.table]
            return sql.Identifier(*parts)
        return sql.SQL("({})").format(sql.SQL(dataset.query))  # a query is the project's own SQL text

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        import psycopg
        from psycopg import sql

        origin = f"table {dataset.table}" if dataset.table else "query"
        try:
            with self.conn.cursor() as cur:
                cur.execute(sql.SQL("SELECT * FROM {} AS q LIMIT 0").format(self._relation(dataset)))
                description = cur.description
                key = dataset.key_columns
                if dataset.table and key is None:
                    cur.execute(
                        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
                        (self._relation(dataset).as_string(self.conn),),
                    )
                    key = [r[0] for r in cur.fetchall()] or None
                oids = sorted({d.type_code for d in description} - postgresql_adbc.NATIVE)
                cur.execute("SELECT oid, typoutput::regproc::text FROM pg_type WHERE oid = ANY(%s)", (oids,))
                output = dict(cur.fetchall())
        except psycopg.errors.UndefinedTable:
            self.conn.rollback()
            raise InputError(f"no table {dataset.table!r} (tables: {', '.join(self._tables()) or 'none'})", dataset=name) from None
        except psycopg.Error as e:
            self.conn.rollback()
            raise self.fail(InputError, f"the {origin} cannot be read: {_reason(e)}", dataset=name) from None
        columns = [d.name for d in description]
        if len(set(columns)) != len(columns):
            raise InputError("the query gives two columns the same name (alias one of them)", dataset=name)
        fields = [pa.field(d.name, arrow_type(d.type_code, d.precision, d.scale)) for d in description]
        types = {d.name: _type_name(self.conn, d.type_code) for d in description}
        self._columns[name] = [(d.name, d.type_code, output.get(d.type_code)) for d in description]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin=origin, key=key, source_types=types)

    def _tables(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 50").fetchall()
        return [r[0] for r in rows]

    def select_statement(self, info: DatasetInfo, dataset: DatasetSettings, arrow: bool = False):
        """The SELECT for a dataset (composed, never pasted): columns quoted, ordered by the key.

        ``arrow``: each column as the ADBC reader needs it (postgresql_adbc.column_expression).
        """
        from psycopg import sql

        if arrow:
            columns = [postgresql_adbc.column_expression(*c) for c in self._columns[info.name]]
        else:
            columns = [sql.Identifier(c) for c in info.columns]
        select = sql.SQL("SELECT {} FROM {} AS q").format(sql.SQL(", ").join(columns), self._relation(dataset))
        if order_by_key(info, dataset):
            # q."key", the column itself: a bare name would sort the text an arrow read asks for
            select = sql.SQL("{} ORDER BY {}").format(select, sql.SQL(", ").join(sql.Identifier("q", k) for k in info.key))
        return select

    def copy_statement(self, info: DatasetInfo, dataset: DatasetSettings):
        """The COPY statement for a dataset: its SELECT, as CSV."""
        from psycopg import sql

        return sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(self.select_statement(info, dataset))

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.RecordBatch]:
        if self.arrow is not None:
            return self._read_arrow(info, dataset)
        return self._read_copy(info, dataset)

    def _read_arrow(self, info: DatasetInfo, dataset: DatasetSettings) -> Iterator[pa.RecordBatch]:
        from adbc_driver_manager import OperationalError
        from adbc_driver_manager import Error as AdbcError

        statement = self.select_statement(info, dataset, arrow=True).as_string(self.conn)
        try:
            yield from postgresql_adbc.read_batches(self.arrow, statement, info.schema, BLOCK_BYTES)
        except (pa.ArrowInvalid, postgresql_adbc.ValueOutOfRange) as e:
            raise self.fail(InputError, f"a value does not fit its column's type ({str(e).split(':')[0]})",
                            dataset=info.name) from None
        except OperationalError as e:
            raise self.fail(SourceUnavailable, f"postgresql: the connection broke while reading {info.origin} ({_reason(e)})") from None
        except AdbcError as e:
            raise self.fail(InputError, f"the {info.origin} cannot be read: {_reason(e)}", dataset=info.name) from None

    def _read_copy(self, info: DatasetInfo, dataset: DatasetSettings) -> Iterator[pa.RecordBatch]:
        import psycopg

        with self.conn.cursor() as cur:
            try:
                with cur.copy(self.copy_statement(info, dataset)) as copy:
                    options = (
                        pacsv.ReadOptions(column_names=info.columns, use_threads=True),
                        pacsv.ParseOptions(newlines_in_values=True),
                        pacsv.ConvertOptions(
                            column_types={f.name: f.type for f in info.schema},
                            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
                            true_values=["t"], false_values=["f"]),
                    )
                    # COPY TO sends one message per row, so a buffer of whole messages is whole
                    # rows: each block is parsed by pyarrow's multi-threaded reader on its own
                    block = bytearray()
                    for message in copy:
                        block += message
                        if len(block) >= BLOCK_BYTES:
                            yield pacsv.read_csv(io.BytesIO(block), *options)
                            block = bytearray()
                    if block:
                        yield pacsv.read_csv(io.BytesIO(block), *options)
            except pa.ArrowInvalid as e:
                raise self.fail(InputError, f"a value does not fit its column's type ({str(e).split(':')[0]})",
                                dataset=info.name) from None
            except psycopg.OperationalError as e:
                raise self.fail(SourceUnavailable, f"postgresql: the connection broke while reading {info.origin} ({_reason(e)})") from None
            except psycopg.Error as e:
                raise self.fail(InputError, f"the {info.origin} cannot be read: {_reason(e)}", dataset=info.name) from None


def _reason(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _type_name(conn, oid: int) -> str:
    from psycopg.types import TypeInfo  # noqa: F401  (the adapters map knows every built-in type)

    info = conn.adapters.types.get(oid)
    return info.name if info else str(oid)
