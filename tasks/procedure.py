"""Tasks of the go-live procedure: thin wrappers around ``migration/procedure`` with logs and artifacts.

Each task logs counts, codes and ids, and publishes what the project leader, VN and
ADI act on in the UI: milestone warnings, guard refusals, the customer's decision,
the J-1 diff, the production report. Personal data never reaches them.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from .orchestrator import NO_CACHE, flow_run_id, get_run_logger, task

from stx_migrate.connectors.ticket import open_ticket
from stx_migrate.migration.errors import GuardRefused, StxError
from stx_migrate.migration.procedure import (
    Decision, DeliverableRef, Event, check_milestone, diff_deliverables, load_state, milestone_schedule,
    read_deliverable_ref, record_decision, record_event, write_diff,
)
from stx_migrate.migration.procedure.records import read_contacts, read_rejects
from stx_migrate.migration.settings.project import Project, load_project
from stx_migrate.migration.workspace import Workspace

from .artifacts import artifact_key, publish_markdown, publish_table
from .logging import redact


def workspace_of(project: Project) -> Workspace:
    return Workspace(project.config.name)


def deliverable_folder(project: Project, deliverable_id: str | None) -> Path:
    """The deliverable's folder (the latest when ``deliverable_id`` is None)."""
    try:
        return workspace_of(project).resolve("deliverables", deliverable_id)
    except FileNotFoundError as e:
        raise GuardRefused(str(e)) from None


@task(name="check-milestone", cache_policy=NO_CACHE)
def warn_if_late(project_dir: str, step: str, today: date | None = None) -> str | None:
    """Log and publish a warning when ``step`` runs after its milestone; returns the warning."""
    project = load_project(Path(project_dir))
    today = today or datetime.now(timezone.utc).date()
    warning = check_milestone(step, today, project.config.j_date)
    key = artifact_key(project.config.name, step, "milestone")
    if warning:
        get_run_logger().warning(warning)
        publish_markdown(key, f"# Late: {step}\n\n**{warning}**\n\n" + _schedule_md(project.config.j_date, today),
                         "milestone check")
    else:
        publish_markdown(key, f"# On time: {step}\n\n" + _schedule_md(project.config.j_date, today), "milestone check")
    return warning


def _schedule_md(j_date: date, today: date) -> str:
    lines = ["| milestone | step | due | |", "|---|---|---|---|"]
    for m in milestone_schedule(j_date):
        mark = "passed" if date.fromisoformat(m["due"]) < today else ""
        lines.append(f"| {m['j']} {m['milestone']} | `{m['step']}` | {m['due']} | {mark} |")
    return "\n".join(lines)


def refuse(project: Project, step: str, reasons: list[str]) -> None:
    """Publish the refusal, note it on the ticket, and raise GuardRefused (Failed state, exit 1)."""
    key = artifact_key(project.config.name, step, "refused")
    publish_markdown(key, f"# {step} refused\n\n" + "\n".join(f"* {r}" for r in reasons), "guard refusal")
    get_run_logger().error("%s refused: %s", step, "; ".join(reasons))
    try:
        note_ticket(project, f"{step} refused: " + "; ".join(reasons))
    except StxError as e:  # an unreachable ticket must not hide why the step was refused
        get_run_logger().warning("the ticket could not be told: %s", e)
    raise GuardRefused(reasons)


def note_ticket(project: Project, text: str, status: str | None = None, owner: str | None = None,
                files: list[Path] | None = None) -> None:
    """A note on the project's ticket (with ``files`` attached, when given; then a status / owner
    change); text holds counts and ids only."""
    ticket = open_ticket(project.config.ticket, workspace_of(project).procedure_dir)
    if files:
        ticket.attach([f for f in files if Path(f).is_file()], text)
    else:
        ticket.add_note(text)
    if status:
        ticket.set_status(status)
    if owner:
        ticket.set_owner(owner)


def note_milestone(project: Project, text: str) -> None:
    """A note that must not stop the step it reports on: an unreachable ticket is a warning."""
    try:
        note_ticket(project, text)
    except StxError as e:
        get_run_logger().warning("the ticket could not be told: %s", e)


def record(project: Project, event: Event) -> Event:
    return record_event(workspace_of(project).procedure_dir, event)


def current_run_id() -> str | None:
    return flow_run_id()


def record_customer_decision(project: Project, deliverable: DeliverableRef, approved: bool, by: str, comment: str,
                             source: str, flow_run_id: str | None) -> Decision:
    """Record the decision (unless the CLI already did for this run) and publish it."""
    procedure_dir = workspace_of(project).procedure_dir
    state = load_state(procedure_dir)
    already = [d for d in state.decisions if flow_run_id and d.flow_run_id == flow_run_id
               and d.deliverable_id == deliverable.deliverable_id]
    decision = already[-1] if already else record_decision(procedure_dir, Decision(
        approved=approved, by=by, comment=comment, deliverable_id=deliverable.deliverable_id,
        protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
        flow_run_id=flow_run_id, source=source))
    publish_decision(project, decision)
    note_ticket(project, f"customer validation: {decision.verdict} by {decision.by} on deliverable "
                         f"{decision.deliverable_id} (protocol {decision.protocol_hash[:12]})"
                         + (f": {redact(decision.comment)}" if decision.comment else ""))
    return decision


def publish_decision(project: Project, decision: Decision) -> None:
    # the key of the waiting notice (flows/approvals.py: decision_key): the answer supersedes it
    publish_table(artifact_key(project.config.name, "import-preprod", "customer-decision"), [
        {"field": "decision", "value": "✓ APPROVED" if decision.approved else "✗ REJECTED"},
        {"field": "by", "value": decision.by},
        {"field": "comment", "value": redact(decision.comment)},   # the artifact is seen by every UI user
        {"field": "at", "value": decision.at.isoformat(timespec="seconds")},
        {"field": "given through", "value": decision.source},
        {"field": "deliverable", "value": decision.deliverable_id},
        {"field": "protocol hash", "value": decision.protocol_hash},
        {"field": "snapshot", "value": decision.snapshot_id or ""},
    ], "the customer's validation of the pre-production import")


@task(name="diff-against-validated", cache_policy=NO_CACHE)
def publish_refresh_diff(project_dir: str, validated_id: str, new_id: str, out_dir: str) -> dict:
    """Diff the refreshed deliverable against the validated one; write diff.json/diff.md; publish it."""
    project = load_project(Path(project_dir))
    ws = workspace_of(project)
    old_dir, new_dir = ws.path("deliverables", validated_id), ws.path("deliverables", new_id)
    diff = diff_deliverables(read_contacts(old_dir), read_contacts(new_dir), read_rejects(old_dir), read_rejects(new_dir),
                             validated_id, new_id)
    write_diff(diff, Path(out_dir))
    publish_markdown(artifact_key(project.config.name, "refresh-j-1", "diff"), diff.to_markdown(), "J-1 refresh against the validated deliverable")
    get_run_logger().info("J-1 diff: %s", json.dumps(diff.counts))
    return diff.counts


def read_deliverable(project: Project, deliverable_id: str | None) -> DeliverableRef:
    return read_deliverable_ref(deliverable_folder(project, deliverable_id))
