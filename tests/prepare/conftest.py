"""Fixtures of the prepare tests: the bundled demo project, materialised small, and its snapshot."""
from __future__ import annotations

import pytest

from stx_migrate.config.demo_data import materialise_demo_project
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.settings import load_project


@pytest.fixture()
def demo_project(tmp_path, workspace_home):
    """The demo project (600 source rows) in a temporary folder, with an empty workspace."""
    return materialise_demo_project(tmp_path / "demo", rows=600)


@pytest.fixture()
def demo_snapshot(demo_project):
    """A snapshot of the demo project's source (read by the real receive step, no Prefect)."""
    return receive_snapshot(load_project(demo_project)).snapshot
