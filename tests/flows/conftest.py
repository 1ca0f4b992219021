"""Fixtures of the procedure tests: the bundled demo project in a temporary folder."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# the paused import-preprod run checks for its input every second, not every 10 s
os.environ.setdefault("STX_MIGRATE_PAUSE_POLL_SECONDS", "1")


@pytest.fixture()
def demo_project(tmp_path, workspace_home) -> Path:
    """A fresh copy of the demo project (generated legacy source, SQLite environments set up like SecuTix)."""
    from stx_migrate.config.demo_data import materialise_demo_project
    from stx_migrate.deployments.demo import seed_demo_environments

    project = materialise_demo_project(tmp_path / "project", rows=300)
    seed_demo_environments(project)
    return project


@pytest.fixture()
def helpdesk(monkeypatch):
    """A local Kayako Classic that verifies every signature (tests/kayako_classic_server.py); its URL."""
    from kayako_classic_server import API_KEY, SECRET_KEY, start_kayako_classic

    monkeypatch.setenv("STX_TEST_KAYAKO_API", API_KEY)
    monkeypatch.setenv("STX_TEST_KAYAKO_SECRET", SECRET_KEY)
    url, stop = start_kayako_classic()
    yield url
    stop()
