"""kind mysql on a real MariaDB: ConnectorX carries the bulk exactly as mysql-connector would,
and a value it cannot carry sends the dataset back to mysql-connector."""
from __future__ import annotations

import os
import threading

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

pytestmark = pytest.mark.mariadb

ROWS = [
    (1, "Zoë", "Œdipe\nroi; \"quoted\"", "1980-03-12", "2020-01-02 03:04:05.123456", "123.45", 2.25, -7),
    (2, None, None, None, None, None, None, None),
    (3, "", "plain", "2001-12-31", "1999-12-31 23:59:59", "-0.10", 1e-300, 9007199254740993),
]


@pytest.fixture()
def server(mariadb_server):
    import mysql.connector

    c = mysql.connector.connect(**mariadb_server.connect_kwargs(), charset="utf8mb4")
    cur = c.cursor()
    cur.execute("DROP TABLE IF EXISTS typed")
    cur.execute("CREATE TABLE typed (id INT PRIMARY KEY, name VARCHAR(40), memo TEXT, born DATE, at DATETIME(6),"
                " amount DECIMAL(12,2), ratio DOUBLE, big BIGINT) CHARACTER SET utf8mb4")
    cur.executemany("INSERT INTO typed VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", list(reversed(ROWS)))
    cur.execute("DROP TABLE IF EXISTS zero_dates")
    cur.execute("CREATE TABLE zero_dates (id INT PRIMARY KEY, born DATE)")
    cur.execute("SET SESSION sql_mode = ''")  # a legacy server that accepted '0000-00-00'
    cur.executemany("INSERT INTO zero_dates VALUES (%s, %s)", [(i, "1990-01-01") for i in range(1, 6)] + [(6, "0000-00-00")])
    c.commit()
    c.close()
    return mariadb_server


def _url(server) -> str:
    os.environ["STX_TEST_MARIADB_PW"] = server.password  # a literal password in a URL is refused
    return f"mysql://{server.user}:${{env:STX_TEST_MARIADB_PW}}@{server.host}:{server.port}/{server.database}"


def _source(server, tmp_path, datasets):
    url = _url(server)
    return open_source(SourceSettings.model_validate({"kind": "mysql", "url": url, "datasets": datasets}), tmp_path)


def _both_ways(source, name, chunk_rows):
    fast = pa.concat_tables(source.read(name, chunk_rows))
    source._exact.add(name)  # the same dataset through mysql-connector
    exact = pa.concat_tables(source.read(name, chunk_rows))
    return fast, exact


@pytest.mark.parametrize("chunk_rows", [1, 1000])
def test_connectorx_gives_what_mysql_connector_gives(server, tmp_path, chunk_rows, monkeypatch):
    from stx_migrate.connectors.sources import mysql_arrow

    opened = []
    original = mysql_arrow.open_stream
    monkeypatch.setattr(mysql_arrow, "open_stream", lambda *a: opened.append(a[1]) or original(*a))
    with _source(server, tmp_path, {"t": {"table": "typed"}, "q": {"query": "SELECT id, name, born FROM typed WHERE id > 1"}}) as source:
        schema = source.describe()["t"].schema
        fast, exact = _both_ways(source, "t", chunk_rows)
        fast_q, exact_q = _both_ways(source, "q", chunk_rows)
    assert len(opened) == 2 and "CAST" in opened[0]  # both read through ConnectorX first
    assert [str(t) for t in schema.types] == ["int64", "string", "string", "date32[day]", "timestamp[us]",
                                               "decimal128(12, 2)", "double", "int64"]
    assert fast.equals(exact) and fast_q.equals(exact_q)
    assert fast.column("id").to_pylist() == [1, 2, 3]  # key order
    assert fast.column("big").to_pylist()[2] == 9007199254740993 and fast.column("memo").to_pylist()[0] == ROWS[0][2]


def test_a_value_connectorx_cannot_carry_sends_the_dataset_to_mysql_connector(server, tmp_path):
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    url = _url(server)
    config = ProjectConfig.model_validate({
        "name": "p", "institution": "I", "organization": "O", "j_date": "2027-03-01",
        "source": {"kind": "mysql", "url": url, "datasets": {"z": {"table": "zero_dates"}}}})
    snapshot = receive_snapshot(Project(tmp_path, config), Workspace("p", home=tmp_path / "ws"), chunk_rows=2).snapshot
    born = snapshot.read_arrow("z").column("born").to_pylist()
    assert snapshot.dataset("z").rows == 6 and born[:5] == [born[0]] * 5 and born[5] is None


def test_a_big_table_is_read_by_key_ranges_giving_what_one_statement_gives(server, tmp_path, monkeypatch):
    """ConnectorX's stream holds the GIL while it fetches: a big table is read a key range at a time
    (whole reads let go of it), two ranges at once. Tiny ranges here: the same rows, types and order
    as mysql-connector. Ranges of RANGE_ROWS keys, a snapshot row group each (fewer statements)."""
    from stx_migrate.connectors.sources import key_ranges, mysql_arrow

    import mysql.connector

    monkeypatch.setattr(key_ranges, "RANGE_ROWS", 2)
    monkeypatch.setattr(key_ranges, "MIN_ROWS", 2)
    c = mysql.connector.connect(**server.connect_kwargs())
    cursor = c.cursor()
    cursor.execute("ANALYZE TABLE typed")  # the row estimate the ranges consult, up to date
    cursor.fetchall()
    c.close()
    ranges_read = []
    original = mysql_arrow.read_ranges
    monkeypatch.setattr(mysql_arrow, "read_ranges", lambda url, select, ranges, *a: ranges_read.append(list(ranges))
                        or original(url, select, ranges, *a))
    import connectorx

    first_two = threading.Barrier(2, timeout=10)  # read one range at a time, the first would wait here in vain
    read_sql = connectorx.read_sql
    calls = []

    def two_at_once(*args, **kwargs):
        calls.append(args[1])
        if len(calls) <= 2:
            first_two.wait()
        return read_sql(*args, **kwargs)

    monkeypatch.setattr(connectorx, "read_sql", two_at_once)
    with _source(server, tmp_path, {"t": {"table": "typed"}}) as source:
        fast, exact = _both_ways(source, "t", 2)
    assert ranges_read == [[(1, 2), (3, 3)]] and len(calls) == 2
    assert fast.equals(exact) and fast.column("id").to_pylist() == [1, 2, 3]


def test_a_range_connectorx_cannot_carry_sends_the_dataset_to_mysql_connector(server, tmp_path, monkeypatch):
    from stx_migrate.connectors.sources import key_ranges

    monkeypatch.setattr(key_ranges, "RANGE_ROWS", 2)
    monkeypatch.setattr(key_ranges, "MIN_ROWS", 2)
    test_a_value_connectorx_cannot_carry_sends_the_dataset_to_mysql_connector(server, tmp_path / "ranges")
