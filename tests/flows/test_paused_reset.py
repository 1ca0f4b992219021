"""A paused import-preprod run whose pre-production was reset while it waited for the customer.

`stx-migrate env reset --env preprod` withdraws the customer's decisions; a paused run asked
before the reset must not record one afterwards, whether the answer comes from `decide` or
from the UI's Resume form (resume_flow_run with the form's input, as the UI sends it).
"""
from __future__ import annotations

import threading
import time

from flow_helpers import make_deliverable

from stx_migrate.cli.main import main
from stx_migrate.migration.procedure import Event, load_state, read_decisions, record_event
from stx_migrate.migration.procedure.protocol_ref import protocol_file_hash
from stx_migrate.migration.workspace import Workspace

DEL1 = "20270201T000000000Z-d00001"
ANSWER = {"approved": True, "by": "Claire (UI)", "comment": "looks right"}


def pause_for_the_customer(demo_project, workspace_home):
    """An import-preprod run paused for the customer's decision on DEL1 (its import already journalled); (thread, outcome, run)."""
    from stx_migrate.flows.procedure import find_paused_preprod_run, import_preprod

    h = protocol_file_hash(demo_project / "protocol.yaml")
    make_deliverable(workspace_home, "demo-theatre", DEL1, h)
    record_event(Workspace("demo-theatre").procedure_dir, Event(kind="import", env="preprod", deliverable_id=DEL1,
                                                                 protocol_hash=h))
    outcome: dict = {}
    waiting = threading.Thread(target=lambda: outcome.update(state=import_preprod(str(demo_project), DEL1,
                                                                                  return_state=True)))
    waiting.start()
    deadline = time.monotonic() + 60
    while (paused := find_paused_preprod_run("demo-theatre")) is None:
        assert time.monotonic() < deadline and waiting.is_alive(), "import-preprod never paused"
        time.sleep(0.5)
    return waiting, outcome, paused


def reset_preprod(demo_project, capsys) -> None:
    assert main(["env", "reset", "--project", str(demo_project), "--env", "preprod", "--yes"]) == 0
    capsys.readouterr()


def run_state(run_id):
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state


def production_and_refresh_refused(demo_project, capsys) -> None:
    assert main(["production", "--project", str(demo_project), "--deliverable", DEL1]) == 1
    err = capsys.readouterr().err
    assert "no successful pre-production import" in err
    assert main(["refresh", "--project", str(demo_project)]) == 1
    assert "no customer validation yet" in capsys.readouterr().err


def test_decide_refuses_a_paused_run_whose_preprod_was_reset(prefect_api, demo_project, workspace_home, capsys):
    waiting, outcome, paused = pause_for_the_customer(demo_project, workspace_home)
    procedure = Workspace("demo-theatre").procedure_dir
    try:
        reset_preprod(demo_project, capsys)
        events_before = (procedure / "events.jsonl").read_text()
        assert main(["decide", "--project", str(demo_project), "--approve", "--by", "Claire"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("stx-migrate: ")
        assert f"deliverable {DEL1} is no longer in pre-production" in err[0] and "env reset" in err[0]
        assert read_decisions(procedure) == []                         # nothing recorded
        assert (procedure / "events.jsonl").read_text() == events_before
        time.sleep(2)                                                  # two polls of the paused run: still waiting
        assert run_state(paused.id).is_paused() and waiting.is_alive()
        production_and_refresh_refused(demo_project, capsys)
    finally:
        if waiting.is_alive():   # end the paused run (as the UI's Resume would) so the thread does not outlive the test
            from prefect.flow_runs import resume_flow_run

            resume_flow_run(paused.id, run_input=ANSWER, _sync=True)
            waiting.join(60)
    assert read_decisions(procedure) == []       # the stale run, resumed, records nothing either (next test)


def test_an_answer_in_the_ui_after_a_reset_records_no_decision(prefect_api, demo_project, workspace_home, capsys):
    from prefect.flow_runs import resume_flow_run

    waiting, outcome, paused = pause_for_the_customer(demo_project, workspace_home)
    procedure = Workspace("demo-theatre").procedure_dir
    reset_preprod(demo_project, capsys)
    resume_flow_run(paused.id, run_input=ANSWER, _sync=True)       # what the UI's Resume button sends
    waiting.join(60)
    assert not waiting.is_alive()
    state = outcome["state"]
    assert state.is_failed(), state
    assert f"deliverable {DEL1} is no longer in pre-production" in state.message and "env reset" in state.message
    assert len(state.message.splitlines()) == 1
    assert read_decisions(procedure) == []
    kinds = [e.kind for e in load_state(procedure).events]
    assert kinds[-1] == "env-reset" and kinds.count("decision-requested") == 1   # nothing after the reset
    ticket = (procedure / "ticket.jsonl").read_text()
    assert "customer validation: approved" not in ticket and "import-preprod refused" in ticket
    production_and_refresh_refused(demo_project, capsys)


def test_an_answer_in_the_ui_after_a_reset_and_a_new_import_still_records_nothing(prefect_api, demo_project,
                                                                                  workspace_home, capsys):
    """The deliverable is back in pre-production, imported anew after the reset: the stale run's form, filled
    in after that, still ends Failed; the new import's own run asks the customer again."""
    from prefect.flow_runs import resume_flow_run

    waiting, outcome, paused = pause_for_the_customer(demo_project, workspace_home)
    procedure = Workspace("demo-theatre").procedure_dir
    reset_preprod(demo_project, capsys)
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=DEL1,
                                  protocol_hash=protocol_file_hash(demo_project / "protocol.yaml")))
    # decide answers the paused run: refused the same way, nothing recorded
    assert main(["decide", "--project", str(demo_project), "--approve", "--by", "Claire"]) == 1
    assert "that question is void" in capsys.readouterr().err
    assert read_decisions(procedure) == [] and run_state(paused.id).is_paused()
    resume_flow_run(paused.id, run_input=ANSWER, _sync=True)
    waiting.join(60)
    state = outcome["state"]
    assert state.is_failed() and "that question is void" in state.message
    assert read_decisions(procedure) == []
    assert main(["production", "--project", str(demo_project), "--deliverable", DEL1]) == 1
    assert "has not approved" in capsys.readouterr().err
