"""Fixtures of the procedure tests: the bundled demo project in a temporary folder."""
from __future__ import annotations

import json
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


def make_deliverable(workspace_home: Path, project: str, deliverable_id: str, protocol_hash: str,
                     gate_passed: bool = True, snapshot_id: str = "20270101T000000000Z-aaaaaa") -> Path:
    """A deliverable folder as prepare writes it, reduced to what the guards read (manifest + gate)."""
    folder = workspace_home / project / "deliverables" / deliverable_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"snapshot_id": snapshot_id, "protocol_hash": protocol_hash}))
    (folder / "gate.json").write_text(json.dumps({"passed": gate_passed, "reasons": [] if gate_passed else ["reject rate 9% > 5%"]}))
    return folder
