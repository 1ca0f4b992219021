"""The whole procedure on the demo sample, with the real steps of every engineer, against the harness API."""
from __future__ import annotations

import json
import sqlite3
import threading
import time

import pandas as pd
import pytest

from stx_migrate.cli.main import main
from stx_migrate.migration.approvals import read_approvals
from stx_migrate.migration.procedure import load_state
from stx_migrate.migration.workspace import Workspace
from api_reads import all_artifacts
from kayako_classic_server import KayakoClassic, with_kayako_classic

APPROVE = {"approved": True, "by": "Claire (test)", "comment": "ok"}
REJECT = {"approved": False, "by": "Claire (test)", "comment": "titles wrong"}


def change_the_source(project_dir):
    """What happens between J-7 and J-1: a migrated client edited, one deleted, a new one created."""
    from stx_migrate.migration.deliverable import Deliverable

    validated = Workspace("demo-theatre").resolve("deliverables", None)
    numbers = [int(n) for n in Deliverable(validated).contacts()["CONTACT_NR"].head(3)]
    db = sqlite3.connect(project_dir / "data" / "legacy.sqlite")
    db.execute("UPDATE CLIENT SET VILLE = 'Carouge' WHERE NUM_CLIENT = ?", (numbers[0],))
    db.execute("DELETE FROM CLIENT WHERE NUM_CLIENT = ?", (numbers[1],))
    cols = [r[1] for r in db.execute("PRAGMA table_info(CLIENT)")]
    row = dict(zip(cols, db.execute("SELECT * FROM CLIENT WHERE NUM_CLIENT = ?", (numbers[2],)).fetchone()))
    row.update(NUM_CLIENT=199001, NOM="Zufferey-Nouveau", PRENOM="Quentin", EMAIL="q.nouveau@example.org", TEL="")
    db.execute(f"INSERT INTO CLIENT ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])
    db.commit()
    db.close()


def flow_runs_named(prefix: str):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return [r for r in client.read_flow_runs(limit=200) if r.name.startswith(prefix)]


def wait_for_the_question(runner, step: str, seconds: float = 120) -> None:
    """Until a paused run of the procedure waits for ``step``'s answer ("" = the customer's)."""
    from stx_migrate.flows.approvals import find_paused_run

    flow_name = "approve-transformations" if step == "transformations" else "import-preprod"
    deadline = time.monotonic() + seconds
    while True:
        paused = find_paused_run(flow_name, "demo-theatre")
        asked = [e for e in load_state(Workspace("demo-theatre").procedure_dir).events
                 if paused is not None and e.kind == "decision-requested" and e.flow_run_id == str(paused.id)]
        if asked and asked[-1].detail == step:
            return
        assert time.monotonic() < deadline and runner.is_alive(), f"the procedure never waited for {step or 'the customer'}"
        time.sleep(0.5)


@pytest.mark.slow
def test_full_procedure_on_the_sample(prefect_api, demo_project, workspace_home, helpdesk, capsys):
    """run → pause for the customer → decide from the CLI → J-1 refresh with a diff → production → closed.

    The ticket is a Kayako Classic (a local server that checks every signature): it hears of every milestone."""
    with_kayako_classic(demo_project, helpdesk, leader="Léa Martin")
    outcome = {}
    runner = threading.Thread(target=lambda: outcome.update(code=main(["run", "--project", str(demo_project)])))
    runner.start()
    # ADI approves the planned transformations (step 6), VN signs off the gate (step 9), the customer validates
    wait_for_the_question(runner, "transformations")
    assert main(["decide", "--project", str(demo_project), "--step", "transformations", "--approve", "--by", "Ada ADI"]) == 0
    wait_for_the_question(runner, "gate")
    assert main(["decide", "--project", str(demo_project), "--step", "gate", "--approve", "--by", "Victor VN",
                 "--comment", "gate read"]) == 0
    wait_for_the_question(runner, "")
    change_the_source(demo_project)
    assert main(["decide", "--project", str(demo_project), "--approve", "--by", "Claire Rochat"]) == 0
    runner.join(180)
    assert outcome["code"] == 0
    procedure = Workspace("demo-theatre").procedure_dir
    assert capsys.readouterr().out.strip().splitlines()[-1] == str(procedure)

    state = load_state(procedure)
    kinds = [(e.kind, e.env) for e in state.events]
    for expected in [("receive", None), ("prepare", None), ("import", "dev"), ("import", "preprod"),
                     ("refresh", None), ("import", "prod"), ("closed", None)]:
        assert expected in kinds
    decision = state.decisions[-1]
    approvals = read_approvals(procedure)
    assert [(a.step, a.by, a.source, a.protocol_hash) for a in approvals] == [
        ("transformations", "Ada ADI", "cli", decision.protocol_hash), ("gate", "Victor VN", "cli", decision.protocol_hash)]
    assert approvals[1].deliverable_id == decision.deliverable_id and approvals[0].snapshot_id == decision.snapshot_id
    refresh = state.latest("refresh")
    assert decision.approved and refresh.protocol_hash == decision.protocol_hash
    assert refresh.deliverable_id != decision.deliverable_id          # a new extraction, the same protocol
    assert state.imported("prod") == [refresh.deliverable_id]

    diff = json.loads((workspace_home / "demo-theatre" / "refreshes" / Workspace("demo-theatre").latest("refreshes")
                       / "diff.json").read_text())
    assert (diff["counts"]["new"], diff["counts"]["vanished"]) == (1, 1), diff["counts"]
    assert diff["new"] == ["CONTACT_NR:199001"]
    assert any(cols == ["TOWN"] for cols in diff["changed"].values())
    production = Workspace("demo-theatre").resolve("production", None)
    not_imported = pd.read_csv(production / "not_imported.csv", dtype=str, keep_default_na=False)
    summary = json.loads((Workspace("demo-theatre").path("deliverables", refresh.deliverable_id) / "summary.json").read_text())
    assert (not_imported["stage"] == "prepare").sum() == summary["rejected"]
    assert (not_imported["stage"] == "dedup").sum() == summary["merged"] > 0
    report = json.loads((production / "production.json").read_text())
    assert report["deliverable_reasons"] == summary["reasons"]
    assert report["import"]["imported"] == summary["valid"] - (not_imported["stage"] == "import").sum() > 0
    ticket = [json.loads(line) for line in (procedure / "ticket.jsonl").read_text().splitlines()]
    assert [t["value"] for t in ticket if t["action"] == "status"] == ["final validation", "solved"]
    assert [t["value"] for t in ticket if t["action"] == "owner"] == ["demo-pl"]
    assert [t["value"] for t in ticket if t["action"] == "attachment"] == ["not_imported.csv", "report.xlsx", "gate.md"]
    # the Kayako Classic ticket heard of every milestone, in order (step 4 opened it; step 16 attached the files)
    validated, refreshed = decision.deliverable_id, refresh.deliverable_id
    sent = [(r["method"], r["e"], r["fields"]) for r in KayakoClassic.received if r["method"] != "GET"]
    said = [(method, e, fields.get("contents", "")) for method, e, fields in sent if e != "/Tickets/TicketAttachment"]
    expected = [("POST", "/Tickets/Ticket", "Data import ticket"), ("POST", "/Tickets/TicketNote", "data received (J-14 milestone)"),
                ("POST", "/Tickets/TicketNote", f"deliverable {validated} prepared: rows_in 300, "),
                ("POST", "/Tickets/TicketNote", "ADI approval of the planned transformations: approved by Ada ADI"),
                ("POST", "/Tickets/TicketNote", f"trial import of deliverable {validated} into dev done (rows_in 300, "),
                ("POST", "/Tickets/TicketNote", "VN sign-off of the quality gate: approved by Victor VN"),
                ("POST", "/Tickets/TicketNote", f"pre-production import of deliverable {validated} done (rows_in 300, "),
                ("POST", "/Tickets/TicketNote", f"customer validation: approved by Claire Rochat on deliverable {validated}"),
                ("POST", "/Tickets/TicketNote", "data received (J-1 refresh)"),
                ("POST", "/Tickets/TicketNote", f"deliverable {refreshed} prepared (J-1 refresh): rows_in 300, "),
                ("POST", "/Tickets/TicketNote", f"J-1 refresh: deliverable {refreshed}"),
                ("POST", "/Tickets/TicketPost", f"production import of deliverable {refreshed} done"),
                ("PUT", "/Tickets/Ticket/901", ""), ("PUT", "/Tickets/Ticket/901", ""),
                ("POST", "/Tickets/TicketNote", "final validation by demo-pl: migration closed"),
                ("PUT", "/Tickets/Ticket/901", "")]
    assert len(said) == len(expected)
    for (method, e, text), (want_method, want_e, start) in zip(said, expected):
        assert (method, e) == (want_method, want_e) and text.startswith(start), (method, e, text, start)
    assert all(text.endswith("quality gate passed") for _, _, text in said if " prepared" in text)
    attached = [fields["filename"] for _, e, fields in sent if e == "/Tickets/TicketAttachment"]
    assert attached == ["not_imported.csv", "report.xlsx", "gate.md"]
    assert [fields for _, e, fields in sent if e == "/Tickets/Ticket/901"] == [
        {"ticketstatusid": "5"}, {"ownerstaffid": "17"}, {"ticketstatusid": "3"}]
    names = {r.name for r in flow_runs_named("demo-theatre-")}
    assert {"demo-theatre-migration-procedure", "demo-theatre-receive", "demo-theatre-prepare",
            "demo-theatre-approve-transformations", "demo-theatre-import-dev", "demo-theatre-import-preprod",
            "demo-theatre-refresh-j-1", "demo-theatre-receive-j-1", "demo-theatre-prepare-j-1",
            "demo-theatre-import-production", "demo-theatre-final-validation"} <= names
    for run in flow_runs_named("demo-theatre-"):     # the same tags on every flow
        assert {"stx-migrate", "demo-theatre"} <= set(run.tags) and set(run.tags) & {"vn", "adi", "pl"}, (run.name, run.tags)
    from prefect import get_client

    with get_client(sync_client=True) as client:
        keys = {a.key for a in all_artifacts(client) if a.key}
    assert {"demo-theatre-refresh-j-1-diff", "demo-theatre-import-preprod-customer-decision", "demo-theatre-import-production-files",
            "demo-theatre-refresh-j-1-milestone"} <= keys


@pytest.mark.slow
def test_rejected_validation_blocks_production(prefect_api, demo_project, workspace_home, capsys):
    from stx_migrate.flows.procedure import migration_procedure

    state = migration_procedure(str(demo_project), return_state=True,
                                auto_decision={"transformations": APPROVE, "gate": APPROVE, "customer": REJECT})
    assert state.is_failed() and "rejected" in state.message
    assert main(["production", "--project", str(demo_project)]) == 1
    assert "rejected" in capsys.readouterr().err
    assert main(["refresh", "--project", str(demo_project)]) == 1
    procedure = Workspace("demo-theatre").procedure_dir
    assert load_state(procedure).imported("prod") == []
    assert len(Workspace("demo-theatre").ids("snapshots")) == 1        # the refusals extracted nothing
    # the protocol is fixed: the re-run prepares the same snapshot again and asks the customer anew
    protocol = demo_project / "protocol.yaml"
    protocol.write_text(protocol.read_text().replace("{default: fr}", "{default: de}"))
    # a new trial starts from fresh dev and preprod environments: the rejected trial's contacts hold the same
    # numbers, and an INSERT of a taken number is refused (an import that loads nothing fails)
    from stx_migrate.deployments.demo import seed_demo_environments

    for env in ("dev", "preprod"):
        (demo_project / "envs" / f"{env}.sqlite").unlink()
    seed_demo_environments(demo_project)
    result = migration_procedure(str(demo_project), auto_decision=APPROVE)
    assert result["reused"] == ["receive-data"] and result["decision"]["approved"]
    assert len(Workspace("demo-theatre").ids("deliverables")) == 3    # rejected, fixed, J-1
    assert load_state(procedure).imported("prod") == [result["refresh_deliverable_id"]]


@pytest.mark.slow
def test_crash_in_a_step_resumes_without_redoing_finished_steps(prefect_api, demo_project, workspace_home):
    from stx_migrate.flows.procedure import migration_procedure

    project_file = demo_project / "project.yaml"
    good = project_file.read_text()
    # the dev environment cannot be opened: import-dev crashes after receive and prepare finished
    (demo_project / "broken").write_text("not a folder")
    project_file.write_text(good.replace("sqlite:///envs/dev.sqlite", "sqlite:///broken/dev.sqlite"))
    crashed = migration_procedure(str(demo_project), auto_decision=APPROVE, return_state=True)
    assert crashed.is_failed()
    ws = Workspace("demo-theatre")
    snapshots, deliverables = ws.ids("snapshots"), ws.ids("deliverables")
    assert len(snapshots) == 1 and len(deliverables) == 1
    project_file.write_text(good)
    result = migration_procedure(str(demo_project), auto_decision=APPROVE)
    assert result["reused"] == ["receive-data", "prepare-data"]
    assert result["snapshot_id"] == snapshots[0] and result["deliverable_id"] == deliverables[0]
    assert len(ws.ids("snapshots")) == 2 and len(ws.ids("deliverables")) == 2   # + the J-1 extraction only
    assert load_state(ws.procedure_dir).closed
