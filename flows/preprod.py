"""Flow ``import-preprod``: the pre-production import, then the customer's decision.

The run pauses with a form (:class:`CustomerDecision`) in the Prefect UI; the validator
resumes it there, or ``stx-migrate decide`` does (:func:`give_decision`). Wiring only:
the guards and the journal are in ``migration/procedure``.
"""
from __future__ import annotations

from pathlib import Path

from stx_migrate.tasks.orchestrator import flow, get_run_logger

from stx_migrate.migration.approvals import WHO, latest_approval, preprod_requirements, read_approvals
from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import (
    Decision, Event, customer_answer_guard, load_state, preprod_guard, read_deliverable_ref, record_decision,
)
from stx_migrate.migration.settings.project import load_project
from stx_migrate.tasks.logging import redact
from stx_migrate.tasks.procedure import (
    current_run_id, note_ticket, read_deliverable, record, record_customer_decision, refuse, workspace_of,
)

from .approvals import TITLES, ApprovalForm, find_paused_run, record_answer, wait_for_answer
from .run_names import run_name
from .steps import counts_text, import_step, import_summary, start_step



class CustomerDecision(ApprovalForm):
    """The form the customer's validator fills in the Prefect UI (Resume) or gives through `stx-migrate decide`."""


def setup_missing(project) -> list[str]:
    """What pre-production lacks that production holds (both emulated stores), else nothing to compare."""
    from stx_migrate.connectors.env_setup import compare_environments

    envs = project.config.environments
    if not all(e in envs and envs[e].kind == "sql" for e in ("preprod", "prod")):
        return []
    return compare_environments(project, "preprod", "prod")


def gate_sign_off(project, deliverable, auto: dict | None) -> bool:
    """Step 9: VN signs off the gate of this deliverable before pre-production (reused when given already).

    False: a plain run (no server to pause on) recorded that it waits; `decide --step gate` answers."""
    ws = workspace_of(project)
    latest = latest_approval(read_approvals(ws.procedure_dir), "gate", deliverable.protocol_hash, deliverable.deliverable_id)
    if latest is not None and latest.approved:
        return True
    answer, source = wait_for_answer(project, "gate", f"the quality gate of deliverable `{deliverable.deliverable_id}` "
                                     "passed (see the prepare-data run's gate artifact)", auto,
                                     deliverable_id=deliverable.deliverable_id, protocol_hash=deliverable.protocol_hash)
    if answer is None:
        return False
    approval = record_answer(project, "gate", answer, source, deliverable.protocol_hash, deliverable.snapshot_id,
                             deliverable.deliverable_id)
    if not approval.approved:
        refuse(project, "import-preprod", [f"{WHO['gate']} refused by {approval.by}"
                                           + (f": {approval.comment}" if approval.comment else "")])
    return True


# -- import-preprod: import, then the customer's decision ------------------------------------

@flow(name="import-preprod", flow_run_name=run_name("import-preprod"))
def import_preprod(project_dir: str, deliverable_id: str | None = None,
                   auto_decision: dict | None = None) -> dict:
    """Import the deliverable (latest when None) into pre-production, then wait for the customer.

    The run pauses with a form (:class:`CustomerDecision`) until the validator resumes it
    in the UI or `stx-migrate decide` does; ``project.yaml › validation › timeout_hours``
    bounds the wait. ``auto_decision`` (``{"approved", "by", "comment"}``) skips the wait:
    only the demo uses it, and says so. Returns the decision as a dict, plus ``import_folder``
    (the pre-production import run folder).
    """
    project = start_step(project_dir, "import-preprod")
    log = get_run_logger()
    deliverable = read_deliverable(project, deliverable_id)
    procedure_dir = workspace_of(project).procedure_dir
    state = load_state(procedure_dir)
    done = state.import_event("preprod", deliverable.deliverable_id)
    reasons = preprod_guard(deliverable, state) or ([] if done else preprod_requirements(
        state, deliverable, setup_missing(project)))
    if reasons:
        refuse(project, "import-preprod", reasons)
    if not done and not gate_sign_off(project, deliverable, auto_decision):
        return {"deliverable_id": deliverable.deliverable_id, "verdict": "waiting", "import_folder": None}
    if done:
        log.info("deliverable %s is already in pre-production: not imported again", deliverable.deliverable_id)
        folder = done.run_folder
    else:
        folder = import_step(project, "preprod", deliverable.deliverable_id)
        counts = import_summary(folder)
        record(project, Event(kind="import", env="preprod", deliverable_id=deliverable.deliverable_id,
                              protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
                              run_folder=str(folder), flow_run_id=current_run_id(),
                              detail=counts_text(counts)))
        note_ticket(project, f"pre-production import of deliverable {deliverable.deliverable_id} done "
                             f"({counts_text(counts)}); waiting for the customer's validation")
    run_id = current_run_id()
    answer, source = wait_for_answer(
        project, "customer", f"deliverable `{deliverable.deliverable_id}` is in pre-production "
        f"(import: {counts_text(import_summary(Path(folder))) if folder else 'no summary'}); the validator "
        f"({project.config.validation.validator or 'the customer'}) checks it there", auto_decision,
        project.config.validation.timeout_hours,
        deliverable.deliverable_id, deliverable.protocol_hash)
    if answer is None:  # a plain run (no server to pause on): `stx-migrate decide` records the answer
        return {"deliverable_id": deliverable.deliverable_id, "verdict": "waiting",
                "import_folder": str(folder) if folder else None}
    # a reset of pre-production while the run waited voids the question: the answer (from the UI) records nothing
    void = customer_answer_guard(load_state(procedure_dir), deliverable.deliverable_id, run_id)
    if void:
        refuse(project, "import-preprod", void)
    decision = record_customer_decision(project, deliverable, answer.approved, answer.by, answer.comment, source, run_id)
    log.info("customer decision on %s: %s", deliverable.deliverable_id, decision.verdict)
    return {**decision.model_dump(mode="json"), "import_folder": str(folder) if folder else None}


# -- the customer's decision from outside the UI ----------------------------------------------

def find_paused_preprod_run(project_name: str):
    """The paused ``import-preprod`` run of this project (latest), or None; found by tag and state."""
    return find_paused_run("import-preprod", project_name)


def give_decision(project_dir: str, approved: bool, by: str, comment: str = ""):
    """Record the customer's decision and resume the paused ``import-preprod`` run if there is one.

    The decision is about the deliverable the paused run waits on, else the latest one
    imported into pre-production (GuardRefused when there is none). It is recorded first,
    so it is kept even if resuming fails; the resumed run sees it and does not record it twice.
    Returns ``(decision, resumed_run_id or None)``.
    """
    project = load_project(Path(project_dir))
    ws = workspace_of(project)
    state = load_state(ws.procedure_dir)
    paused = find_paused_preprod_run(project.config.name)
    deliverable_id = None
    if paused is not None:
        asked = [e for e in state.events if e.kind == "decision-requested" and e.flow_run_id == str(paused.id)]
        if asked and asked[-1].detail:
            raise GuardRefused(f"the paused import-preprod run waits for {TITLES[asked[-1].detail]} first "
                               f"(stx-migrate decide --step {asked[-1].detail} …)")
        deliverable_id = asked[-1].deliverable_id if asked else paused.parameters.get("deliverable_id")
    if deliverable_id is None:
        imported = state.imported("preprod")
        if not imported:
            raise GuardRefused("nothing to decide on: no deliverable was imported into pre-production yet "
                               "(or since its last env reset)")
        deliverable_id = imported[-1]
    void = customer_answer_guard(state, deliverable_id, str(paused.id) if paused is not None else None)
    if void:   # reset since: nothing recorded, the paused run left as it is (its own answer would be refused too)
        raise GuardRefused(void)
    ref = read_deliverable_ref(ws.path("deliverables", deliverable_id))
    decision = record_decision(ws.procedure_dir, Decision(
        approved=approved, by=by, comment=comment, deliverable_id=ref.deliverable_id, protocol_hash=ref.protocol_hash,
        snapshot_id=ref.snapshot_id, flow_run_id=str(paused.id) if paused else None, source="cli"))
    if paused is not None:
        from prefect.flow_runs import resume_flow_run

        resume_flow_run(paused.id, run_input={"approved": approved, "by": by, "comment": comment}, _sync=True)
    else:  # no run to resume: the ticket hears it from here
        note_ticket(project, f"customer validation: {decision.verdict} by {by} on deliverable {deliverable_id} "
                             f"(protocol {ref.protocol_hash[:12]})" + (f": {redact(comment)}" if comment else ""))
    return decision, (str(paused.id) if paused else None)
