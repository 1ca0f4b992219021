"""kind postgresql specifics: PostgreSQL's own types, read order, read-only snapshot transaction, errors."""
from __future__ import annotations

import datetime as dt
import decimal
import os

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import SourceSettings

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def typed_table(pg_server):
    import psycopg

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS typed")
        c.execute("CREATE TABLE typed (id int PRIMARY KEY, ok bool, at timestamptz, n numeric, price numeric(6,2),"
                  " raw bytea, tags text[], empty text, small smallint, f real)")
        c.execute("INSERT INTO typed VALUES (2, true, '2024-01-02 10:00:00+02', 3.14159265358979, 12.50, '\\x0001', '{a,b}', '', 7, 1.25),"
                  " (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)")
    return pg_server


def _open(server, **dataset):
    os.environ["STX_TEST_PG_PW"] = server.password   # a literal password in a URL is refused
    url = f"postgresql://{server.user}:${{env:STX_TEST_PG_PW}}@{server.host}:{server.port}/{server.dbname}"
    return open_source(SourceSettings.model_validate({"kind": "postgresql", "url": url, "datasets": {"t": dataset}}), ".")


def test_postgresql_types_and_null_versus_empty(typed_table):
    with _open(typed_table, table="typed") as source:
        info = source.describe()["t"]
        rows = pa.concat_tables(source.read("t")).to_pylist()
    assert {f.name: str(f.type) for f in info.schema} == {
        "id": "int32", "ok": "bool", "at": "timestamp[us, tz=UTC]", "n": "string", "price": "decimal128(6, 2)",
        "raw": "string", "tags": "string", "empty": "string", "small": "int16", "f": "float"}
    assert info.source_types["at"] == "timestamptz" and info.key == ["id"]
    first, second = rows  # key order, whatever the insertion order
    assert first == {k: (1 if k == "id" else None) for k in info.columns}
    assert second["at"] == dt.datetime(2024, 1, 2, 8, 0, tzinfo=dt.timezone.utc)
    assert (second["n"], second["price"], second["raw"], second["tags"]) == ("3.14159265358979", decimal.Decimal("12.50"), "\\x0001", "{a,b}")
    assert second["empty"] == "" and second["ok"] is True and second["f"] == 1.25


def test_ordered_false_reads_in_source_order(typed_table):
    with _open(typed_table, table="typed", ordered=False) as source:
        ids = pa.concat_tables(source.read("t")).column("id").to_pylist()
    assert ids == [2, 1]


def test_the_reading_transaction_is_read_only(typed_table):
    import psycopg

    with _open(typed_table, table="typed") as source:
        source.describe()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            source.conn.execute("DELETE FROM typed")


def test_unknown_table_lists_what_exists_and_a_bad_query_says_why(typed_table):
    with pytest.raises(InputError, match=r"dataset t: no table 'clients' \(tables: .*public.typed"):
        with _open(typed_table, table="clients") as source:
            source.describe()
    with pytest.raises(InputError, match=r'dataset t: the query cannot be read: column "nope" does not exist'):
        with _open(typed_table, query="SELECT nope FROM typed") as source:
            source.describe()
