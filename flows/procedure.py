"""The go-live procedure as Prefect flows (DESIGN §1): wiring only, the logic is in migration/procedure.

Flows (stable names): ``import-preprod`` (import, then wait for the customer's decision
as a form in the UI), ``refresh-j-1``, ``import-production``, ``final-validation`` and
``migration-procedure``, the parent that runs every step as a subflow:

    receive-data → prepare-data → import-dev → import-preprod (customer validation)
                 → refresh-j-1 → import-production → final-validation

Run names read ``<project>-<step>[-<env>]``; runs are tagged with the project and the
team (``vn`` for data steps, ``adi`` for imports, ``pl`` for the project leader's).
Every step records what it did in the procedure journal (``events.jsonl``), which is
how a crashed procedure resumes without redoing finished steps and how the guards
know what happened.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, tags
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput
from prefect.runtime import flow_run

from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure import (
    Event, close_guard, load_state, preprod_guard, production_guard, refresh_guard,
)
from stx_migrate.migration.procedure.protocol_ref import project_protocol_hash
from stx_migrate.migration.settings.project import Project, load_project
from stx_migrate.migration.summary import Summary
from stx_migrate.tasks.artifacts import artifact_key, publish_file_links, publish_markdown, publish_summary
from stx_migrate.tasks.logging import install_redaction
from stx_migrate.tasks.procedure import (
    current_run_id, deliverable_folder, not_imported_rows, note_ticket, publish_refresh_diff, read_deliverable,
    record, record_customer_decision, refuse, warn_if_late, workspace_of,
)

from .run_names import run_name

PAUSE_POLL_SECONDS = float(os.environ.get("STX_MIGRATE_PAUSE_POLL_SECONDS", "10"))
TEAM = {"receive-data": "vn", "prepare-data": "vn", "refresh-j-1": "vn", "import-dev": "adi",
        "import-preprod": "adi", "import-production": "adi", "final-validation": "pl", "migration-procedure": "pl"}


class CustomerDecision(RunInput):
    """The form the customer's validator fills in the Prefect UI (Resume) or gives through `stx-migrate decide`."""

    approved: bool
    by: str
    comment: str = ""


# -- run names and tags ----------------------------------------------------------------------

def _tag_this_run(project: Project, step: str) -> None:
    """Tag the current run with the project and the team, whoever started it (CLI, UI, deployment)."""
    from prefect import get_client

    run_id = flow_run.id
    if not run_id:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id).tags or []
        wanted = list(dict.fromkeys([*current, "stx-migrate", project.config.name, TEAM.get(step, "pl")]))
        if wanted != current:
            client.update_flow_run(run_id, tags=wanted)


def _start(project_dir: str, step: str) -> Project:
    install_redaction()
    project = load_project(Path(project_dir))
    _tag_this_run(project, step)
    warn_if_late(str(project.folder), step)
    return project


# -- the other engineers' steps, called as subflows ------------------------------------------

def _receive(project: Project) -> str:
    from stx_migrate.flows.receive import receive_data

    with tags("vn", project.config.name):
        return receive_data(str(project.folder))


def _prepare(project: Project, snapshot_id: str, env: str | None = None) -> str:
    """Run prepare-data (the gate included); a refused gate is recorded in the journal, then raised."""
    from stx_migrate.flows.prepare import prepare_data

    try:
        with tags("vn", project.config.name):
            result = prepare_data(str(project.folder), snapshot_id, env)
    except Exception as e:
        refused = getattr(e, "deliverable_id", None)
        if refused:
            record(project, Event(kind="gate", ok=False, deliverable_id=refused, snapshot_id=snapshot_id,
                                  detail="; ".join(getattr(e, "reasons", []))[:500]))
        raise
    return _id_of(result, "deliverable_id")


def _target_env(project: Project) -> str | None:
    """The environment the gate checks preconditions against: production, where the contacts end.

    (dev and preprod already hold the trial's contacts after their imports: checking a
    re-prepared deliverable against them would find every contact number taken.)
    """
    return "prod" if "prod" in project.config.environments else None


def _import(project: Project, env: str, deliverable_id: str) -> Path:
    """Import through the store's ``run_import``; returns the import run folder."""
    from stx_migrate.flows.imports import import_dev, run_import

    with tags("adi", project.config.name):
        if env == "dev":   # the trial step is its own flow (a subflow of the procedure)
            result = import_dev(str(project.folder), env, deliverable_id)
        else:              # preprod / prod: a task of import-preprod / import-production
            result = run_import(str(project.folder), env, deliverable_id)
    ws = workspace_of(project)
    if isinstance(result, (str, Path)) and Path(result).is_dir():
        return Path(result)
    run_id = _id_of(result, "run_id") if result is not None else None
    return ws.resolve("imports", run_id, env)


def _id_of(result: Any, key: str) -> str:
    if isinstance(result, dict):
        return str(result.get(key) or result.get("id"))
    if isinstance(result, Path) or (isinstance(result, str) and os.sep in result):
        return Path(result).name
    return str(result)


def _import_summary(folder: Path) -> dict:
    path = folder / "summary.json"
    return Summary.model_validate_json(path.read_text(encoding="utf-8")).model_dump() if path.exists() else {}


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
    project = _start(project_dir, "import-preprod")
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
        folder = _import(project, "preprod", deliverable.deliverable_id)
        counts = _import_summary(folder)
        record(project, Event(kind="import", env="preprod", deliverable_id=deliverable.deliverable_id,
                              protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
                              run_folder=str(folder), flow_run_id=current_run_id(),
                              detail=_counts_text(counts)))
        note_ticket(project, f"pre-production import of deliverable {deliverable.deliverable_id} done "
                             f"({_counts_text(counts)}); waiting for the customer's validation")
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


def _counts_text(counts: dict) -> str:
    keys = ("rows_in", "imported", "updated", "unchanged", "not_imported")
    return ", ".join(f"{k} {counts[k]}" for k in keys if k in counts) or "no summary"


# -- refresh-j-1 -------------------------------------------------------------------------------

@flow(name="refresh-j-1", flow_run_name=run_name("refresh-j-1"))
def refresh_j_1(project_dir: str) -> dict:
    """J-1: a new extraction, the validated protocol replayed (same hash), the gate, the diff.

    Refused (GuardRefused) when no approval is in force or the project's protocol is not
    the validated one. Returns ``{snapshot_id, deliverable_id, validated_deliverable_id,
    protocol_hash, run_folder, diff}``; the run folder (``refreshes/<id>``) holds diff.json,
    diff.md and refresh.json.
    """
    project = _start(project_dir, "refresh-j-1")
    log = get_run_logger()
    procedure_dir = workspace_of(project).procedure_dir
    state = load_state(procedure_dir)
    current_hash = project_protocol_hash(project)
    reasons = refresh_guard(state, current_hash)
    if reasons:
        refuse(project, "refresh-j-1", reasons)
    validated = state.validated
    snapshot_id = _receive(project)
    record(project, Event(kind="receive", snapshot_id=snapshot_id, flow_run_id=current_run_id(), detail="j-1"))
    deliverable_id = _prepare(project, snapshot_id, _target_env(project))
    deliverable = read_deliverable(project, deliverable_id)
    record(project, Event(kind="prepare", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                          protocol_hash=deliverable.protocol_hash, flow_run_id=current_run_id(), detail="j-1"))
    record(project, Event(kind="gate", ok=deliverable.gate_passed is not False, deliverable_id=deliverable_id))
    if deliverable.protocol_hash != validated.protocol_hash:   # prepare read a protocol that changed meanwhile
        refuse(project, "refresh-j-1", [f"deliverable {deliverable_id} was prepared with protocol "
                                        f"{deliverable.protocol_hash[:12]}, not the validated {validated.protocol_hash[:12]}"])
    if deliverable.gate_passed is False:
        refuse(project, "refresh-j-1", [f"the quality gate failed on the J-1 deliverable {deliverable_id}",
                                        *deliverable.gate_reasons])
    ws = workspace_of(project)
    with ws.new_folder("refreshes") as staging:
        counts = publish_refresh_diff(str(project.folder), validated.deliverable_id, deliverable_id, str(staging))
        (staging / "refresh.json").write_text(json.dumps({
            "snapshot_id": snapshot_id, "deliverable_id": deliverable_id,
            "validated_deliverable_id": validated.deliverable_id, "protocol_hash": deliverable.protocol_hash,
            "validated_by": validated.by, "validated_at": validated.at.isoformat(), "diff": counts}, indent=2) + "\n")
        folder_name = staging.name.removeprefix(".staging-")
    folder = ws.path("refreshes", folder_name)
    record(project, Event(kind="refresh", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                          protocol_hash=deliverable.protocol_hash, run_folder=str(folder), flow_run_id=current_run_id(),
                          detail=f"new {counts['new']}, changed {counts['changed']}, vanished {counts['vanished']}"))
    publish_file_links(artifact_key(project.config.name, "refresh-files"), {
        "J-1 diff (json)": folder / "diff.json", "J-1 diff (report)": folder / "diff.md",
        "contacts.xlsx": deliverable_folder(project, deliverable_id) / "contacts.xlsx",
        "rejects.csv": deliverable_folder(project, deliverable_id) / "rejects.csv"}, "J-1 refresh files")
    note_ticket(project, f"J-1 refresh: deliverable {deliverable_id} from snapshot {snapshot_id} with the validated "
                         f"protocol {deliverable.protocol_hash[:12]}; diff: new {counts['new']}, changed "
                         f"{counts['changed']}, vanished {counts['vanished']}, new rejects {counts['new_rejects']}")
    log.info("J-1 refresh done: deliverable %s", deliverable_id)
    return {"snapshot_id": snapshot_id, "deliverable_id": deliverable_id, "validated_deliverable_id": validated.deliverable_id,
            "protocol_hash": deliverable.protocol_hash, "run_folder": str(folder), "diff": counts}


# -- import-production -------------------------------------------------------------------------

@flow(name="import-production", flow_run_name=run_name("import-production", env="prod"))
def import_production(project_dir: str, deliverable_id: str | None = None) -> dict:
    """J: import the deliverable (latest when None) into production, if and only if the guards hold.

    Refuses (GuardRefused: exit 1, Failed state with the reasons) unless the gate passed on
    this deliverable, the customer approved its protocol hash and a pre-production import
    with that hash succeeded. Afterwards writes ``not_imported.csv`` (every row that is not
    in production and why) in a ``production/<id>`` folder, and moves the ticket to
    'final validation' owned by the project leader. Returns counts and that folder.
    """
    project = _start(project_dir, "import-production")
    log = get_run_logger()
    deliverable = read_deliverable(project, deliverable_id)
    state = load_state(workspace_of(project).procedure_dir)
    reasons = production_guard(state, deliverable)
    if reasons:
        refuse(project, "import-production", reasons)
    import_folder = _import(project, "prod", deliverable.deliverable_id)
    counts = _import_summary(import_folder)
    record(project, Event(kind="import", env="prod", deliverable_id=deliverable.deliverable_id,
                          protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
                          run_folder=str(import_folder), flow_run_id=current_run_id(), detail=_counts_text(counts)))
    ws = workspace_of(project)
    dfolder = deliverable_folder(project, deliverable.deliverable_id)
    with ws.new_folder("production") as staging:
        rows = not_imported_rows(dfolder, import_folder)
        rows.to_csv(staging / "not_imported.csv", index=False, encoding="utf-8", lineterminator="\n")
        by_code = rows.groupby(["stage", "code"]).size() if len(rows) else None
        reasons = json.loads((dfolder / "summary.json").read_text(encoding="utf-8")).get("reasons", {}) \
            if (dfolder / "summary.json").exists() else {}
        report = {"deliverable_id": deliverable.deliverable_id, "protocol_hash": deliverable.protocol_hash,
                  "deliverable_reasons": reasons,
                  "import_run": str(import_folder), "import": counts, "not_imported_rows": int(len(rows)),
                  "not_imported_by_code": {f"{s}:{c}": int(n) for (s, c), n in by_code.items()} if by_code is not None else {}}
        (staging / "production.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        name = staging.name.removeprefix(".staging-")
    folder = ws.path("production", name)
    if counts:
        publish_summary(artifact_key(project.config.name, "production-summary"), counts, "production import")
    publish_file_links(artifact_key(project.config.name, "production-files"), {
        "not_imported.csv (rows not in production, with reason codes)": folder / "not_imported.csv",
        "production.json": folder / "production.json", "import run": import_folder}, "Production import files")
    leader = project.config.project_leader or "project leader"
    note_ticket(project, f"production import of deliverable {deliverable.deliverable_id} done ({_counts_text(counts)}); "
                         f"{len(rows)} row(s) not imported, see not_imported.csv; over to the project leader for the "
                         "final validation", status="final validation", owner=leader)
    log.info("production import done: %d row(s) not imported", len(rows))
    return {"deliverable_id": deliverable.deliverable_id, "run_folder": str(folder), "import_folder": str(import_folder),
            "import": counts,
            "not_imported": int(len(rows))}


# -- final-validation --------------------------------------------------------------------------

@flow(name="final-validation", flow_run_name=run_name("final-validation"))
def final_validation(project_dir: str, by: str | None = None) -> dict:
    """The project leader's final validation: the ticket is closed as solved (production must be done)."""
    project = _start(project_dir, "final-validation")
    state = load_state(workspace_of(project).procedure_dir)
    reasons = close_guard(state)
    if reasons:
        refuse(project, "final-validation", reasons)
    who = by or project.config.project_leader or "project leader"
    prod = state.latest("import")
    note_ticket(project, f"final validation by {who}: migration closed", status="solved")
    record(project, Event(kind="closed", deliverable_id=prod.deliverable_id if prod else None,
                          flow_run_id=current_run_id(), detail=f"by {who}"))
    publish_markdown(artifact_key(project.config.name, "final-validation"),
                     f"# Migration closed\n\nFinal validation by {who}; ticket set to *solved*.", "final validation")
    return {"closed_by": who}


# -- the whole procedure -----------------------------------------------------------------------

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
    refresh and production (06:00 UTC); without it they run at once (demo, rehearsal).
    """
    project = _start(project_dir, "migration-procedure")
    log = get_run_logger()
    pdir = str(project.folder)
    procedure_dir = workspace_of(project).procedure_dir

    def cycle():
        state = load_state(procedure_dir)
        closes = [i for i, e in enumerate(state.events) if e.kind == "closed"]
        state.events = state.events[closes[-1] + 1:] if closes else state.events
        return state

    def last(state, kind, **match):
        found = [e for e in state.events if e.kind == kind and e.ok
                 and all(getattr(e, k) == v for k, v in match.items())]
        return found[-1] if found else None

    done: list[str] = []
    state = cycle()
    received = last(state, "receive", detail="")
    if received:
        snapshot_id = received.snapshot_id
        done.append("receive-data")
    else:
        snapshot_id = _receive(project)
        record(project, Event(kind="receive", snapshot_id=snapshot_id, flow_run_id=current_run_id()))

    # a deliverable is reused only if it was prepared with the protocol as it is now: after a
    # rejection the protocol is fixed, and the same snapshot is prepared again
    current_hash = project_protocol_hash(project)
    prepared = last(cycle(), "prepare", snapshot_id=snapshot_id, detail="", protocol_hash=current_hash)
    if prepared:
        deliverable_id = prepared.deliverable_id
        done.append("prepare-data")
    else:
        deliverable_id = _prepare(project, snapshot_id, _target_env(project))
        ref = read_deliverable(project, deliverable_id)
        record(project, Event(kind="prepare", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                              protocol_hash=ref.protocol_hash, flow_run_id=current_run_id()))
        record(project, Event(kind="gate", ok=ref.gate_passed is not False, deliverable_id=deliverable_id))

    if last(cycle(), "import", env="dev", deliverable_id=deliverable_id):
        done.append("import-dev")
    else:
        folder = _import(project, "dev", deliverable_id)
        record(project, Event(kind="import", env="dev", deliverable_id=deliverable_id, run_folder=str(folder),
                              flow_run_id=current_run_id(), detail=_counts_text(_import_summary(folder))))

    decisions = [d for d in load_state(procedure_dir).decisions if d.deliverable_id == deliverable_id]
    if decisions:
        decision = decisions[-1].model_dump(mode="json")
        done.append("import-preprod")
    else:
        decision = import_preprod(pdir, deliverable_id, auto_decision=auto_decision)
    if not decision["approved"]:
        raise GuardRefused([f"the customer rejected deliverable {deliverable_id} ({decision['by']}): "
                            "fix the protocol, prepare again and run the procedure again"])

    refreshed = last(cycle(), "refresh")
    if refreshed and refreshed.at >= datetime.fromisoformat(str(decision["at"])):
        refresh_deliverable = refreshed.deliverable_id
        done.append("refresh-j-1")
    else:
        if wait_for_dates:
            _wait_until(datetime.combine(project.config.j_date - timedelta(days=1), datetime.min.time(),
                                         timezone.utc) + timedelta(hours=6), "the J-1 refresh")
        refresh_deliverable = refresh_j_1(pdir)["deliverable_id"]

    if last(cycle(), "import", env="prod", deliverable_id=refresh_deliverable):
        done.append("import-production")
        production = None
    else:
        if wait_for_dates:
            _wait_until(datetime.combine(project.config.j_date, datetime.min.time(), timezone.utc)
                        + timedelta(hours=6), "the production import")
        production = import_production(pdir, refresh_deliverable)

    final_validation(pdir)
    if done:
        log.info("resumed: %s were already done and not run again", ", ".join(done))
    publish_markdown(artifact_key(project.config.name, "procedure"),
                     "# Migration procedure\n\n" + "\n".join(
                         f"* {step}: {'reused (already done)' if step in done else 'ran'}" for step in
                         ("receive-data", "prepare-data", "import-dev", "import-preprod", "refresh-j-1",
                          "import-production")) + "\n* final-validation: ran", "procedure overview")
    return {"snapshot_id": snapshot_id, "deliverable_id": deliverable_id, "refresh_deliverable_id": refresh_deliverable,
            "decision": decision, "production": production, "reused": done}


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
    from prefect.flow_runs import resume_flow_run

    from stx_migrate.migration.procedure import Decision, read_deliverable_ref, record_decision

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
