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


def test_a_copy_cut_into_many_blocks_gives_every_row_whole_and_in_order(pg_server, monkeypatch):
    """Blocks of a few rows, each parsed on its own: no row is cut (a quoted newline included), none lost."""
    import psycopg

    from stx_migrate.connectors.sources import postgresql

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS many")
        c.execute("CREATE TABLE many (id int PRIMARY KEY, name text, note text)")
        c.execute("INSERT INTO many SELECT i, 'n' || i, CASE WHEN i % 7 = 0 THEN E'two\\nlines; \"q\"' END"
                  " FROM generate_series(500, 1, -1) i")
    monkeypatch.setattr(postgresql, "BLOCK_BYTES", 100)   # a block every few rows: about 50 of them
    with _open(pg_server, table="many") as source:
        batches = list(source.read_batches(source.describe()["t"], source.settings.datasets["t"], 1000))
        rows = pa.concat_tables(source.read("t", 64)).to_pylist()
    assert len(batches) > 40
    assert [r["id"] for r in rows] == list(range(1, 501))
    assert all(r["name"] == f"n{r['id']}" for r in rows)
    assert [r["note"] for r in rows if r["id"] % 7 == 0] == ['two\nlines; "q"'] * 71
    assert all(r["note"] is None for r in rows if r["id"] % 7)
