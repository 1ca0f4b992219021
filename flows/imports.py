"""Flow ``import-dev``: a deliverable into an environment (architecture §1, trial step), and ``run_import``.

``run_import`` is the reusable piece: the procedure's ``import-preprod`` and
``import-production`` call it inside their own runs. The flow is tagged ``adi`` and the
project; its run name says project, step and environment.
"""
from __future__ import annotations

from pathlib import Path

from stx_migrate.tasks.orchestrator import flow, tags

from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import load_project
from stx_migrate.tasks.imports import import_deliverable_task
from stx_migrate.tasks.logging import install_redaction
from stx_migrate.tasks.run_marker import mark_this_run

from .run_names import run_name

FLOW_NAME = "import-dev"


def run_import(project_dir: str | Path, env: str, deliverable_id: str | None = None) -> Path:
    """Import the deliverable (latest when None) into ``env``; returns the import run folder.

    Inside a flow it runs as the task ``import-deliverable`` of that flow.
    """
    install_redaction()
    mark_this_run()
    return Path(import_deliverable_task(str(Path(project_dir).resolve()), env, deliverable_id))


@flow(name=FLOW_NAME, flow_run_name=run_name("import", "env", defaults={"env": "dev"}), log_prints=False)
def import_dev(project_dir: str, env: str = "dev", deliverable_id: str | None = None) -> str:
    """Trial import of a deliverable (latest when None) into dev (or any environment without its own step).

    The trial into dev is refused until ADI approved the deliverable's protocol
    (approve-transformations, step 6).
    The import is recorded in the procedure journal with its protocol hash: pre-production
    requires a successful trial of the same protocol. The ticket hears of it (an unreachable
    ticket only warns).
    """
    from stx_migrate.migration.procedure import Event
    from stx_migrate.tasks.procedure import current_run_id, note_milestone, read_deliverable, record, refuse

    from .approvals import transformations_guard
    from .steps import counts_text, import_summary, start_step

    project = start_step(project_dir, FLOW_NAME)
    deliverable = read_deliverable(project, deliverable_id)
    reasons = transformations_guard(project, deliverable.protocol_hash) if env == "dev" else []   # the trial (step 6)
    if reasons:
        refuse(project, FLOW_NAME, reasons)
    folder = run_import(project_dir, env, deliverable.deliverable_id)
    counts = counts_text(import_summary(folder))
    record(project, Event(kind="import", env=env, deliverable_id=deliverable.deliverable_id,
                          protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
                          run_folder=str(folder), flow_run_id=current_run_id(), detail=counts))
    note_milestone(project, f"{'trial ' if env == 'dev' else ''}import of deliverable {deliverable.deliverable_id} "
                            f"into {env} done ({counts})")
    return str(folder)


def start_import_dev(project_dir: Path, env: str = "dev", deliverable_id: str | None = None) -> Path:
    """Run ``import-dev`` tagged ``adi`` and the project's name; returns the run folder."""
    project = load_project(project_dir)
    with tags(team_of(FLOW_NAME), project.config.name):
        return Path(import_dev(str(Path(project_dir).resolve()), env, deliverable_id))
