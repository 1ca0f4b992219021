"""``stx-migrate check`` and ``stx-migrate prepare`` in-process, prepare against the Prefect test API."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from stx_migrate.cli.main import main
from stx_migrate.migration.secutix_file import read_secutix_file


def test_check_without_snapshot_compiles_against_the_source_columns(demo_project, capsys):
    code = main(["check", "--project", str(demo_project)])
    out = capsys.readouterr().out
    assert code == 0
    assert "the source's columns (no snapshot yet" in out and "stx-migrate receive" in out


def test_check_without_snapshot_still_names_an_unknown_source_column(demo_project, capsys):
    protocol = yaml.safe_load((demo_project / "protocol.yaml").read_text())
    protocol["columns"]["LASTNAME"]["from"] = "NOM_INCONNU"
    (demo_project / "protocol.yaml").write_text(yaml.safe_dump(protocol, allow_unicode=True))
    assert main(["check", "--project", str(demo_project)]) == 2
    assert "columns › LASTNAME › from: unknown column 'NOM_INCONNU'" in capsys.readouterr().err


def test_check_compiles_against_the_latest_snapshot(demo_project, demo_snapshot, capsys):
    code = main(["check", "--project", str(demo_project)])
    out = capsys.readouterr().out
    assert code == 0
    assert demo_snapshot.id in out and "protocol hash" in out


def test_check_names_the_file_path_and_allowed_values(demo_project, demo_snapshot, capsys):
    protocol = yaml.safe_load((demo_project / "protocol.yaml").read_text())
    protocol["columns"]["TITLE"]["steps"][0] = {"map_value": {"values": {"M.": "MR"}}}
    protocol["columns"]["TOWN"]["from"] = "VILE"
    protocol["columns"]["LASTNAME"]["steps"] = [{"case": "shout"}]
    (demo_project / "protocol.yaml").write_text(yaml.safe_dump(protocol, allow_unicode=True))
    code = main(["check", "--project", str(demo_project)])
    err = capsys.readouterr().err
    assert code == 2
    assert "protocol.yaml › columns › TITLE › steps › 0: unknown operation 'map_value' (allowed: " in err and "map_values" in err
    assert "protocol.yaml › columns › TOWN › from: unknown column 'VILE' (allowed: " in err and "VILLE" in err
    assert "columns › LASTNAME › steps › 0 › case › mode" in err and "'upper', 'lower' or 'title'" in err


@pytest.mark.prefect
def test_prepare_prints_the_deliverable_and_passes_the_gate(demo_project, demo_snapshot, workspace_home, prefect_api, capsys):
    code = main(["prepare", "--project", str(demo_project)])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    folder = Path(out[-1])
    assert folder.parent == workspace_home / "demo-theatre" / "deliverables"
    gate = json.loads((folder / "gate.json").read_text())
    assert gate["passed"] is True and gate["snapshot_id"] == demo_snapshot.id
    assert (folder / "gate.md").read_text().startswith("# Quality gate: PASSED")
    assert json.loads((folder / "summary.json").read_text())["rows_in"] == 600


def _prepare_runs():
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["prepare-data"])))


def _artifacts_of(run_id):
    """The run's own keyed artifacts, asked by run: a plain listing stops at the API's page size."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return [a for a in found if a.key]


@pytest.mark.prefect
def test_a_refused_gate_exits_1_prints_the_folder_fails_the_run_and_publishes_counts_only(
        demo_project, demo_snapshot, workspace_home, prefect_api, capsys):
    project = yaml.safe_load((demo_project / "project.yaml").read_text())
    project["gate"]["min_fill_rate"] = {"EMAIL1": 0.99}
    (demo_project / "project.yaml").write_text(yaml.safe_dump(project, allow_unicode=True))
    code = main(["prepare", "--project", str(demo_project), "--snapshot", demo_snapshot.id])
    captured = capsys.readouterr()
    assert code == 1
    folder = Path(captured.out.strip().splitlines()[-1])
    assert folder.parent == workspace_home / "demo-theatre" / "deliverables"
    gate = json.loads((folder / "gate.json").read_text())
    assert gate["passed"] is False and any(r.startswith("fill rate EMAIL1") for r in gate["reasons"])
    assert "quality gate refused: fill rate EMAIL1" in captured.err
    assert (folder / "contacts.csv").exists()     # kept for review, never changed by the gate
    run = next(r for r in _prepare_runs() if r.parameters.get("project_dir") == str(demo_project.resolve()))
    assert run.state.is_failed() and "fill rate EMAIL1" in (run.state.message or "")
    assert run.name == "demo-theatre-prepare" and set(run.tags) >= {"vn", "demo-theatre"}
    mine = _artifacts_of(run.id)
    assert {a.key for a in mine} >= {"demo-theatre-prepare-summary", "demo-theatre-prepare-rejects", "demo-theatre-prepare-gate"}
    text = json.dumps([a.data for a in mine], ensure_ascii=False)
    contacts = read_secutix_file(folder / "contacts.csv").frame
    personal = set(contacts["EMAIL1"]) | set(contacts["TELEPHONE"]) | set(contacts["LASTNAME"])
    assert not [v for v in personal - {""} if v in text]


def test_prepare_without_snapshot_or_with_an_unknown_one_exits_2_before_any_flow(demo_project, capsys):
    assert main(["prepare", "--project", str(demo_project)]) == 2
    assert "no snapshot of project demo-theatre yet" in capsys.readouterr().err
    assert main(["prepare", "--project", str(demo_project), "--snapshot", "20990101T000000000Z-abcdef"]) == 2
    assert "no snapshots 20990101T000000000Z-abcdef in " in capsys.readouterr().err
