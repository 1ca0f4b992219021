"""Guards as the flows and the CLI apply them: refusals are exit 1 and Failed states with the reasons."""
from __future__ import annotations

import json
import threading
import time

import pytest
from prefect.client.schemas.sorting import ArtifactSort
from flow_helpers import make_deliverable

from stx_migrate.cli.main import main
from stx_migrate.migration.procedure import Event, load_state, record_event
from stx_migrate.migration.procedure.protocol_ref import protocol_file_hash
from stx_migrate.migration.workspace import Workspace

DEL1 = "20270201T000000000Z-d00001"


def last_line(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_production_refused_without_approval(prefect_api, demo_project, workspace_home, capsys):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from stx_migrate.flows.procedure import import_production

    h = protocol_file_hash(demo_project / "protocol.yaml")
    make_deliverable(workspace_home, "demo-theatre", DEL1, h)
    project_file = demo_project / "project.yaml"
    project_file.write_text(project_file.read_text().replace("j_date: 2027-03-01", "j_date: 2026-01-05"))
    assert main(["production", "--project", str(demo_project)]) == 1
    err = capsys.readouterr().err
    assert "not approved" in err and "pre-production" in err
    state = import_production(str(demo_project), DEL1, return_state=True)
    assert state.is_failed() and "not approved" in state.message
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["import-production"])))
    assert runs and all(r.name == "demo-theatre-import-production" for r in runs)
    assert {"demo-theatre", "adi"} <= set(runs[0].tags)
    with get_client(sync_client=True) as client:   # J is past: the step warned before it was refused
        # newest first: earlier tests leave "On time" artifacts under the same key (the default order is by id)
        late = [a for a in client.read_artifacts(sort=ArtifactSort.CREATED_DESC)
                if a.key == "demo-theatre-import-production-milestone"]
    assert late and "Late: import-production" in late[0].data and "2026-01-05" in late[0].data
    journal = (workspace_home / "demo-theatre" / "procedure" / "ticket.jsonl").read_text()
    assert "import-production refused" in journal
    assert load_state(Workspace("demo-theatre").procedure_dir).imported("prod") == []


def test_changed_protocol_refused_at_j_1(prefect_api, demo_project, workspace_home, capsys):
    procedure = Workspace("demo-theatre").procedure_dir
    validated = protocol_file_hash(demo_project / "protocol.yaml")
    from stx_migrate.migration.procedure import Decision, record_decision

    record_decision(procedure, Decision(approved=True, by="Claire", deliverable_id=DEL1, protocol_hash=validated))
    protocol = demo_project / "protocol.yaml"
    protocol.write_text(protocol.read_text().replace('default: UNDEFINED', 'default: MR'))
    assert protocol_file_hash(protocol) != validated
    assert main(["refresh", "--project", str(demo_project)]) == 1
    err = capsys.readouterr().err
    assert "protocol changed since the customer's validation" in err and validated[:12] in err
    assert not (workspace_home / "demo-theatre" / "snapshots").exists()   # refused before any extraction


def test_decide_from_cli_resumes_the_paused_run(prefect_api, demo_project, workspace_home, capsys):
    from stx_migrate.flows.procedure import import_preprod

    h = protocol_file_hash(demo_project / "protocol.yaml")
    make_deliverable(workspace_home, "demo-theatre", DEL1, h)
    procedure = Workspace("demo-theatre").procedure_dir
    # the import itself already happened (a resumed run): the flow goes straight to the customer's decision
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=DEL1, protocol_hash=h))
    outcome = {}
    waiting = threading.Thread(target=lambda: outcome.update(state=import_preprod(str(demo_project), DEL1, return_state=True)))
    waiting.start()
    from stx_migrate.flows.procedure import find_paused_preprod_run

    deadline = time.monotonic() + 60
    while find_paused_preprod_run("demo-theatre") is None:
        assert time.monotonic() < deadline and waiting.is_alive(), "import-preprod never paused"
        time.sleep(0.5)
    # the UI's Resume form is built from the input schema stored with the paused run
    from prefect import get_client

    paused = find_paused_preprod_run("demo-theatre")
    with get_client(sync_client=True) as client:
        keyset = paused.state.state_details.run_input_keyset
        schema = client.read_flow_run_input(paused.id, keyset["schema"])
    assert {"approved", "by", "comment"} <= set(json.loads(schema)["properties"])
    assert paused.name == "demo-theatre-import-preprod" and {"demo-theatre", "adi"} <= set(paused.tags)
    code = main(["decide", "--project", str(demo_project), "--reject", "--by", "Claire Python", "--comment", "totals differ"])
    assert code == 0
    assert last_line(capsys) == str(procedure)
    waiting.join(60)
    state = outcome["state"]
    assert state.is_completed()
    assert state.result()["approved"] is False and state.result()["by"] == "Claire Python"
    decisions = load_state(procedure).decisions
    assert len(decisions) == 1                                # recorded once, by the CLI, not again by the flow
    d = decisions[0]
    assert (d.approved, d.protocol_hash, d.deliverable_id, d.comment, d.source) == (False, h, DEL1, "totals differ", "cli")
    assert d.snapshot_id == "20270101T000000000Z-aaaaaa" and d.flow_run_id
    # a rejected validation blocks production
    assert main(["production", "--project", str(demo_project), "--deliverable", DEL1]) == 1
    assert "rejected" in capsys.readouterr().err


def test_decide_without_paused_run_records_only(prefect_api, demo_project, workspace_home, capsys):
    assert main(["decide", "--project", str(demo_project), "--approve", "--by", "Claire"]) == 1   # nothing imported yet
    h = protocol_file_hash(demo_project / "protocol.yaml")
    make_deliverable(workspace_home, "demo-theatre", DEL1, h)
    procedure = Workspace("demo-theatre").procedure_dir
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=DEL1, protocol_hash=h))
    assert main(["decide", "--project", str(demo_project), "--approve", "--by", "Claire"]) == 0
    assert last_line(capsys) == str(procedure)
    assert [d.approved for d in load_state(procedure).decisions] == [True]
    assert main(["decide", "--project", str(demo_project), "--by", "Claire"]) == 2    # neither --approve nor --reject
