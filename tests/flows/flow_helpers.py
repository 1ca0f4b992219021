"""Helpers of the procedure tests (a module of its own: test files import it by name)."""
from __future__ import annotations

import json
from pathlib import Path


def make_deliverable(workspace_home: Path, project: str, deliverable_id: str, protocol_hash: str,
                     gate_passed: bool = True, snapshot_id: str = "20270101T000000000Z-aaaaaa") -> Path:
    """A deliverable folder as prepare writes it, reduced to what the guards read (manifest + gate)."""
    folder = workspace_home / project / "deliverables" / deliverable_id
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"snapshot_id": snapshot_id, "protocol_hash": protocol_hash}))
    (folder / "gate.json").write_text(json.dumps({"passed": gate_passed, "reasons": [] if gate_passed else ["reject rate 9% > 5%"]}))
    return folder
