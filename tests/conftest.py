"""Session fixtures shared by every test folder: real database servers on loopback."""
from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile

# Prefect reads its settings at import: keep tests off ~/.prefect and off any real server.
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="stx-prefect-home.")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], True)     # no litter in /tmp after a run
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

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


@pytest.fixture(autouse=True)
def _plain_runs_end_with_their_test():
    """A command run plainly in the test's own process (``STX_MIGRATE_RUNS=plain``, or no server found)
    turns every flow of the process into a plain call, and the flow modules it imports first are built
    plain (no Prefect: plain calls, forms without Prefect's base). Both are undone after the test, so
    that a later test's flows run on Prefect whatever order the tests run in."""
    before = set(sys.modules)
    yield
    from stx_migrate.tasks.plain import is_plain

    if is_plain():
        from stx_migrate.deployments.run_mode import end_plain_runs

        end_plain_runs()
        for name in [n for n in sys.modules if n.startswith("stx_migrate.") and n not in before]:
            del sys.modules[name]       # imported afresh, with Prefect, by the next test that needs it


@pytest.fixture()
def workspace_home(tmp_path, monkeypatch):
    """An empty STX_MIGRATE_HOME for one test."""
    home = tmp_path / "workspace"
    monkeypatch.setenv("STX_MIGRATE_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def prefect_api():
    """A real Prefect API (temporary server + database) for the whole session, started on first use.

    Flows and CLI commands called in-process inside a test that uses this fixture talk to it.
    """
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture()
def info_logs_to_the_api():
    """INFO lines of runs reach the API (the session keeps Prefect at WARNING): for tests searching what a run logs."""
    loggers = [logging.getLogger(n) for n in ("prefect", "prefect.flow_runs", "prefect.task_runs", "stx_migrate")]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.INFO)
    yield
    for lg, level in zip(loggers, before):
        lg.setLevel(level)
