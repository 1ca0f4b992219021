"""kind ``mysql``: MySQL or MariaDB through mysql-connector-python (SQLAlchemy ``mysql+mysqlconnector``).

The url may omit the driver (``mysql://…``); ``charset=utf8mb4`` is added when absent
so that every character arrives intact. Rows stream through an unbuffered cursor.
"""
from __future__ import annotations

import pyarrow as pa

from .sqlalchemy_source import SqlAlchemySource

# mysql.connector.FieldType codes of a query's columns
_INTEGERS = {1, 2, 3, 8, 9, 13, 16}
_FLOATS = {4, 5}
_DATE, _DATETIMES = 10, {7, 12}


class MysqlSource(SqlAlchemySource):
    kind = "mysql"
    default_driver = "mysql+mysqlconnector"

    def engine_url(self):
        url = super().engine_url()
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        return url

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
