"""Golden protocol cases: each folder holds an input, a protocol and the expected output, compared exactly.

A case folder: ``project.yaml`` (its source reads ``input/``), ``protocol.yaml``, optional
``reference.yaml``, and ``expected/`` with the files the deliverable must hold
byte for byte (``contacts.csv``, ``rejects.csv``, and ``duplicates.csv`` /
``summary.json`` where the case is about them). The case runs the real path:
receive (csv source) → snapshot → prepare_deliverable.

To write the expected files of a new case: ``STX_UPDATE_GOLDEN=1 pytest tests/golden``,
then read every line of them before committing.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.settings import load_project

HERE = Path(__file__).parent
CASES = sorted(p.name for p in HERE.iterdir() if (p / "protocol.yaml").is_file())
DEFAULT_EXPECTED = ("contacts.csv", "rejects.csv")


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case, tmp_path, workspace_home):
    folder = shutil.copytree(HERE / case, tmp_path / case, ignore=shutil.ignore_patterns("expected"))
    project = load_project(folder)
    snapshot = receive_snapshot(project).snapshot
    reference = load_reference(folder / "reference.yaml") if (folder / "reference.yaml").exists() else None
    deliverable = prepare_deliverable(project, snapshot.path, reference, [])
    expected = HERE / case / "expected"
    if os.environ.get("STX_UPDATE_GOLDEN"):
        expected.mkdir(exist_ok=True)
        names = {p.name for p in expected.iterdir()} | set(DEFAULT_EXPECTED)
        for name in names:
            shutil.copyfile(deliverable / name, expected / name)
    names = sorted(p.name for p in expected.iterdir())
    assert set(DEFAULT_EXPECTED) <= set(names)
    for name in names:
        got = (deliverable / name).read_bytes()
        want = (expected / name).read_bytes()
        assert got == want, f"{case}/{name} differs:\n--- got\n{got.decode('utf-8-sig')}\n--- expected\n{want.decode('utf-8-sig')}"
