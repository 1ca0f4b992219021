"""kind postgresql's fast reader (ADBC): the same values as the COPY path, one picture of the
database for the whole receive, the COPY path when ADBC cannot connect, and no password anywhere."""
from __future__ import annotations

import logging
import os

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source, postgresql
from stx_migrate.migration.errors import InputError, SourceUnavailable
from stx_migrate.migration.settings.source import SourceSettings

pytestmark = pytest.mark.postgres
PASSWORD = "Pw-'q\\ ADBC 7f1"   # a quote, a backslash, a space: libpq's quoting must carry it


@pytest.fixture(scope="module")
def wide_table(pg_server):
    import psycopg

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS wide")
        c.execute("DROP TYPE IF EXISTS mood")
        c.execute("CREATE TYPE mood AS ENUM ('sad', 'ok')")
        c.execute("CREATE TABLE wide (id numeric(10,0) PRIMARY KEY, ok bool, at timestamptz, ts timestamp, d date, t time,"
                  " n numeric, price numeric(6,2), big_n numeric(40,2), raw bytea, tags text[], ints int[], note text, small smallint,"
                  " f real, dd float8, ch char(5), vc varchar(4), u uuid, j json, jb jsonb, iv interval, ip inet, nm name,"
                  " o oid, big bigint, m mood, tz timetz, bits bit(4), pt point, c1 \"char\", stamps timestamptz[])")
        c.execute("INSERT INTO wide VALUES"
                  " (2, true, '2024-01-02 10:00:00.123456+02', '1999-12-31 23:59:59.5', '0044-03-15', '10:11:12.5', 3.14159265358979000,"
                  "  12.50, 12345678901234567890123456789012345678.12, '\\x0001ff', '{a,\"b c\",NULL}', '{1,2}', '', 7, 1.1, 'NaN', 'ab',"
                  "  'x,y\"', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', '{\"a\":   1}', '1 day 2 hours', '10.0.0.1', 'nm',"
                  "  4000000000, 9, 'ok', '10:00+02', B'1010', '(1,2)', 'x', '{2024-01-01 00:00+05}'),"
                  " (1" + ", NULL" * 31 + "),"
                  " (10, false, '1900-01-01 00:00:00+00', '2038-01-19 03:14:08', '2000-01-01', '00:00:00', 'NaN', -0.01, 0, '\\x', '{}',"
                  "  '{}', E'line\\nnext \u00e9', -32768, 'Infinity', -1e308, '', '', NULL, 'null', '[]', '-1 mons', '::1/128', '', 0,"
                  "  -9223372036854775808, 'sad', '00:00Z', B'0000', '(0,0)', ' ', '{}')")
    return pg_server


def _settings(server, password: str | None = None, datasets: dict | None = None, **dataset) -> SourceSettings:
    os.environ["STX_TEST_PG_PW"] = password or server.password
    url = f"postgresql://{server.user}:${{env:STX_TEST_PG_PW}}@{server.host}:{server.port}/{server.dbname}"
    return SourceSettings.model_validate({"kind": "postgresql", "url": url, "datasets": datasets or {"t": dataset}})


def _read(server, fast: bool, **dataset) -> tuple[pa.Table, bool]:
    with open_source(_settings(server, **dataset), ".") as source:
        if not fast:   # as when ADBC could not connect
            source.arrow.close()
            source.arrow = None
        used_adbc = source.arrow is not None
        return pa.concat_tables(source.read("t")), used_adbc


def _same_bits(a: pa.Table, b: pa.Table) -> bool:
    """Equal, NaNs included: the snapshot's hash is over the bytes."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        x, y = a[name].combine_chunks(), b[name].combine_chunks()
        if pa.types.is_floating(x.type):
            as_int = pa.int64() if x.type == pa.float64() else pa.int32()
            x, y = x.view(as_int), y.view(as_int)
        if not x.equals(y):
            return False
    return True


@pytest.mark.parametrize("dataset", [{"table": "wide"}, {"query": "SELECT *, id * 2 AS twice, 'lit' AS lit FROM wide WHERE id > 1"},
                                     {"table": "wide", "ordered": False}])
def test_adbc_gives_the_copy_path_values_for_every_type(wide_table, dataset):
    fast, used_adbc = _read(wide_table, True, **dataset)
    slow, _ = _read(wide_table, False, **dataset)
    assert used_adbc
    assert _same_bits(fast, slow)
    row = {r["id"]: r for r in fast.to_pylist()}[2]
    # PostgreSQL's text, as documented: not ADBC's binary, uuid, list or interval types
    assert (row["raw"], row["tags"], row["iv"], row["ip"], row["u"]) == (
        "\\x0001ff", '{a,"b c",NULL}', "1 day 02:00:00", "10.0.0.1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    assert (row["n"], row["ch"], row["o"], row["jb"]) == ("3.14159265358979000", "ab   ", 4000000000, '{"a": 1}')
    assert str(fast.schema.field("at").type) == "timestamp[us, tz=UTC]" and str(fast.schema.field("big_n").type) == "string"


def test_key_order_is_the_key_columns_own_order(wide_table):
    """A numeric key is asked as text by ADBC: the rows must still sort as numbers (1, 2, 10)."""
    fast, _ = _read(wide_table, True, table="wide")
    assert [int(i) for i in fast.column("id").to_pylist()] == [1, 2, 10]


def test_a_write_committed_after_the_receive_began_is_not_seen(pg_server):
    import psycopg

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS moving")
        c.execute("CREATE TABLE moving (id int PRIMARY KEY, name text)")
        c.execute("INSERT INTO moving VALUES (1, 'a'), (2, 'b')")
    settings = _settings(pg_server, datasets={"first": {"table": "moving"}, "second": {"query": "SELECT * FROM moving"}})
    with open_source(settings, ".") as source:   # the receive begins: its picture is taken
        assert source.arrow is not None
        with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:   # the customer's application writes
            c.execute("INSERT INTO moving VALUES (3, 'c')")
            c.execute("UPDATE moving SET name = 'changed' WHERE id = 1")
        first = pa.concat_tables(source.read("first")).to_pylist()
        with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:   # and again, between two datasets
            c.execute("DELETE FROM moving WHERE id = 2")
        second = pa.concat_tables(source.read("second")).to_pylist()
    assert first == second == [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]


def test_infinity_is_refused_as_the_copy_path_refuses_it(pg_server):
    import psycopg

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS endless")
        c.execute("CREATE TABLE endless (id int PRIMARY KEY, until date, at timestamptz)")
        c.execute("INSERT INTO endless VALUES (1, '2024-01-01', 'infinity')")
    for fast in (True, False):
        with pytest.raises(InputError, match="dataset t: a value does not fit its column's type"):
            _read(pg_server, fast, table="endless")


@pytest.fixture()
def one_connection_role(pg_server):
    """A role allowed one connection: ADBC's second one is refused, so the COPY path reads."""
    import psycopg

    with psycopg.connect(host=pg_server.host, port=pg_server.port, user=pg_server.superuser, dbname=pg_server.dbname,
                         autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS limited")
        c.execute("DROP ROLE IF EXISTS lonely")
        c.execute("CREATE ROLE lonely LOGIN CONNECTION LIMIT 1 PASSWORD " + psycopg.sql.quote(PASSWORD))
        c.execute("CREATE TABLE limited (id int PRIMARY KEY, name text)")
        c.execute("INSERT INTO limited SELECT i, 'n' || i FROM generate_series(300, 1, -1) i")
        c.execute("GRANT SELECT ON limited TO lonely")
    return pg_server


def test_when_adbc_cannot_connect_copy_reads_the_same_rows_and_no_password_shows(one_connection_role, caplog, monkeypatch):
    s = one_connection_role
    os.environ["STX_TEST_PG_PW"] = PASSWORD
    settings = SourceSettings.model_validate({"kind": "postgresql", "url": f"postgresql://lonely@{s.host}:{s.port}/{s.dbname}",
                                              "password": "${env:STX_TEST_PG_PW}", "datasets": {"t": {"table": "limited"}}})
    monkeypatch.setattr(postgresql, "BLOCK_BYTES", 100)   # the COPY path's blocks cut every few rows
    with caplog.at_level(logging.WARNING), open_source(settings, ".") as source:
        assert source.arrow is None
        rows = pa.concat_tables(source.read("t", 64)).to_pylist()
    assert rows == [{"id": i, "name": f"n{i}"} for i in range(1, 301)]
    assert "reading by COPY" in caplog.text and "too many connections" in caplog.text
    assert PASSWORD not in caplog.text


def test_adbc_errors_are_scrubbed_of_the_password(wide_table, caplog, monkeypatch):
    """Should the driver ever echo its connection string, the password is masked."""
    from stx_migrate.connectors.sources import postgresql_adbc

    def echoing(conninfo, snapshot):
        raise RuntimeError(f"IO: [libpq] Failed to connect: {conninfo}")

    monkeypatch.setattr(postgresql_adbc, "connect", echoing)
    with caplog.at_level(logging.WARNING), open_source(_settings(wide_table, password=PASSWORD, table="wide"), ".") as source:
        assert source.arrow is None
    assert "Failed to connect" in caplog.text and PASSWORD not in caplog.text


@pytest.mark.parametrize("where", ["port", "host"])
def test_a_bad_host_or_port_error_shows_no_password(pg_server, where):
    s = pg_server
    host, port = ("no-such-host.invalid", s.port) if where == "host" else (s.host, 1)
    os.environ["STX_TEST_PG_PW"] = PASSWORD
    settings = SourceSettings.model_validate({"kind": "postgresql", "url": f"postgresql://{s.user}@{host}:{port}/{s.dbname}",
                                              "password": "${env:STX_TEST_PG_PW}", "datasets": {"t": {"table": "wide"}}})
    with pytest.raises(SourceUnavailable) as caught:
        with open_source(settings, "."):
            pass
    assert "cannot connect" in str(caught.value) and PASSWORD not in str(caught.value)
