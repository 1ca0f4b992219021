"""A deliverable whose xlsx import file is several parts is delivered whole: every part, then the manifest."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from delivery_helpers import make_deliverable, make_project

from stx_migrate.cli.main import main
from stx_migrate.migration import import_files
from stx_migrate.migration.delivery import read_ledger
from stx_migrate.migration.secutix_file import read_secutix_file
from stx_migrate.migration.workspace import Workspace

pytestmark = pytest.mark.prefect


def test_every_part_reaches_the_drop_in_order_before_the_manifest(tmp_path, workspace_home, prefect_api, capsys,
                                                                   monkeypatch):
    monkeypatch.setattr(import_files, "XLSX_MAX_CONTACTS", 2)   # the demo's 3 valid contacts: 2 parts
    project = make_project(tmp_path / "p", {"drop": {"kind": "file-drop", "path": "drop", "file": "xlsx"}})
    deliverable = make_deliverable(project)
    assert main(["import", "--project", str(project), "--env", "drop"]) == 0
    summary = json.loads((Path(capsys.readouterr().out.strip().splitlines()[-1]) / "summary.json").read_text())
    parts = [f"{deliverable.name}-contacts-001.xlsx", f"{deliverable.name}-contacts-002.xlsx"]
    (delivery,) = read_ledger(Workspace("loop").procedure_dir)
    assert [f.name for f in delivery.files] == [*parts, f"{deliverable.name}-manifest.json"]
    drop = project / "drop"
    assert {p.name for p in drop.iterdir() if not p.name.endswith(".sha256")} == {f.name for f in delivery.files}
    rows = [len(read_secutix_file(drop / name).frame) for name in parts]
    assert rows == [2, 1] and summary["handed_over"] == 3 and summary["dropped_files"] == parts
    manifest = json.loads((drop / f"{deliverable.name}-manifest.json").read_text())
    for name in parts:
        assert (drop / name).read_bytes() == (deliverable / name.removeprefix(f"{deliverable.name}-")).read_bytes()
        assert manifest["files"][name.removeprefix(f"{deliverable.name}-")] == next(
            f.sha256 for f in delivery.files if f.name == name)
