"""SQL Server and Oracle up to the wire (no server can run here: docs/sources.md, "Against a real SQL Server or Oracle").

What is checked: the SQL the real SQLAlchemy dialects compile (quoting of a hostile
name, the zero-row probe of a query, ordering by the key), the connection URL built
from the project's settings (driver defaults, password from a reference, masked in
descriptions), and the error when the server refuses the connection. The contract
suite (test_contract.py) runs against real servers when STX_TEST_MSSQL_URL /
STX_TEST_ORACLE_URL are set.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.errors import SourceUnavailable
from stx_migrate.migration.settings.source import DatasetSettings, SourceSettings
from servers import free_port

HOSTILE = 'x]"; DROP TABLE victim; --'
CANARY = "Wire-Canary-8841"


def _source(kind: str, url: str, monkeypatch, **datasets):
    monkeypatch.setenv("STX_WIRE_PW", CANARY)
    settings = SourceSettings.model_validate({"kind": kind, "url": url, "password": "${env:STX_WIRE_PW}",
                                              "datasets": datasets or {"d": {"table": "t"}}})
    return open_source(settings, Path("."))


MSSQL_T = '[x]]"; DROP TABLE victim; --]'
ORACLE_T = '"x]""; DROP TABLE victim; --"'


@pytest.mark.parametrize("kind, url, expected", [
    ("mssql", "mssql://sa@db.example:1433/crm",
     f"SELECT {MSSQL_T}.id, {MSSQL_T}.[na]]me], {MSSQL_T}.[Nom] FROM {MSSQL_T} ORDER BY {MSSQL_T}.id"),
    ("mssql", "mssql+pymssql://sa@db.example:1433/crm",
     f"SELECT {MSSQL_T}.id, {MSSQL_T}.[na]]me], {MSSQL_T}.[Nom] FROM {MSSQL_T} ORDER BY {MSSQL_T}.id"),
    ("oracle", "oracle://app@db.example:1521/?service_name=FREEPDB1",
     f'SELECT {ORACLE_T}.id, {ORACLE_T}."na]me", {ORACLE_T}."Nom" FROM {ORACLE_T} ORDER BY {ORACLE_T}.id'),
])
def test_table_select_is_quoted_by_the_real_dialect(kind, url, expected, monkeypatch):
    # names quoted when they need it (a lower-case plain name stays case-insensitive, as SQLAlchemy intends)
    source = _source(kind, url, monkeypatch)
    stmt = source.select_for(["id", "na]me", "Nom"], DatasetSettings(table=HOSTILE), key=["id"])
    assert " ".join(source.compile(stmt).split()) == expected


@pytest.mark.parametrize("kind, url, expected", [
    ("mssql", "mssql://sa@h/crm", "SELECT TOP 0 * FROM (SELECT nom FROM clients) stx_q"),
    ("oracle", "oracle://app@h:1521/?service_name=X", "SELECT * FROM (SELECT nom FROM clients) stx_q FETCH FIRST 0 ROWS ONLY"),
])
def test_query_probe_compiles_per_dialect(kind, url, expected, monkeypatch):
    source = _source(kind, url, monkeypatch)
    stmt = source.select_for(None, DatasetSettings(query="SELECT nom FROM clients")).limit(0)
    assert " ".join(source.compile(stmt).split()) == expected


def test_mssql_url_defaults_to_freetds_and_takes_the_password_from_the_reference(monkeypatch):
    source = _source("mssql", "mssql://sa@db.example:1433/crm", monkeypatch)
    url = source.engine_url()
    assert url.drivername == "mssql+pyodbc" and url.password == CANARY
    assert dict(url.query) == {"driver": "FreeTDS", "TDS_Version": "7.4"}
    assert CANARY not in str(source.description()) and CANARY in source.secrets


def test_oracle_url_uses_the_thin_driver(monkeypatch):
    url = _source("oracle", "oracle://app@db.example:1521/?service_name=FREEPDB1", monkeypatch).engine_url()
    assert url.drivername == "oracle+oracledb" and url.query["service_name"] == "FREEPDB1"


@pytest.mark.parametrize("kind, url, words", [
    ("mssql", "mssql://sa@127.0.0.1:{port}/crm", "mssql"),
    ("mssql", "mssql+pymssql://sa@127.0.0.1:{port}/crm", "mssql"),
    ("oracle", "oracle://app@127.0.0.1:{port}/?service_name=FREEPDB1", "DPY-6005"),
])
def test_a_refused_connection_is_retriable_and_names_the_server_not_the_password(kind, url, words, monkeypatch):
    source = _source(kind, url.format(port=free_port()), monkeypatch)
    with pytest.raises(SourceUnavailable) as error:
        source.connect()
    message = str(error.value)
    assert error.value.retriable and "cannot connect" in message and "127.0.0.1" in message and words in message
    assert CANARY not in message and CANARY not in repr(error.value.__cause__)
