"""``stx-migrate import`` and ``stx-migrate service`` (architecture §4)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stx_migrate.migration.errors import ConfigError, StxError

from .common import ProjectOption, finish, open_project, setup_logging, start_flows


def import_(
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="The environment: dev, preprod, prod or another declared one."),
    deliverable: Optional[str] = typer.Option(None, "--deliverable", help="Deliverable id (default: the latest)."),
    again: bool = typer.Option(False, "--again", help="prod: import into production once more (refused otherwise)."),
) -> None:
    """Import a deliverable into an environment: dev (flow import-dev), preprod (import-preprod), prod (import-production)."""
    setup_logging()
    loaded = open_project(project)
    if env not in loaded.config.environments:
        allowed = ", ".join(loaded.config.environments) or "none declared"
        raise ConfigError(f"{loaded.folder / 'project.yaml'} › environments › {env}: not declared (allowed: {allowed})")
    try:
        if env == "preprod":
            start_flows()
            from stx_migrate.flows.procedure import import_preprod

            folder = _folder_of(import_preprod(str(loaded.folder), deliverable), loaded, env)
        elif env == "prod":
            start_flows()
            from stx_migrate.flows.procedure import import_production

            folder = _folder_of(import_production(str(loaded.folder), deliverable, again), loaded, env)
        else:
            start_flows()
            from stx_migrate.flows.imports import start_import_dev

            folder = start_import_dev(loaded.folder, env, deliverable)
    except StxError as e:
        raise getattr(e, "detail", e) from None
    finish(folder)


def _folder_of(result, project, env: str) -> Path:
    """The import run folder from what a procedure step returned (a path, or a dict naming it)."""
    from stx_migrate.migration.workspace import Workspace

    if isinstance(result, dict):
        for key in ("import_folder", "folder", "run_folder"):
            if result.get(key):
                return Path(result[key])
    if isinstance(result, (str, Path)) and Path(result).is_dir():
        return Path(result)
    return Workspace(project.config.name).resolve("imports", None, env)


def service(
    operation: str = typer.Argument(..., help="create | update | update-by-email | inactivate | anonymize | delete | "
                                              "qualify-contacts | qualify-structures"),
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="The environment the service runs on."),
    file: Path = typer.Option(..., "--file", help="SecuTix-format rows (CSV/XLSX) or a file of contact numbers."),
    confirm: Optional[int] = typer.Option(None, "--confirm", help="Production: delete, anonymize and inactivate need "
                                          "the number of contacts the file names, repeated here."),
    by: Optional[str] = typer.Option(None, "--by", help="Who runs the service (recorded; default: the system user)."),
) -> None:
    """Run a contact service (flow contact-service) on one environment with the rows of FILE."""
    setup_logging()
    from stx_migrate.migration.service_input import SERVICE_OPERATIONS

    if operation not in SERVICE_OPERATIONS:
        raise ConfigError(f"service: unknown operation {operation!r} (allowed: {', '.join(SERVICE_OPERATIONS)})")
    loaded = open_project(project)
    if env not in loaded.config.environments:
        allowed = ", ".join(loaded.config.environments) or "none declared"
        raise ConfigError(f"{loaded.folder / 'project.yaml'} › environments › {env}: not declared (allowed: {allowed})")
    start_flows()
    from stx_migrate.flows.services import start_contact_service
    from stx_migrate.migration.service_input import read_service_input

    read_service_input(file)  # a bad file stops here with exit 2, before any flow run
    try:
        folder = start_contact_service(loaded.folder, operation, env, file, confirm, by)
    except StxError as e:
        raise getattr(e, "detail", e) from None
    finish(folder)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``service`` to the app."""
    app.command("import")(import_)
    app.command("service")(service)
