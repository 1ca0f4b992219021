"""kind ``odbc``: any database with an ODBC driver (FileMaker, Informix, PostgreSQL, MariaDB, …) via pyodbc.

``url`` is an ODBC connection string (``DRIVER={PostgreSQL Unicode};SERVER=…;DATABASE=…;UID=…``)
or ``DSN=name``; the password is ``password: ${env:NAME}`` (added as ``PWD=``) or a
reference inside the string. Identifiers are quoted with the quote character the
driver reports (``SQL_IDENTIFIER_QUOTE_CHAR``), the quote doubled inside a name.
Types come from the driver's description (Python types, decimal precision/scale).
Checked here with the PostgreSQL Unicode and MariaDB Unicode drivers.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from stx_migrate.migration.errors import ConfigError, InputError, SourceUnavailable
from stx_migrate.migration.settings.source import DatasetSettings

from ..secrets import resolve
from .base import DatasetInfo, Source, order_by_key, quote_identifier
from .rows import python_type_to_arrow, rows_to_table


def with_password(connection_string: str, password: str) -> str:
    """Add ``PWD={…}`` to a connection string (braces so that ``;`` inside is safe)."""
    escaped = password.replace("}", "}}")
    return connection_string.rstrip(";") + ";PWD={" + escaped + "}"


class OdbcSource(Source):
    kind = "odbc"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self.conn = None
        self.quote = '"'

    def connection_string(self) -> str:
        resolved = resolve(self.settings.url, "source › url")
        self.secrets += resolved.secrets
        text = resolved.value
        if self.settings.password:
            given = resolve(self.settings.password, "source › password")  # a reference: env or Secret block
            self.secrets += given.secrets
            text = with_password(text, given.value)
        return text

    def connect(self) -> None:
        import pyodbc

        text = self.connection_string()
        try:
            self.conn = pyodbc.connect(text, timeout=15, autocommit=True)
        except pyodbc.Error as e:
            state = str(e.args[0]) if e.args else ""
            if state.startswith("IM") or "Can't open lib" in str(e):  # the driver manager: a missing driver or DSN
                raise self.fail(ConfigError, f"source › url: {self.scrub(text)}: {_reason(e)} (installed drivers: {_drivers()})") from None
            raise self.fail(SourceUnavailable, f"odbc {self.scrub(text)}: cannot connect ({_reason(e)})") from None
        try:
            self.quote = self.conn.getinfo(pyodbc.SQL_IDENTIFIER_QUOTE_CHAR) or '"'
        except pyodbc.Error:
            self.quote = '"'

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def q(self, name: str) -> str:
        return quote_identifier(name, self.quote)

    def _relation(self, dataset: DatasetSettings) -> str:
        if dataset.table:
            return (f"{self.q(dataset.schema_)}." if dataset.schema_ else "") + self.q(dataset.table)
        return f"({dataset.query}) stx_q"

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        import pyodbc

        origin = f"table {dataset.table}" if dataset.table else "query"
        cursor = self.conn.cursor()
        try:
            cursor.execute(f"SELECT * FROM {self._relation(dataset)} WHERE 1 = 0")
            description = cursor.description
        except pyodbc.Error as e:
            raise self.fail(InputError, f"the {origin} cannot be read: {_reason(e)}", dataset=name) from None
        finally:
            cursor.close()
        columns = [d[0] for d in description]
        if len(set(columns)) != len(columns):
            raise InputError("the query gives two columns the same name (alias one of them)", dataset=name)
        key = dataset.key_columns
        if key is None and dataset.table:
            key = self._primary_key(dataset)
        fields = [pa.field(d[0], python_type_to_arrow(d[1], d[4], d[5])) for d in description]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin=origin, key=key,
                           source_types={d[0]: getattr(d[1], "__name__", str(d[1])) for d in description})

    def _primary_key(self, dataset: DatasetSettings) -> list[str] | None:
        import pyodbc

        try:
            rows = self.conn.cursor().primaryKeys(dataset.table, schema=dataset.schema_).fetchall()
        except pyodbc.Error:  # not every driver answers (MDBTools does not)
            return None
        return [r.column_name for r in sorted(rows, key=lambda r: r.key_seq)] or None

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        import pyodbc

        columns = ", ".join(self.q(c) for c in info.columns)
        order = f" ORDER BY {', '.join(self.q(k) for k in info.key)}" if order_by_key(info, dataset) else ""
        cursor = self.conn.cursor()
        try:
            try:
                cursor.execute(f"SELECT {columns} FROM {self._relation(dataset)}{order}")
            except pyodbc.Error as e:
                raise self.fail(InputError, f"the {info.origin} cannot be read: {_reason(e)}", dataset=info.name) from None
            done = 0
            while True:
                try:
                    rows = cursor.fetchmany(chunk_rows)
                except pyodbc.Error as e:
                    raise self.fail(SourceUnavailable, f"odbc: reading {info.origin} broke ({_reason(e)})") from None
                if not rows:
                    break
                yield rows_to_table([tuple(r) for r in rows], info.schema, dataset=info.name, first_row=done + 1, origin=info.origin)
                done += len(rows)
        finally:
            cursor.close()


def _drivers() -> str:
    import pyodbc

    return ", ".join(pyodbc.drivers()) or "none"


def _reason(error: Exception) -> str:
    args = getattr(error, "args", ())
    text = str(args[1] if len(args) > 1 else error).strip()
    return text.splitlines()[0] if text else type(error).__name__
