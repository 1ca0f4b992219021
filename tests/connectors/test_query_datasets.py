"""Datasets given as SQL queries on the server kinds: columns and types from the driver's description."""
from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

from sources_setup import _mariadb_people, _pg_people


def _read(block: dict):
    with open_source(SourceSettings.model_validate(block), ".") as source:
        info = source.describe()["q"]
        return info, pa.concat_tables(source.read("q", 3)).to_pylist()


def test_mysql_query(mariadb_server):
    s = mariadb_server
    _mariadb_people(s)
    os.environ["STX_Q_PW"] = s.password
    info, rows = _read({"kind": "mysql", "url": f"mysql://{s.user}:${{env:STX_Q_PW}}@{s.host}:{s.port}/{s.database}",
                        "datasets": {"q": {"query": "SELECT id, upper(town) AS town_uc, born, amount * 2 AS twice, 1.5e0 AS f"
                                                    " FROM people WHERE id <= 5 ORDER BY id"}}})
    assert {f.name: str(f.type) for f in info.schema} == {
        "id": "int64", "town_uc": "string", "born": "date32[day]", "twice": "string", "f": "double"}
    assert info.origin == "query" and len(rows) == 5
    assert rows[0]["town_uc"] == "TOWN 01" and rows[4]["town_uc"] is None and rows[0]["born"] == dt.date(1951, 2, 2)
    assert rows[0]["twice"] == "14.02"  # a computed decimal, as the server writes it


def test_odbc_query(pg_server):
    s = pg_server
    _pg_people(s)
    os.environ["STX_Q_PW"] = s.password
    info, rows = _read({"kind": "odbc", "url": f"DRIVER={{PostgreSQL Unicode}};SERVER={s.host};PORT={s.port};DATABASE={s.dbname};UID={s.user}",
                        "password": "${env:STX_Q_PW}",
                        "datasets": {"q": {"query": "SELECT id, name || '!' AS shout FROM people WHERE id < 4 ORDER BY id"}}})
    assert {f.name: str(f.type) for f in info.schema} == {"id": "int64", "shout": "string"}
    assert [r["id"] for r in rows] == [1, 2, 3] and rows[1]["shout"] == "Œdipe Roi!"
