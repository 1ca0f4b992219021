"""Flow ``import-dev``: a deliverable into an environment (DESIGN §1, trial step), and ``run_import``.

``run_import`` is the reusable piece: the procedure's ``import-preprod`` and
``import-production`` call it inside their own runs. The flow is tagged ``adi`` and the
project; its run name says project, step and environment.
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow, tags

from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import load_project
from stx_migrate.tasks.imports import import_deliverable_task
from stx_migrate.tasks.logging import install_redaction

from .run_names import run_name

FLOW_NAME = "import-dev"


def run_import(project_dir: str | Path, env: str, deliverable_id: str | None = None) -> Path:
    """Import the deliverable (latest when None) into ``env``; returns the import run folder.

    Inside a flow it runs as the task ``import-deliverable`` of that flow.
    """
    install_redaction()
    return Path(import_deliverable_task(str(Path(project_dir).resolve()), env, deliverable_id))


@flow(name=FLOW_NAME, flow_run_name=run_name("import", "env", defaults={"env": "dev"}), log_prints=False)
def import_dev(project_dir: str, env: str = "dev", deliverable_id: str | None = None) -> str:
    """Trial import of a deliverable into the dev environment (or any environment without its own step)."""
    return str(run_import(project_dir, env, deliverable_id))


def start_import_dev(project_dir: Path, env: str = "dev", deliverable_id: str | None = None) -> Path:
    """Run ``import-dev`` tagged ``adi`` and the project's name; returns the run folder."""
    project = load_project(project_dir)
    with tags(team_of(FLOW_NAME), project.config.name):
        return Path(import_dev(str(Path(project_dir).resolve()), env, deliverable_id))
