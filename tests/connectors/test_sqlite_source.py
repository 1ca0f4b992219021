"""kind sqlite: storage-class typing, queries, hostile names, read-only access."""
from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import SourceSettings

HOSTILE = 'x"; DROP TABLE victim; --'


@pytest.fixture()
def database(tmp_path):
    path = tmp_path / "legacy.sqlite"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE victim (id INTEGER)")
        c.execute("INSERT INTO victim VALUES (1)")
        c.execute(f'CREATE TABLE "{HOSTILE.replace(chr(34), chr(34) * 2)}" ("we""ird; col" TEXT, n INTEGER)')
        c.execute(f'INSERT INTO "{HOSTILE.replace(chr(34), chr(34) * 2)}" VALUES (?, ?)', ("ok", 7))
        c.execute("CREATE TABLE mixed (code, zip INTEGER, ratio REAL, blob BLOB, empty TEXT)")
        c.executemany("INSERT INTO mixed VALUES (?, ?, ?, ?, ?)", [(1, 75001, 1, b"\x00\x01", None), ("A2", 1234, 2.5, b"\xff", None)])
    return path


def _open(tmp_path, datasets):
    return open_source(SourceSettings.model_validate({"kind": "sqlite", "path": "legacy.sqlite", "datasets": datasets}), tmp_path)


def test_a_hostile_table_name_is_quoted_not_executed(tmp_path, database):
    with _open(tmp_path, {"h": {"table": HOSTILE}}) as source:
        info = source.describe()["h"]
        rows = pa.concat_tables(source.read("h")).to_pylist()
    assert info.columns == ['we"ird; col', "n"] and rows == [{'we"ird; col': "ok", "n": 7}]
    with sqlite3.connect(database) as c:
        assert c.execute("SELECT count(*) FROM victim").fetchone() == (1,)


def test_types_come_from_what_the_column_holds(tmp_path, database):
    with _open(tmp_path, {"m": {"table": "mixed"}}) as source:
        info = source.describe()["m"]
        rows = pa.concat_tables(source.read("m", 1)).to_pylist()
    assert [str(f.type) for f in info.schema] == ["string", "int64", "double", "binary", "string"]
    assert info.source_types == {"code": "", "zip": "INTEGER", "ratio": "REAL", "blob": "BLOB", "empty": "TEXT"}
    assert [r["code"] for r in rows] == ["1", "A2"] and rows[1]["ratio"] == 2.5


def test_a_query_dataset(tmp_path, database):
    with _open(tmp_path, {"q": {"query": "SELECT zip, upper(code) AS c FROM mixed WHERE ratio > 1"}}) as source:
        info = source.describe()["q"]
        rows = pa.concat_tables(source.read("q")).to_pylist()
    assert info.origin == "query" and info.key is None and rows == [{"zip": 1234, "c": "A2"}]


def test_unknown_table_and_broken_query_name_the_object(tmp_path, database):
    with pytest.raises(InputError, match=r"dataset c: no table 'CLIENT' in the database \(tables: .*mixed"):
        with _open(tmp_path, {"c": {"table": "CLIENT"}}) as source:
            source.describe()
    with pytest.raises(InputError, match=r"dataset q: the query cannot be read: no such column: nope"):
        with _open(tmp_path, {"q": {"query": "SELECT nope FROM mixed"}}) as source:
            source.describe()


def test_not_a_database_and_read_only(tmp_path):
    (tmp_path / "legacy.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="not a SQLite database"):
        _open(tmp_path, {"c": {"table": "x"}}).connect()


def test_the_source_is_opened_read_only(tmp_path, database):
    with _open(tmp_path, {"m": {"table": "mixed"}}) as source:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            source.conn.execute("DELETE FROM mixed")
