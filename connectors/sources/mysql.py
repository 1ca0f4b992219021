"""kind ``mysql``: MySQL or MariaDB through mysql-connector-python (SQLAlchemy ``mysql+mysqlconnector``).

The url may omit the driver (``mysql://…``); ``charset=utf8mb4`` is added when absent
so that every character arrives intact. A dataset's rows stream through ConnectorX into
Arrow when it can carry them exactly (:mod:`.mysql_arrow`), otherwise through an
unbuffered mysql-connector cursor.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import sqlalchemy as sa

from stx_migrate.migration.settings.source import DatasetSettings
from stx_migrate.migration.snapshot import ReadAgain

from . import mysql_arrow
from .base import DatasetInfo, order_by_key
from .key_ranges import split_key_range
from .sqlalchemy_source import SqlAlchemySource

# mysql.connector.FieldType codes of a query's columns
_INTEGERS = {1, 2, 3, 8, 9, 13, 16}
_FLOATS = {4, 5}
_DATE, _DATETIMES = 10, {7, 12}


class MysqlSource(SqlAlchemySource):
    kind = "mysql"
    default_driver = "mysql+mysqlconnector"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.arrow_url: str | None = None  # ConnectorX's URL for this server (None: not reachable that way)
        self._exact: set[str] = set()      # datasets read again by mysql-connector after a ReadAgain

    def engine_url(self):
        url = super().engine_url()
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        self.arrow_url = mysql_arrow.connectorx_url(url)
        return url

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        reader = None
        if self.arrow_url and info.name not in self._exact and mysql_arrow.carries(info.schema):
            ranges = self._key_ranges(info, dataset)
            if ranges:
                try:
                    yield from mysql_arrow.read_ranges(
                        self.arrow_url, lambda low, high: self.compile(self._arrow_select(info, dataset, (low, high))),
                        ranges, info.schema, info.name)
                except ReadAgain:
                    self._exact.add(info.name)  # the next read goes through mysql-connector, which names the bad value
                    raise
                return
            reader = mysql_arrow.open_stream(self.arrow_url, self.compile(self._arrow_select(info, dataset)),
                                             info.schema, chunk_rows)
        if reader is None:
            yield from super().read_batches(info, dataset, chunk_rows)
            return
        try:
            yield from mysql_arrow.read_stream(reader, info.schema, info.name)
        except ReadAgain:
            self._exact.add(info.name)  # the next read goes through mysql-connector, which names the bad value
            raise

    def _key_ranges(self, info: DatasetInfo, dataset: DatasetSettings) -> list[tuple[int, int]] | None:
        """Ranges of the integer primary key to read a big table by, when it is read in that key's order."""
        if not (dataset.table and order_by_key(info, dataset) and len(info.key) == 1
                and pa.types.is_int64(info.schema.field(info.key[0]).type)):
            return None
        key = info.key[0]
        if sa.inspect(self.conn).get_pk_constraint(dataset.table, schema=dataset.schema_)["constrained_columns"] != [key]:
            return None  # a range of another column would sort the whole table each time
        column = sa.table(dataset.table, sa.column(key), schema=dataset.schema_).c[key]
        low, high = self.conn.execute(sa.select(sa.func.min(column), sa.func.max(column))).one()
        # the server's row estimate, free (count(*) scans the table: 0.3-0.4 s per million rows)
        tables = sa.table("TABLES", sa.column("TABLE_ROWS"), sa.column("TABLE_SCHEMA"), sa.column("TABLE_NAME"),
                          schema="information_schema")
        rows = self.conn.execute(sa.select(tables.c.TABLE_ROWS).where(
            tables.c.TABLE_SCHEMA == (dataset.schema_ or sa.func.database()), tables.c.TABLE_NAME == dataset.table)).scalar()
        # ranges of a row group: each ConnectorX call opens its own connection and prepares its statement, so
        # quarter ranges (31 calls per million rows, not 8) cost both sides CPU the read cannot spare. Measured
        # through `stx-migrate receive` (docs/benchmarks.md, 2026-12-05 20:31): work median 2.20 s against 2.27 s
        return split_key_range(low, high, rows)

    def _arrow_select(self, info: DatasetInfo, dataset: DatasetSettings, bounds: tuple[int, int] | None = None) -> sa.Select:
        if dataset.table:
            table = sa.table(dataset.table, *[sa.column(c) for c in info.columns], schema=dataset.schema_)
            stmt = sa.select(*mysql_arrow.columns(info.schema, lambda c: table.c[c]))
            if bounds:
                stmt = stmt.where(table.c[info.key[0]].between(*bounds))
            if order_by_key(info, dataset):
                stmt = stmt.order_by(*[table.c[k] for k in info.key])
            return stmt
        subquery = sa.text(f"({dataset.query}) stx_q")
        return sa.select(*mysql_arrow.columns(info.schema, sa.column)).select_from(subquery)

    def streaming_cursor(self):
        # unbuffered: rows come from the server as fetchmany asks for them
        return self.conn.connection.dbapi_connection.cursor(buffered=False)

    def description_type(self, item) -> pa.DataType:
        code = item[1]
        if code in _INTEGERS:
            return pa.int64()
        if code in _FLOATS:
            return pa.float64()
        if code == _DATE:
            return pa.date32()
        if code in _DATETIMES:
            return pa.timestamp("us")
        return pa.string()  # decimals, times, text, JSON, enums: as the server writes them
