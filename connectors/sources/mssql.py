"""kind ``mssql``: Microsoft SQL Server through SQLAlchemy's ``mssql+pyodbc`` (FreeTDS or
Microsoft's ODBC driver) or ``mssql+pymssql``.

A url without a driver gets ``mssql+pyodbc`` and, without ``driver=``, FreeTDS with
TDS 7.4 (the driver Debian ships; Microsoft's msodbcsql is not installable here).
No server runs in this repository's tests: the SQL compiled by the real dialect,
the connection URL and the refused-connection error are tested, and the contract
suite runs against a real server when ``STX_TEST_MSSQL_URL`` is set (docs/sources.md).
"""
from __future__ import annotations

from .sqlalchemy_source import SqlAlchemySource


class MssqlSource(SqlAlchemySource):
    kind = "mssql"
    default_driver = "mssql+pyodbc"

    def engine_url(self):
        url = super().engine_url()
        if url.drivername == "mssql+pyodbc" and "driver" not in url.query and "odbc_connect" not in url.query:
            url = url.update_query_dict({"driver": "FreeTDS", "TDS_Version": "7.4"})
        return url

    def engine_options(self) -> dict:
        return {"connect_args": {"timeout": 15}} if self.settings.url and "pymssql" not in self.settings.url else {}
