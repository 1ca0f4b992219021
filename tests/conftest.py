"""Session fixtures shared by every test folder: real database servers on loopback."""
from __future__ import annotations

import pytest

from servers import start_mariadb, start_postgres


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for the whole session (started on first use)."""
    server, stop = start_postgres()
    try:
        yield server
    finally:
        stop()


@pytest.fixture(scope="session")
def mariadb_server():
    """A real MariaDB server for the whole session (started on first use)."""
    server, stop = start_mariadb()
    try:
        yield server
    finally:
        stop()


@pytest.fixture()
def workspace_home(tmp_path, monkeypatch):
    """An empty STX_MIGRATE_HOME for one test."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("STX_MIGRATE_HOME", str(home))
    return home
