"""kind ``oracle``: Oracle through python-oracledb in thin mode (no Instant Client needed),
SQLAlchemy ``oracle+oracledb``.

No server runs in this repository's tests: the SQL compiled by the real dialect, the
URL and the refused-connection error are tested; the contract suite runs against a
real server when ``STX_TEST_ORACLE_URL`` is set (docs/sources.md).
"""
from __future__ import annotations

import pyarrow as pa

from .sqlalchemy_source import SqlAlchemySource


class OracleSource(SqlAlchemySource):
    kind = "oracle"
    default_driver = "oracle+oracledb"

    def engine_options(self) -> dict:
        return {"connect_args": {"tcp_connect_timeout": 15}}

    def description_type(self, item) -> pa.DataType:
        import oracledb

        code, precision, scale = item[1], item[4], item[5]
        if code is oracledb.DB_TYPE_NUMBER:
            if scale == 0 and precision and precision <= 18:
                return pa.int64()
            if precision and precision <= 38 and scale is not None and scale >= 0:
                return pa.decimal128(precision, scale)
            return pa.string()
        if code in (oracledb.DB_TYPE_BINARY_DOUBLE, oracledb.DB_TYPE_BINARY_FLOAT):
            return pa.float64()
        if code in (oracledb.DB_TYPE_DATE, oracledb.DB_TYPE_TIMESTAMP):
            return pa.timestamp("us")  # an Oracle DATE carries a time of day
        return pa.string()

    def streaming_cursor(self):
        cursor = self.conn.connection.dbapi_connection.cursor()
        cursor.arraysize = 10_000  # round trips, not memory: fetchmany still bounds what is held
        return cursor
