"""Flow ``import-preprod``: the pre-production import, then the customer's decision.

The run pauses with a form (:class:`CustomerDecision`) in the Prefect UI; the validator
resumes it there, or ``stx-migrate decide`` does (:func:`give_decision`). Wiring only:
the guards and the journal are in ``migration/procedure``.
"""
from __future__ import annotations

import os
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.flow_runs import pause_flow_run, resume_flow_run
from prefect.input import RunInput

from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import (
    Decision, Event, load_state, preprod_guard, read_deliverable_ref, record_decision,
)
from stx_migrate.migration.settings.project import load_project
from stx_migrate.tasks.artifacts import artifact_key, publish_markdown
from stx_migrate.tasks.procedure import (
    current_run_id, note_ticket, read_deliverable, record, record_customer_decision, refuse, workspace_of,
)

from .run_names import run_name
from .steps import counts_text, import_step, import_summary, start_step

PAUSE_POLL_SECONDS = float(os.environ.get("STX_MIGRATE_PAUSE_POLL_SECONDS", "10"))


class CustomerDecision(RunInput):
    """The form the customer's validator fills in the Prefect UI (Resume) or gives through `stx-migrate decide`."""

    approved: bool
    by: str
    comment: str = ""


# -- import-preprod: import, then the customer's decision ------------------------------------

@flow(name="import-preprod", flow_run_name=run_name("import-preprod", env="preprod"))
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
    reasons = preprod_guard(deliverable, state)
    if reasons:
        refuse(project, "import-preprod", reasons)
    done = state.import_event("preprod", deliverable.deliverable_id)
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
    record(project, Event(kind="decision-requested", deliverable_id=deliverable.deliverable_id,
                          protocol_hash=deliverable.protocol_hash, flow_run_id=run_id))
    if auto_decision is not None:
        log.warning("DEMO: the customer's decision is given automatically (%s by %s), not by a person",
                    "approved" if auto_decision.get("approved") else "rejected", auto_decision.get("by"))
        answer = CustomerDecision(**auto_decision)
        source = "demo"
    else:
        hours = project.config.validation.timeout_hours
        publish_markdown(artifact_key(project.config.name, "waiting-for-customer"),
                         f"# Waiting for the customer's validation\n\nDeliverable `{deliverable.deliverable_id}` is in "
                         f"pre-production. The validator ({project.config.validation.validator or 'the customer'}) "
                         "resumes this run with **Resume** (approved / rejected, name, comment), or runs\n\n"
                         f"    stx-migrate decide --project {project.folder} --approve|--reject --by NAME --comment TEXT\n\n"
                         f"The run waits {hours:g} hours at most.", "customer validation")
        log.info("waiting for the customer's decision on deliverable %s (run %s)", deliverable.deliverable_id, run_id)
        answer = pause_flow_run(wait_for_input=CustomerDecision.with_initial_data(
                                    description="The customer's validation of the pre-production import",
                                    by=project.config.validation.validator or ""),
                                timeout=int(hours * 3600), poll_interval=PAUSE_POLL_SECONDS)
        source = "ui"
    decision = record_customer_decision(project, deliverable, answer.approved, answer.by, answer.comment, source, run_id)
    log.info("customer decision on %s: %s", deliverable.deliverable_id, decision.verdict)
    return {**decision.model_dump(mode="json"), "import_folder": str(folder) if folder else None}


# -- the customer's decision from outside the UI ----------------------------------------------

def find_paused_preprod_run(project_name: str):
    """The paused ``import-preprod`` run of this project (latest), or None; found by tag and state."""
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType, FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["import-preprod"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
                                          tags=FlowRunFilterTags(all_=[project_name])),
            sort=FlowRunSort.START_TIME_DESC, limit=1)
    return runs[0] if runs else None


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
        deliverable_id = asked[-1].deliverable_id if asked else paused.parameters.get("deliverable_id")
    if deliverable_id is None:
        imported = state.imported("preprod")
        if not imported:
            raise GuardRefused("nothing to decide on: no deliverable was imported into pre-production yet")
        deliverable_id = imported[-1]
    ref = read_deliverable_ref(ws.path("deliverables", deliverable_id))
    decision = record_decision(ws.procedure_dir, Decision(
        approved=approved, by=by, comment=comment, deliverable_id=ref.deliverable_id, protocol_hash=ref.protocol_hash,
        snapshot_id=ref.snapshot_id, flow_run_id=str(paused.id) if paused else None, source="cli"))
    if paused is not None:
        resume_flow_run(paused.id, run_input={"approved": approved, "by": by, "comment": comment})
    else:  # no run to resume: the ticket hears it from here
        note_ticket(project, f"customer validation: {decision.verdict} by {by} on deliverable {deliverable_id} "
                             f"(protocol {ref.protocol_hash[:12]})" + (f": {comment}" if comment else ""))
    return decision, (str(paused.id) if paused else None)
