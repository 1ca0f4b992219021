"""kind sqlite: storage-class typing, queries, hostile names, read-only access."""
from __future__ import annotations

import sqlite3

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.snapshot import ReadAgain
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


# -- the fast (ADBC) reading and its way back to the exact one ----------------------------------

def _receive(tmp_path, table: str):
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    config = ProjectConfig.model_validate({
        "name": "p", "institution": "I", "organization": "O", "j_date": "2027-03-01",
        "source": {"kind": "sqlite", "path": "legacy.sqlite", "datasets": {"d": {"table": table}}}})
    snapshot = receive_snapshot(Project(tmp_path, config), Workspace("p", home=tmp_path / "ws"), chunk_rows=3).snapshot
    return snapshot.dataset("d").types, snapshot.read_arrow("d").to_pylist()


@pytest.fixture()
def small_batches(monkeypatch):
    from stx_migrate.connectors.sources import sqlite_adbc

    monkeypatch.setattr(sqlite_adbc, "BATCH_ROWS", 4)  # the first batch settles the types: make it short


def _table(path, ddl: str, rows: list[tuple]) -> None:
    with sqlite3.connect(path) as c:
        c.execute(ddl)
        c.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(rows[0]))})", rows)


def test_text_after_the_first_batch_is_read_again_the_exact_way(tmp_path, small_batches):
    """Integers in the first batch, text later: the snapshot holds the rule's type (text) for every row."""
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER, ratio)",
           [(i, i * 10, i) for i in range(1, 11)] + [(11, "A11", 2.5)])
    types, rows = _receive(tmp_path, "t")
    assert types == {"id": "int64", "code": "string", "ratio": "double"}
    assert [r["code"] for r in rows] == [str(i * 10) for i in range(1, 11)] + ["A11"]
    assert rows[-1]["ratio"] == 2.5 and rows[0]["ratio"] == 1.0


def test_a_column_empty_in_its_first_rows_keeps_the_rule_type(tmp_path, small_batches):
    """NULL in the first batch: the driver would say int64; the column is counted in SQL instead."""
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, late, never TEXT, num INTEGER)",
           [(i, None, None, None) for i in range(1, 9)] + [(9, "late text", None, 5), (10, "x", None, None)])
    types, rows = _receive(tmp_path, "t")
    assert types == {"id": "int64", "late": "string", "never": "string", "num": "int64"}
    assert [r["late"] for r in rows][-2:] == ["late text", "x"] and rows[8]["num"] == 5


def test_bytes_that_are_not_utf8_in_a_text_column_are_refused_by_row(tmp_path, small_batches):
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
           [(i, f"n{i}") for i in range(1, 9)] + [(9, b"\xff\xfe")])
    with pytest.raises(InputError, match=r"row 9.*column name"):
        _receive(tmp_path, "t")


@pytest.fixture()
def small_ranges(monkeypatch):
    from stx_migrate.connectors.sources import key_ranges

    monkeypatch.setattr(key_ranges, "RANGE_ROWS", 5)
    monkeypatch.setattr(key_ranges, "MIN_ROWS", 20)


def _spy_ranges(monkeypatch) -> list:
    """The key ranges each ranged read was given (empty: the table was read with one statement)."""
    from stx_migrate.connectors.sources import sqlite_ranges

    seen: list = []
    real = sqlite_ranges.read_ranges

    def spy(path, select, ranges, schema, dataset):
        seen.append(list(ranges))
        try:
            yield from real(path, select, ranges, schema, dataset)
        except ReadAgain:
            seen.append("read again")
            raise

    monkeypatch.setattr(sqlite_ranges, "read_ranges", spy)
    return seen


def test_a_big_table_is_read_by_key_ranges_giving_the_rows_of_one_statement(tmp_path, monkeypatch, small_ranges):
    """Keys with gaps, inserted out of order: the ranges cover every row, in key order, each row once."""
    keys = [k for k in range(3, 400, 7)]
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)",
           [(k, f"n{k}", k % 5) for k in reversed(keys)])
    seen = _spy_ranges(monkeypatch)
    types, rows = _receive(tmp_path, "t")
    assert len(seen) == 1 and len(seen[0]) >= 10, "read by key ranges, once"
    assert seen[0][0][0] == 3 and seen[0][-1][1] == keys[-1]
    assert all(prev[1] + 1 == nxt[0] for prev, nxt in zip(seen[0], seen[0][1:])), "consecutive ranges"
    assert types == {"id": "int64", "name": "string", "n": "int64"}
    assert rows == [{"id": k, "name": f"n{k}", "n": k % 5} for k in keys]


def test_a_range_the_driver_types_otherwise_sends_the_table_back_to_one_statement(tmp_path, monkeypatch, small_ranges,
                                                                                 small_batches):
    """A column empty where a range starts and text further in it: that range's statement fails;
    the table is read again with one statement (whose first rows settled the column as text)."""
    rows_in = [(i, "x" if i <= 3 else ("late" if i in (50, 58) else None)) for i in range(1, 61)]
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)", rows_in)
    seen = _spy_ranges(monkeypatch)
    types, rows = _receive(tmp_path, "t")
    assert len(seen) == 2 and seen[1] == "read again", "tried by ranges once, then read with one statement"
    assert types == {"id": "int64", "note": "string"}
    assert [(r["id"], r["note"]) for r in rows] == rows_in


def test_source_order_or_a_key_that_is_not_the_integer_primary_key_reads_one_statement(tmp_path, monkeypatch, small_ranges):
    _table(tmp_path / "legacy.sqlite", "CREATE TABLE t (id INTEGER PRIMARY KEY, code INTEGER)", [(i, 100 - i) for i in range(1, 41)])
    seen = _spy_ranges(monkeypatch)
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    for dataset in ({"table": "t", "ordered": False}, {"table": "t", "key": "code"}):
        config = ProjectConfig.model_validate({
            "name": "p", "institution": "I", "organization": "O", "j_date": "2027-03-01",
            "source": {"kind": "sqlite", "path": "legacy.sqlite", "datasets": {"d": dataset}}})
        snapshot = receive_snapshot(Project(tmp_path, config), Workspace("p", home=tmp_path / "ws"), chunk_rows=3).snapshot
        assert snapshot.dataset("d").rows == 40
    assert seen == []


def test_key_ranges_cover_the_span_and_stay_bounded_whatever_the_keys():
    from stx_migrate.connectors.sources.key_ranges import MAX_RANGES, MIN_ROWS, RANGE_ROWS, split_key_range

    dense = split_key_range(1, 1_000_000)
    assert dense[0][0] == 1 and dense[-1][1] == 1_000_000 and len(dense) == 8
    assert all(b - a + 1 == RANGE_ROWS for a, b in dense[:-1]) and dense[-1][1] - dense[-1][0] + 1 < RANGE_ROWS
    assert all(prev[1] + 1 == nxt[0] for prev, nxt in zip(dense, dense[1:]))  # each range a row group of dense keys
    sparse = split_key_range(1, 10**12)  # keys with huge gaps: never more than MAX_RANGES statements
    assert len(sparse) == MAX_RANGES and sparse[-1][1] == 10**12
    assert all(prev[1] + 1 == nxt[0] for prev, nxt in zip(sparse, sparse[1:]))
    assert split_key_range(1, 10**12, rows=1000) is None        # wide keys, but the estimate says a small table
    assert split_key_range(1, MIN_ROWS - 1) is None and split_key_range("a", "z") is None


def test_key_ranges_find_the_key_span_without_scanning_the_table(tmp_path):
    """min() and max() in one statement make SQLite scan the whole table before the first row is read."""
    from stx_migrate.connectors.sources.sqlite_ranges import key_ranges

    conn = sqlite3.connect(tmp_path / "big.sqlite")
    conn.execute('CREATE TABLE "T" (id INTEGER PRIMARY KEY, name TEXT)')
    conn.executemany('INSERT INTO "T" VALUES (?, ?)', ((i, "x") for i in range(1, 600_001)))
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    ranges = key_ranges(conn, '"T"', '"id"')
    conn.set_trace_callback(None)
    assert ranges[0][0] == 1 and ranges[-1][1] == 600_000
    plans = [step[-1] for sql in statements for step in conn.execute("EXPLAIN QUERY PLAN " + sql)]
    assert plans and all(plan.startswith("SEARCH") for plan in plans), plans


@pytest.mark.parametrize("name", [HOSTILE, 'we"ird; col', "plain", "with space", "é", '""', "x]y`z"])
def test_names_are_quoted_as_sqlalchemys_sqlite_dialect_quotes_them(name):
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from stx_migrate.connectors.sources.sqlite import quote

    assert quote(name) == sqlite_dialect.dialect().identifier_preparer.quote_identifier(name)
