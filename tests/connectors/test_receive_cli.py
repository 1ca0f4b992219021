"""``stx-migrate receive`` end to end: the real flow against the Prefect test API."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from stx_migrate.cli.main import main

pytestmark = pytest.mark.prefect


def _demo_like_project(project_factory) -> Path:
    folder = project_factory({
        "kind": "csv",
        "datasets": {"clients": {"file": "clients.csv"}},
    }, name="theatre-test")
    text = "NUM;NOM;PRENOM;NAISSANCE\r\n1;Dupont;Zoë;12/03/1980\r\n2;\"Le\r\nGall\";Œdipe;\r\n"
    (folder / "clients.csv").write_bytes(text.encode("cp1252"))
    return folder


def test_receive_prints_the_snapshot_folder_and_writes_the_manifest(project_factory, workspace_home, prefect_api, capsys):
    folder = _demo_like_project(project_factory)
    code = main(["receive", "--project", str(folder)])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    snapshot = Path(out[-1])
    assert snapshot.parent == workspace_home / "theatre-test" / "snapshots"
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert manifest["datasets"]["clients"]["rows"] == 2
    assert manifest["datasets"]["clients"]["columns"] == ["NUM", "NOM", "PRENOM", "NAISSANCE"]
    assert manifest["datasets"]["clients"]["encoding"] == "cp1252"
    assert len(manifest["datasets"]["clients"]["sha256"]) == 64
    profile = json.loads((snapshot / "profile.json").read_text())
    assert profile["clients"]["columns"][3]["top_patterns"][0]["pattern"] == "99/99/9999"
    _check_the_run_in_prefect(snapshot.name)


def _check_the_run_in_prefect(snapshot_id: str) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs() if r.name == "theatre-test-receive"]
        assert runs and all({"vn", "theatre-test"} <= set(r.tags) for r in runs)
        assert client.read_flow(runs[0].flow_id).name == "receive-data"
        profile = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["theatre-test-receive-profile"])))
        manifest = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["theatre-test-receive-snapshot"])))
    assert profile and profile[0].type == "table" and manifest and snapshot_id in str([m.data for m in manifest])
    table = str([a.data for a in profile])
    assert "99/99/9999" in table and "cp1252" in table
    for personal in ("Dupont", "Zoë", "Gall", "12/03/1980"):
        assert personal not in table


def test_a_second_receive_is_a_new_snapshot(project_factory, workspace_home, prefect_api, capsys):
    folder = _demo_like_project(project_factory)
    assert main(["receive", "--project", str(folder)]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["receive", "--project", str(folder)]) == 0
    second = capsys.readouterr().out.strip().splitlines()[-1]
    assert first != second
    a, b = (json.loads((Path(p) / "manifest.json").read_text()) for p in (first, second))
    assert a["content_sha256"] == b["content_sha256"]  # same data, same hash, two snapshots


def test_bad_input_exits_2_naming_file_row_and_leaves_no_snapshot(project_factory, workspace_home, prefect_api, capsys):
    folder = project_factory({"kind": "csv", "datasets": {"clients": {"file": "clients.csv"}}})
    (folder / "clients.csv").write_text("a;b\n1;2\n3;4;5\n", encoding="utf-8")
    code = main(["receive", "--project", str(folder)])
    captured = capsys.readouterr()
    assert code == 2
    assert "clients.csv" in captured.err and "row 2" in captured.err and "3 fields" in captured.err
    snapshots = workspace_home / "t-receive" / "snapshots"
    assert not snapshots.exists() or list(snapshots.iterdir()) == []


def test_unknown_table_names_the_object(project_factory, workspace_home, prefect_api, capsys, tmp_path):
    db = tmp_path / "legacy.sqlite"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE CLIENT (id INTEGER PRIMARY KEY, name TEXT)")
    folder = project_factory({"kind": "sqlite", "path": str(db), "datasets": {"clients": {"table": "CLIENTS"}}})
    code = main(["receive", "--project", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no table 'CLIENTS'" in err and "CLIENT" in err and "dataset clients" in err


def test_bad_project_file_exits_2(project_factory, workspace_home, capsys):
    folder = project_factory({"kind": "csv", "datasets": {"clients": {"table": "X"}}})
    assert main(["receive", "--project", str(folder)]) == 2
    assert "kind csv reads files" in capsys.readouterr().err


def test_a_value_in_an_error_is_withheld_from_prefect_but_kept_for_the_terminal():
    from stx_migrate.migration.errors import InputError
    from stx_migrate.migration.errors import public_error

    full = InputError("value does not fit the column's type int64", file="x.sqlite", dataset="clients", row=7,
                      column="CP", value="marie@example.org")
    public = public_error(full)
    assert "marie@example.org" not in str(public) and "row 7" in str(public) and "column CP" in str(public)
    assert public.detail is full and "marie@example.org" in str(public.detail)
    assert public.exit_code == 2
