"""What every step of the go-live procedure shares: start (tags, milestone check) and the
data steps called as subflows (receive, prepare, import), with their journal entries.

Wiring only: what the steps decide is in ``migration/procedure``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from stx_migrate.migration.delivery import AWAITING_LOG
from stx_migrate.migration.procedure import Event
from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import Project, load_project
from stx_migrate.migration.summary import Summary
from stx_migrate.tasks.logging import install_redaction
from stx_migrate.tasks.orchestrator import flow_run_id, tags
from stx_migrate.tasks.run_marker import mark_this_run
from stx_migrate.tasks.procedure import record, warn_if_late, workspace_of


def tag_this_run(project: Project, step: str) -> None:
    """Tag the current run with the project and the team, whoever started it (CLI, UI, deployment)."""
    run_id = flow_run_id()
    if not run_id:
        return
    from prefect import get_client

    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id).tags or []
        wanted = list(dict.fromkeys([*current, "stx-migrate", project.config.name, team_of(step)]))
        if wanted != current:
            client.update_flow_run(run_id, tags=wanted)


def tag_step(project_dir: str, step: str) -> Project:
    """Redaction on, the run tagged like every other step (stx-migrate, the project, the team); the project."""
    install_redaction()
    mark_this_run()
    project = load_project(Path(project_dir))
    tag_this_run(project, step)
    return project


def start_step(project_dir: str, step: str) -> Project:
    """:func:`tag_step`, then the milestone check (a late step warns, in the log and as an artifact)."""
    project = tag_step(project_dir, step)
    warn_if_late(str(project.folder), step)
    return project


# -- the other engineers' steps, called as subflows ------------------------------------------

def receive_step(project: Project, milestone: str = "") -> str:
    """receive-data as a subflow; ``milestone`` ("j-1") marks the refresh's run in its name."""
    from stx_migrate.flows.receive import receive_data

    with tags(team_of("receive-data"), project.config.name):
        return receive_data(str(project.folder), milestone)


def prepare_step(project: Project, snapshot_id: str, env: str | None = None, milestone: str = "") -> str:
    """Run prepare-data (the gate included); a refused gate is recorded in the journal, then raised."""
    from stx_migrate.flows.prepare import prepare_data

    try:
        with tags(team_of("prepare-data"), project.config.name):
            result = prepare_data(str(project.folder), snapshot_id, env, milestone)
    except Exception as e:
        refused = getattr(e, "deliverable_id", None)
        if refused:
            record(project, Event(kind="gate", ok=False, deliverable_id=refused, snapshot_id=snapshot_id,
                                  detail="; ".join(getattr(e, "reasons", []))[:500]))
        raise
    return id_of(result, "deliverable_id")


def target_env(project: Project) -> str | None:
    """The environment the gate checks preconditions against: production, where the contacts end.

    (dev and preprod already hold the trial's contacts after their imports: checking a
    re-prepared deliverable against them would find every contact number taken.)
    """
    return "prod" if "prod" in project.config.environments else None


def import_step(project: Project, env: str, deliverable_id: str) -> Path:
    """Import through the store's ``run_import``; returns the import run folder."""
    from stx_migrate.flows.imports import import_dev, run_import

    with tags(team_of("import-dev"), project.config.name):
        if env == "dev":   # the trial step is its own flow (a subflow of the procedure)
            result = import_dev(str(project.folder), env, deliverable_id)
        else:              # preprod / prod: a task of import-preprod / import-production
            result = run_import(str(project.folder), env, deliverable_id)
    ws = workspace_of(project)
    if isinstance(result, (str, Path)) and Path(result).is_dir():
        return Path(result)
    run_id = id_of(result, "run_id") if result is not None else None
    return ws.resolve("imports", run_id, env)


def id_of(result: Any, key: str) -> str:
    if isinstance(result, dict):
        return str(result.get(key) or result.get("id"))
    if isinstance(result, Path) or (isinstance(result, str) and os.sep in result):
        return Path(result).name
    return str(result)


def import_summary(folder: Path) -> dict:
    path = folder / "summary.json"
    return Summary.model_validate_json(path.read_text(encoding="utf-8")).model_dump() if path.exists() else {}


def counts_text(counts: dict) -> str:
    if counts.get("secutix_status") == AWAITING_LOG:   # SecuTix's importer decides: no count until its log is back
        return f"rows_in {counts.get('rows_in')}, {counts.get('handed_over')} rows {AWAITING_LOG}"
    keys = ("rows_in", "imported", "updated", "unchanged", "not_imported")
    return ", ".join(f"{k} {counts[k]}" for k in keys if k in counts) or "no summary"
