"""The go-live procedure as Prefect flows: wiring only, the logic is in ``migration/procedure``.

Flows (stable names): ``import-preprod`` (import, then wait for the customer's decision
as a form in the UI; :mod:`.preprod`), ``refresh-j-1`` (:mod:`.refresh`),
``import-production`` and ``final-validation`` (:mod:`.production`), and here
``migration-procedure``, the parent that runs every step as a subflow:

    receive-data → prepare-data → import-dev → import-preprod (customer validation)
                 → refresh-j-1 → import-production → final-validation

Run names read ``<project>-<step>[-<env>]``; runs are tagged with the project and the
team (see ``migration/procedure/milestones.py``). Every step records what it did in the
procedure journal (``events.jsonl``), which is how a crashed procedure resumes without
redoing finished steps and how the guards know what happened. The deployments' entry
points name this file: every procedure flow is importable from here.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from stx_migrate.tasks.orchestrator import flow, get_run_logger

from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import Event, load_state
from stx_migrate.migration.procedure.milestones import run_time
from stx_migrate.migration.procedure.protocol_ref import project_protocol_hash
from stx_migrate.tasks.artifacts import artifact_key, publish_markdown
from stx_migrate.tasks.procedure import current_run_id, read_deliverable, record, workspace_of

from .approvals import approve_transformations
from .preprod import CustomerDecision, find_paused_preprod_run, give_decision, import_preprod
from .production import final_validation, import_production
from .refresh import refresh_j_1
from .run_names import run_name
from .steps import import_step, prepare_step, receive_step, start_step, target_env

__all__ = ["CustomerDecision", "find_paused_preprod_run", "give_decision", "import_preprod", "refresh_j_1",
           "import_production", "final_validation", "migration_procedure"]


def _wait_until(due: datetime, what: str) -> None:
    now = datetime.now(timezone.utc)
    if due > now:
        get_run_logger().info("waiting until %s for %s", due.isoformat(timespec="minutes"), what)
        time.sleep((due - now).total_seconds())


@flow(name="migration-procedure", flow_run_name=run_name("migration-procedure"))
def migration_procedure(project_dir: str, auto_decision: dict | None = None, wait_for_dates: bool = False) -> dict:
    """Every step in order, as subflows; a re-run resumes after the last finished step.

    What is finished is read from the procedure journal (events after the last
    closing): the snapshot, the deliverable (if prepared with the current protocol),
    the dev and pre-production imports and the decision are reused, not redone. A
    rejected validation stops the procedure (GuardRefused) before the refresh; after the
    protocol is fixed, a re-run prepares the same snapshot again and asks the customer anew. ``wait_for_dates`` waits for J-1 and J before the
    refresh and production (their scheduled time, see ``migration/procedure/milestones.py``); without it they run at once (demo, rehearsal).
    """
    project = start_step(project_dir, "migration-procedure")
    log = get_run_logger()
    pdir = str(project.folder)
    procedure_dir = workspace_of(project).procedure_dir

    def cycle():
        return load_state(procedure_dir).current_cycle()

    done: list[str] = []
    state = cycle()
    received = state.last("receive", detail="")
    if received:
        snapshot_id = received.snapshot_id
        done.append("receive-data")
    else:
        snapshot_id = receive_step(project)
        record(project, Event(kind="receive", snapshot_id=snapshot_id, flow_run_id=current_run_id()))

    # a deliverable is reused only if it was prepared with the protocol as it is now: after a
    # rejection the protocol is fixed, and the same snapshot is prepared again
    current_hash = project_protocol_hash(project)
    prepared = cycle().last("prepare", snapshot_id=snapshot_id, detail="", protocol_hash=current_hash)
    if prepared:
        deliverable_id = prepared.deliverable_id
        done.append("prepare-data")
    else:
        deliverable_id = prepare_step(project, snapshot_id, target_env(project))
        ref = read_deliverable(project, deliverable_id)
        record(project, Event(kind="prepare", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                              protocol_hash=ref.protocol_hash, flow_run_id=current_run_id()))
        record(project, Event(kind="gate", ok=ref.gate_passed is not False, deliverable_id=deliverable_id))

    if cycle().last("import", env="dev", deliverable_id=deliverable_id):
        done.append("import-dev")
    else:   # ADI approves the planned transformations first (step 6); import-dev records itself
        approval = approve_transformations(pdir, auto_decision=auto_decision)
        if approval.get("verdict") == "waiting":   # a plain run: `decide --step transformations` answers
            return {"deliverable_id": deliverable_id, "decision": approval, "reused": done}
        import_step(project, "dev", deliverable_id)

    decisions = [d for d in load_state(procedure_dir).decisions if d.deliverable_id == deliverable_id]
    if decisions:
        decision = decisions[-1].model_dump(mode="json")
        done.append("import-preprod")
    else:
        decision = import_preprod(pdir, deliverable_id, auto_decision=auto_decision)
    if decision.get("verdict") == "waiting":  # a plain run: the procedure goes on once `decide` has recorded it
        return {"deliverable_id": deliverable_id, "decision": decision, "reused": done}
    if not decision["approved"]:
        raise GuardRefused([f"the customer rejected deliverable {deliverable_id} ({decision['by']}): "
                            "fix the protocol, prepare again and run the procedure again"])

    refreshed = cycle().last("refresh")
    if refreshed and refreshed.at >= datetime.fromisoformat(str(decision["at"])):
        refresh_deliverable = refreshed.deliverable_id
        done.append("refresh-j-1")
    else:
        if wait_for_dates:
            _wait_until(run_time(project.config.j_date, 1), "the J-1 refresh")
        refresh_deliverable = refresh_j_1(pdir)["deliverable_id"]

    if cycle().last("import", env="prod", deliverable_id=refresh_deliverable):
        done.append("import-production")
        production = None
    else:
        if wait_for_dates:
            _wait_until(run_time(project.config.j_date, 0), "the production import")
        production = import_production(pdir, refresh_deliverable)

    final_validation(pdir)
    if done:
        log.info("resumed: %s were already done and not run again", ", ".join(done))
    publish_markdown(artifact_key(project.config.name, "migration-procedure", "overview"),
                     "# Migration procedure\n\n" + "\n".join(
                         f"* {step}: {'reused (already done)' if step in done else 'ran'}" for step in
                         ("receive-data", "prepare-data", "import-dev", "import-preprod", "refresh-j-1",
                          "import-production")) + "\n* final-validation: ran", "procedure overview")
    return {"snapshot_id": snapshot_id, "deliverable_id": deliverable_id, "refresh_deliverable_id": refresh_deliverable,
            "decision": decision, "production": production, "reused": done}
