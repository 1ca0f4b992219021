"""Flow ``contact-service``: create, update, inactivate, anonymize, delete, qualify on one environment (architecture §1)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from stx_migrate.tasks.orchestrator import flow, tags

from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import load_project
from stx_migrate.tasks.imports import contact_service_task

from .run_names import run_name

FLOW_NAME = "contact-service"
Operation = Literal["create", "update", "update-by-email", "inactivate", "anonymize", "delete", "qualify-contacts",
                    "qualify-structures"]   # a drop-down in the UI's run form


@flow(name=FLOW_NAME, flow_run_name=run_name("contact-service", "operation", "env"), log_prints=False)
def contact_service(project_dir: str, operation: Operation, env: str, file: str, confirm: int | None = None,
                    by: str | None = None) -> str:
    """Run one contact service with the rows of ``file``; returns the service run folder.

    ``confirm``: on production, delete / anonymize / inactivate need it equal to the number of
    contacts the file names; ``by``: who runs it (recorded in the procedure journal).
    """
    from .steps import tag_step

    tag_step(project_dir, FLOW_NAME)
    return contact_service_task(project_dir, operation, env, file, confirm, by)


def start_contact_service(project_dir: Path, operation: str, env: str, file: Path, confirm: int | None = None,
                          by: str | None = None) -> Path:
    """Run ``contact-service`` tagged ``adi`` and the project's name; returns the run folder."""
    project = load_project(project_dir)
    with tags(team_of(FLOW_NAME), project.config.name):
        return Path(contact_service(str(Path(project_dir).resolve()), operation, env, str(Path(file).resolve()),
                                    confirm, by))
