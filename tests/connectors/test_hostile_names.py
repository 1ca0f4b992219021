"""A table and a column named to inject SQL are read as names on every server kind, never run."""
from __future__ import annotations

import os

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

PG_TABLE = 'x"; DROP TABLE victim; --'
MY_TABLE = "x`; DROP TABLE victim; --"
COLUMN = "nom'); DELETE FROM victim; --"


@pytest.fixture(scope="module")
def pg_hostile(pg_server):
    import psycopg
    from psycopg import sql

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS victim")
        c.execute("CREATE TABLE victim (id int)")
        c.execute("INSERT INTO victim VALUES (1)")
        c.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(PG_TABLE)))
        c.execute(sql.SQL("CREATE TABLE {} (id int PRIMARY KEY, {} text)").format(sql.Identifier(PG_TABLE), sql.Identifier(COLUMN)))
        c.execute(sql.SQL("INSERT INTO {} VALUES (1, 'ok')").format(sql.Identifier(PG_TABLE)))
    return pg_server


@pytest.fixture(scope="module")
def mariadb_hostile(mariadb_server):
    import mysql.connector

    c = mysql.connector.connect(**mariadb_server.connect_kwargs())
    cur = c.cursor()
    quoted_table = "`" + MY_TABLE.replace("`", "``") + "`"
    cur.execute("DROP TABLE IF EXISTS victim")
    cur.execute("CREATE TABLE victim (id int)")
    cur.execute("INSERT INTO victim VALUES (1)")
    cur.execute(f"DROP TABLE IF EXISTS {quoted_table}")
    cur.execute(f"CREATE TABLE {quoted_table} (id int PRIMARY KEY, `{COLUMN}` text)")
    cur.execute(f"INSERT INTO {quoted_table} VALUES (1, 'ok')")
    c.commit()
    c.close()
    return mariadb_server


def _read(block: dict) -> list[dict]:
    with open_source(SourceSettings.model_validate(block), ".") as source:
        return pa.concat_tables(source.read("h")).to_pylist()


def _victim_rows_pg(server) -> int:
    import psycopg

    with psycopg.connect(**server.connect_kwargs()) as c:
        return c.execute("SELECT count(*) FROM victim").fetchone()[0]


def _victim_rows_my(server) -> int:
    import mysql.connector

    c = mysql.connector.connect(**server.connect_kwargs())
    cur = c.cursor()
    cur.execute("SELECT count(*) FROM victim")
    n = cur.fetchone()[0]
    c.close()
    return n


def test_postgresql_and_its_odbc_driver(pg_hostile):
    s = pg_hostile
    os.environ["STX_HOSTILE_PW"] = s.password
    for block in (
        {"kind": "postgresql", "url": f"postgresql://{s.user}:${{env:STX_HOSTILE_PW}}@{s.host}:{s.port}/{s.dbname}"},
        {"kind": "odbc", "url": f"DRIVER={{PostgreSQL Unicode}};SERVER={s.host};PORT={s.port};DATABASE={s.dbname};UID={s.user};PWD=${{env:STX_HOSTILE_PW}}"},
    ):
        assert _read({**block, "datasets": {"h": {"table": PG_TABLE}}}) == [{"id": 1, COLUMN: "ok"}]
    assert _victim_rows_pg(s) == 1


def test_mariadb_and_its_odbc_driver(mariadb_hostile):
    s = mariadb_hostile
    os.environ["STX_HOSTILE_PW"] = s.password
    for block in (
        {"kind": "mysql", "url": f"mysql://{s.user}:${{env:STX_HOSTILE_PW}}@{s.host}:{s.port}/{s.database}"},
        {"kind": "odbc", "url": f"DRIVER={{MariaDB Unicode}};SERVER={s.host};PORT={s.port};DATABASE={s.database};UID={s.user};PWD=${{env:STX_HOSTILE_PW}}"},
    ):
        assert _read({**block, "datasets": {"h": {"table": MY_TABLE}}}) == [{"id": 1, COLUMN: "ok"}]
    assert _victim_rows_my(s) == 1
