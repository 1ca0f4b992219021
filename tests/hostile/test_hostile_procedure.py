"""Unguarded paths of the procedure: a missing gate, files edited after their step, a second production run."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from stx_migrate.cli.main import main
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import (
    Decision, DeliverableRef, Event, load_state, production_guard, record_decision, record_event,
)
from stx_migrate.migration.procedure.guards import preprod_guard
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.snapshot import Snapshot

H = "c" * 64


def test_preprod_refuses_a_deliverable_whose_gate_never_ran(tmp_path):
    reasons = preprod_guard(DeliverableRef(deliverable_id="D1", protocol_hash=H, gate_passed=None), load_state(tmp_path))
    assert reasons == ["no quality gate result for deliverable D1 (no gate.json): run prepare again"]
    assert preprod_guard(DeliverableRef(deliverable_id="D1", protocol_hash=H, gate_passed=True), load_state(tmp_path)) == []


def test_a_second_production_import_needs_again(tmp_path):
    record_event(tmp_path, Event(kind="import", env="preprod", deliverable_id="D1", protocol_hash=H))
    record_decision(tmp_path, Decision(approved=True, by="Claire", deliverable_id="D1", protocol_hash=H))
    ref = DeliverableRef(deliverable_id="D2", protocol_hash=H, gate_passed=True)
    assert production_guard(load_state(tmp_path), ref) == []
    record_event(tmp_path, Event(kind="import", env="prod", deliverable_id="D2", protocol_hash=H))
    assert production_guard(load_state(tmp_path), ref) == [
        "production was already imported (deliverable D2); give --again to import once more"]
    assert production_guard(load_state(tmp_path), ref, again=True) == []


@pytest.fixture()
def prepared(tmp_path, workspace_home, prefect_api, capsys):
    """A demo project with a snapshot and a deliverable that passed its gate."""
    from stx_migrate.config.demo_data import materialise_demo_project
    from stx_migrate.deployments.demo import seed_demo_environments

    project = materialise_demo_project(tmp_path / "demo", rows=60)
    seed_demo_environments(project)
    receive_snapshot(load_project(project))
    assert main(["prepare", "--project", str(project)]) == 0
    deliverable = Path(capsys.readouterr().out.strip().splitlines()[-1])
    return project, deliverable


@pytest.mark.prefect
def test_an_edited_import_file_is_refused_naming_it(prepared, capsys):
    project, deliverable = prepared
    contacts = deliverable / "contacts.csv"
    contacts.write_bytes(contacts.read_bytes().replace(b"Martin", b"Martine", 1) + b"\r\n")
    # ADI approved the protocol (step 6): what stops the trial import is the edited file
    assert main(["decide", "--project", str(project), "--step", "transformations", "--approve", "--by", "ADI"]) == 0
    capsys.readouterr()
    assert main(["import", "--project", str(project), "--env", "dev", "--deliverable", deliverable.name]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"deliverable {deliverable.name}: contacts.csv changed since prepare wrote it" in err


@pytest.mark.prefect
def test_an_edited_snapshot_is_refused_naming_the_parquet_file(prepared, capsys):
    project, _ = prepared
    snapshot_dir = sorted((prepared[1].parents[1] / "snapshots").iterdir())[-1]
    parquet = snapshot_dir / Snapshot(snapshot_dir).dataset("clients").file
    os.chmod(parquet, stat.S_IRUSR | stat.S_IWUSR)
    with open(parquet, "r+b") as f:   # one byte inside the data pages
        f.seek(200)
        byte = f.read(1)
        f.seek(200)
        f.write(bytes([byte[0] ^ 1]))
    assert main(["prepare", "--project", str(project)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"snapshot {snapshot_dir.name}: {parquet} changed since receive wrote it" in err
    with pytest.raises(GuardRefused):
        Snapshot(snapshot_dir).require_intact()


@pytest.mark.prefect
def test_preprod_refuses_a_deliverable_without_gate_json(prepared, capsys):
    project, deliverable = prepared
    (deliverable / "gate.json").unlink()
    assert main(["import", "--project", str(project), "--env", "preprod", "--deliverable", deliverable.name]) == 1
    err = capsys.readouterr().err
    assert "no quality gate result for deliverable" in err and "Traceback" not in err
    assert not (deliverable.parents[1] / "imports" / "preprod").exists() or \
        not any((deliverable.parents[1] / "imports" / "preprod").iterdir())


def _numbers_in(project: Path, env: str, deliverable: Path, tmp_path: Path) -> tuple[Path, int]:
    """Import the deliverable into ``env`` and write a file naming its contact numbers."""
    from stx_migrate.connectors.environments import open_environment
    from stx_migrate.migration.deliverable import open_deliverable

    contacts = open_deliverable(deliverable).contacts()
    open_environment(load_project(project), env).import_contacts(contacts, run_id=f"seed-{env}", deliverable_id=deliverable.name)
    numbers = sorted(set(contacts["CONTACT_NR"]) - {""})[:5]
    path = tmp_path / f"numbers-{env}.txt"
    path.write_text("\n".join(numbers) + "\n", encoding="utf-8")
    return path, len(numbers)


def _services(project: Path) -> list[Event]:
    from stx_migrate.migration.workspace import Workspace

    return [e for e in load_state(Workspace(load_project(project).config.name).procedure_dir).events if e.kind == "service"]


@pytest.mark.prefect
def test_destructive_services_on_production_need_the_guards_and_the_count(prepared, tmp_path, capsys):
    project, deliverable = prepared
    # pre-production is not production: a delete runs without --confirm, and is recorded with who and when
    file, n = _numbers_in(project, "preprod", deliverable, tmp_path)
    assert main(["service", "delete", "--project", str(project), "--env", "preprod", "--file", str(file), "--by", "Alice"]) == 0
    summary = json.loads((Path(capsys.readouterr().out.strip().splitlines()[-1]) / "summary.json").read_text())
    assert n == 5 and summary["updated"] == n   # deleted contacts count as changed
    [event] = _services(project)
    assert event.env == "preprod" and "delete by Alice" in event.detail and event.at is not None

    file, n = _numbers_in(project, "prod", deliverable, tmp_path)
    for operation in ("delete", "anonymize", "inactivate"):
        assert main(["service", operation, "--project", str(project), "--env", "prod", "--file", str(file)]) == 1
        err = capsys.readouterr().err
        assert f"give --confirm {n}" in err and "has not approved protocol" in err and "Traceback" not in err
    # the production guards hold (approval on this protocol, its pre-production import): the count is still needed
    from stx_migrate.migration.procedure import read_deliverable_ref
    from stx_migrate.migration.workspace import Workspace

    ref = read_deliverable_ref(deliverable)
    procedure = Workspace(load_project(project).config.name).procedure_dir
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=ref.deliverable_id, protocol_hash=ref.protocol_hash))
    record_decision(procedure, Decision(approved=True, by="Claire", deliverable_id=ref.deliverable_id, protocol_hash=ref.protocol_hash))
    assert main(["service", "delete", "--project", str(project), "--env", "prod", "--file", str(file), "--confirm", str(n + 1)]) == 1
    assert f"--confirm {n + 1} does not match the {n} contact(s)" in capsys.readouterr().err
    assert main(["service", "delete", "--project", str(project), "--env", "prod", "--file", str(file),
                 "--confirm", str(n), "--by", "Bob"]) == 0
    capsys.readouterr()
    assert [e.env for e in _services(project)] == ["preprod", "prod"]
    assert f"delete by Bob: {n} contact(s) named" in _services(project)[-1].detail


@pytest.mark.prefect
@pytest.mark.parametrize("steps,what", [("[{truncate: 1}]", "changed"), ("[{constant: ''}]", "emptied")])
def test_a_protocol_that_guts_a_column_is_shown_and_warned(tmp_path, workspace_home, prefect_api, capsys, steps, what):
    from stx_migrate.config.demo_data import materialise_demo_project

    project = materialise_demo_project(tmp_path / "demo", rows=60)
    protocol = project / "protocol.yaml"
    protocol.write_text(protocol.read_text(encoding="utf-8").replace(
        "LASTNAME: {from: NOM, steps: [fold_whitespace]}", f"LASTNAME: {{from: NOM, steps: {steps}}}"), encoding="utf-8")
    receive_snapshot(load_project(project))
    main(["prepare", "--project", str(project)])
    captured = capsys.readouterr()
    deliverable = Path(captured.out.strip().splitlines()[-1])
    gate = json.loads((deliverable / "gate.json").read_text())
    [lastname] = [c for c in gate["columns"] if c["column"] == "LASTNAME"]
    assert lastname["source"] == "NOM" and lastname["source_filled"] > 0
    assert lastname[what] == lastname["source_filled"]      # every filled last name
    assert any(w.startswith(f"LASTNAME: the protocol {what} 100.0% of the") for w in gate["warnings"])
    assert "quality gate warning: LASTNAME" in captured.err
    assert "## Columns: what the protocol did" in (deliverable / "gate.md").read_text()
    [firstname] = [c for c in gate["columns"] if c["column"] == "FIRSTNAME"]
    assert firstname["changed"] < firstname["source_filled"] / 2 and not any(w.startswith("FIRSTNAME") for w in gate["warnings"])
