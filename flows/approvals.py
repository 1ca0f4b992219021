"""The team's approvals as paused runs with a typed form: ADI's approval of the planned
transformations (flow ``approve-transformations``, step 6) and VN's sign-off of the gate
(a pause of ``import-preprod`` before its import, step 9).

Each pause shows what is to be approved as an artifact, waits for the form (approved, by —
required, not blank — and comment) from the UI's **Resume** or ``stx-migrate decide
--step …``, records the answer with the protocol hash and the snapshot id
(``migration/approvals.py``) and publishes it under the same key as the waiting notice,
so the UI shows the answer where it showed the wait. A refusal ends the run Failed with
its reason. Wiring only.
"""
from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field

from stx_migrate.migration.approvals import WHO, Approval, latest_approval, read_approvals, record_approval
from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import Event
from stx_migrate.migration.procedure.decisions import Comment, ValidatorName
from stx_migrate.migration.protocol.project_protocol import compile_project_protocol, project_protocol_text
from stx_migrate.migration.prepare import project_context
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.snapshot import Snapshot
from stx_migrate.tasks.artifacts import artifact_key, publish_markdown, publish_table
from stx_migrate.tasks.orchestrator import flow, get_run_logger, run_input_base
from stx_migrate.tasks.plain import is_plain
from stx_migrate.tasks.procedure import current_run_id, note_ticket, record, refuse, workspace_of

from .run_names import run_name
from .steps import start_step

PAUSE_POLL_SECONDS = float(os.environ.get("STX_MIGRATE_PAUSE_POLL_SECONDS", "10"))
APPROVAL_TIMEOUT_HOURS = 7 * 24
TITLES = {"transformations": "ADI approval of the planned transformations",
          "gate": "VN sign-off of the quality gate",
          "customer": "the customer's decision"}


class ApprovalForm(run_input_base()):
    """The form of every approval: approved or not, by whom (required, not blank), why."""

    approved: bool
    by: ValidatorName = Field(description="Your name (required)")
    comment: Comment = ""


def decision_key(project: Project, step: str) -> str:
    """The one key of an approval's artifacts: the wait, then the answer that supersedes it."""
    return artifact_key(project.config.name, "approve-transformations" if step == "transformations" else "import-preprod",
                        "customer-decision" if step == "customer" else f"{step}-approval")


def wait_for_answer(project: Project, step: str, subject: str, auto: dict | None,
                    hours: float = APPROVAL_TIMEOUT_HOURS, deliverable_id: str | None = None,
                    protocol_hash: str | None = None) -> tuple[ApprovalForm | None, str]:
    """Pause this run for the form of ``step`` (or take ``auto``, the demo's, and say so); returns (answer, source).

    ``auto``: one answer (``{"approved", "by", "comment"}``) for every step, or one per step
    (``{"transformations": …, "gate": …, "customer": …}``; a step left out waits for its form).

    The request is journaled (``decision-requested``, detail = the step; empty for the
    customer's) so that ``decide`` knows what a paused run waits for. In a plain run (no server)
    the answer is None: the step ends waiting, and ``decide`` records the answer.
    """
    log = get_run_logger()
    title = TITLES[step]
    auto = auto.get(step) if auto is not None and "approved" not in auto else auto   # one answer for all, or per step
    record(project, Event(kind="decision-requested", flow_run_id=current_run_id(), deliverable_id=deliverable_id,
                          protocol_hash=protocol_hash, detail="" if step == "customer" else step))
    if auto is not None:
        log.warning("DEMO: %s is given automatically (%s by %s), not by a person", title,
                    "approved" if auto.get("approved") else "rejected", auto.get("by"))
        return ApprovalForm(**auto), "demo"
    option = "" if step == "customer" else f" --step {step}"
    if is_plain():  # no server to pause on: the request is recorded, `stx-migrate decide` records the answer
        log.info("waiting for %s: stx-migrate decide --project %s%s --approve|--reject --by NAME", title,
                 project.folder, option)
        return None, "cli"
    publish_markdown(decision_key(project, step),
                     f"# Waiting for {title}\n\n{subject}\n\nResume this run with **Resume** (approved, your name, a "
                     f"comment), or run\n\n    stx-migrate decide --project {project.folder}{option} "
                     f"--approve|--reject --by NAME --comment TEXT\n\nThe run waits {hours:g} hours at most.",
                     f"waiting for {title}")
    log.info("waiting for %s (run %s)", title, current_run_id())
    from prefect.flow_runs import pause_flow_run

    # no initial value for `by`: a default would make the UI label it "(Optional)"; the validator is named above
    answer = pause_flow_run(wait_for_input=ApprovalForm.with_initial_data(description=f"{title}: {subject}"),
                            timeout=int(hours * 3600), poll_interval=PAUSE_POLL_SECONDS)
    return answer, "ui"


def record_answer(project: Project, step: str, answer: ApprovalForm, source: str, protocol_hash: str,
                  snapshot_id: str | None, deliverable_id: str | None = None) -> Approval:
    """Record the answer (unless ``decide`` already did for this run), publish it over the wait, tell the ticket."""
    procedure_dir, run_id = workspace_of(project).procedure_dir, current_run_id()
    already = [a for a in read_approvals(procedure_dir) if run_id and a.flow_run_id == run_id and a.step == step]
    approval = already[-1] if already else record_approval(procedure_dir, Approval(
        step=step, approved=answer.approved, by=answer.by, comment=answer.comment, protocol_hash=protocol_hash,
        snapshot_id=snapshot_id, deliverable_id=deliverable_id, flow_run_id=run_id, source=source))
    publish_table(decision_key(project, step), [
        {"field": "answer", "value": f"{'✓ APPROVED' if approval.approved else '✗ REJECTED'}"},
        {"field": "by", "value": approval.by}, {"field": "comment", "value": approval.comment},
        {"field": "at", "value": approval.at.isoformat(timespec="seconds")},
        {"field": "given through", "value": approval.source},
        {"field": "protocol hash", "value": approval.protocol_hash},
        {"field": "snapshot", "value": approval.snapshot_id or ""},
        {"field": "deliverable", "value": approval.deliverable_id or ""}], f"{TITLES[step]}: the answer")
    note_ticket(project, f"{TITLES[step]}: {approval.verdict} by {approval.by} (protocol {protocol_hash[:12]})"
                         + (f": {approval.comment}" if approval.comment else ""))
    return approval


def transformations_overview(project: Project, snapshot: Snapshot) -> tuple[str, str]:
    """(protocol hash, markdown): what `check` reports, the column-change summary and the protocol itself."""
    compiled = compile_project_protocol(project, snapshot.manifest, project_context(project.config))
    file, text = project_protocol_text(project)
    text = text if text is not None else Path(file).read_text(encoding="utf-8")
    lines = [f"# Planned transformations, protocol `{compiled.hash[:12]}`", "",
             f"**check**: the protocol compiles against snapshot `{snapshot.id}` ({len(compiled.columns)} target columns, "
             f"{len(compiled.filters)} filters).", "", "## Column changes", "",
             "| SecuTix column | from | operations |", "|---|---|---|"]
    for column in compiled.columns:
        ops = " → ".join(step.operation.name for step in column.steps) or "copied"
        lines.append(f"| {column.code} | {', '.join(column.inputs) or '(constant)'} | {ops} |")
    if compiled.filters:
        lines += ["", "## Rows left out", ""] + [f"* `{f.code}` (rule {f.rule.name})" for f in compiled.filters]
    lines += ["", "## The protocol", "", "```yaml", text.rstrip(), "```"]
    return compiled.hash, "\n".join(lines)


@flow(name="approve-transformations", flow_run_name=run_name("approve-transformations"))
def approve_transformations(project_dir: str, auto_decision: dict | None = None) -> dict:
    """Step 6: ADI approves the transformations VN planned, before the first trial import.

    Shows the protocol, what `check` reports and the column-change summary, then waits for
    ADI's form. An approval in force for the protocol's current hash is reused; a changed
    protocol needs a new one. A refusal ends the run Failed (exit 1) with the reason.
    """
    project = start_step(project_dir, "approve-transformations")
    ws = workspace_of(project)
    latest_snapshot = ws.latest("snapshots")
    if latest_snapshot is None:
        refuse(project, "approve-transformations", ["no snapshot yet: receive the customer's data first"])
    snapshot = Snapshot(ws.path("snapshots", latest_snapshot))
    protocol_hash, overview = transformations_overview(project, snapshot)
    publish_markdown(artifact_key(project.config.name, "approve-transformations", "protocol"), overview,
                     "the planned transformations")
    latest = latest_approval(read_approvals(ws.procedure_dir), "transformations", protocol_hash)
    if latest is not None and latest.approved:
        get_run_logger().info("protocol %s already approved by %s", protocol_hash[:12], latest.by)
        return latest.model_dump(mode="json")
    answer, source = wait_for_answer(project, "transformations", f"protocol `{protocol_hash[:12]}` on snapshot "
                                     f"`{snapshot.id}` (see the artifact *planned transformations*)", auto_decision,
                                     protocol_hash=protocol_hash)
    if answer is None:
        return {"verdict": "waiting", "protocol_hash": protocol_hash}
    approval = record_answer(project, "transformations", answer, source, protocol_hash, snapshot.id)
    if not approval.approved:
        refuse(project, "approve-transformations", [f"{WHO['transformations']} refused by {approval.by}"
                                                   + (f": {approval.comment}" if approval.comment else "")])
    return approval.model_dump(mode="json")


def transformations_guard(project: Project, protocol_hash: str) -> list[str]:
    """Why a trial import of a deliverable with ``protocol_hash`` must wait for ADI's approval."""
    from stx_migrate.migration.approvals import approval_guard

    reasons = approval_guard(read_approvals(workspace_of(project).procedure_dir), "transformations", protocol_hash)
    return [r + " (run approve-transformations, or stx-migrate decide --step transformations)" for r in reasons]



# -- answers from outside the UI: stx-migrate decide --step … ---------------------------------

def find_paused_run(flow_name: str, project_name: str):
    """The latest paused run of ``flow_name`` tagged with the project, or None (always, in a plain run)."""
    if is_plain():
        return None
    from prefect import get_client
    from prefect.client.schemas.filters import (
        FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType, FlowRunFilterTags,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
                                          tags=FlowRunFilterTags(all_=[project_name])),
            sort=FlowRunSort.START_TIME_DESC, limit=1)
    return runs[0] if runs else None


def give_approval(project_dir: str, step: str, approved: bool, by: str, comment: str = ""):
    """Record ADI's (``transformations``) or VN's (``gate``) answer; resume the run that waits for it, if any.

    Without a waiting run the answer is about the project's current protocol and latest
    snapshot (transformations) or the latest deliverable (gate). Returns ``(approval, resumed run id or None)``.
    """
    from stx_migrate.migration.procedure import load_state, read_deliverable_ref
    from stx_migrate.migration.procedure.protocol_ref import project_protocol_hash
    from stx_migrate.migration.settings.project import load_project

    project = load_project(Path(project_dir))
    ws = workspace_of(project)
    paused = find_paused_run("approve-transformations" if step == "transformations" else "import-preprod",
                             project.config.name)
    asked = [e for e in load_state(ws.procedure_dir).events
             if paused is not None and e.kind == "decision-requested" and e.flow_run_id == str(paused.id)]
    if paused is not None and (not asked or asked[-1].detail != step):
        paused = None                      # that run waits for another answer
    deliverable_id = None
    if step == "gate":
        deliverable_id = asked[-1].deliverable_id if paused is not None else ws.latest("deliverables")
        if deliverable_id is None:
            raise GuardRefused("nothing to sign off: no deliverable prepared yet")
        ref = read_deliverable_ref(ws.path("deliverables", deliverable_id))
        protocol_hash, snapshot_id = ref.protocol_hash, ref.snapshot_id
    else:
        protocol_hash = (asked[-1].protocol_hash if paused is not None else None) or project_protocol_hash(project)
        snapshot_id = ws.latest("snapshots")
    approval = record_approval(ws.procedure_dir, Approval(
        step=step, approved=approved, by=by, comment=comment, protocol_hash=protocol_hash, snapshot_id=snapshot_id,
        deliverable_id=deliverable_id, flow_run_id=str(paused.id) if paused else None, source="cli"))
    if paused is not None:
        from prefect.flow_runs import resume_flow_run

        resume_flow_run(paused.id, run_input={"approved": approved, "by": approval.by, "comment": comment},
                        _sync=True)   # sync even when the caller runs an event loop (a browser driver, a notebook)
    else:
        note_ticket(project, f"{TITLES[step]}: {approval.verdict} by {approval.by} (protocol {protocol_hash[:12]})"
                             + (f": {comment}" if comment else ""))
    return approval, (str(paused.id) if paused else None)
