"""Helpers shared by the CLI commands."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from .failures import quiet_console

if TYPE_CHECKING:
    from stx_migrate.migration.settings.project import Project

ProjectOption = typer.Option(..., "--project", help="The project folder (holds project.yaml).", exists=True, file_okay=False)


def setup_logging(verbose: bool = False) -> None:
    """Progress and logs go to standard error, one line each; standard output carries only results."""
    quiet_console(verbose)


def finish(folder: Path) -> None:
    """Print the folder a command wrote as the last line of standard output (architecture §4)."""
    sys.stdout.flush()
    typer.echo(str(Path(folder).resolve()))


_opened: list[Project] = []   # the project this command works on (what start_flows cleans up after)


def open_project(folder: Path) -> Project:
    """Load the project and remove what a killed command of it left: its staging folders (personal data)."""
    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.migration.workspace import Workspace

    project = load_project(folder)
    removed = Workspace(project.config.name).remove_stale_staging()
    if removed:
        logging.getLogger("stx_migrate.cli").warning(
            "removed %d staging folder(s) left by a killed command: %s", len(removed), ", ".join(p.name for p in removed))
    _opened[:] = [project]
    return project


def start_flows() -> None:
    """Before a command's flow runs: on the Prefect server in use, or plainly when there is none
    (no temporary server per command; see deployments/run_mode.py). On a server, the project's
    runs that a killed command left RUNNING are marked Crashed first."""
    from stx_migrate.deployments.run_mode import choose_run_mode
    from stx_migrate.tasks.orchestrator import prefect_loaded

    mode = choose_run_mode()
    if mode == "server" and _opened:
        from stx_migrate.tasks.run_marker import crash_abandoned_runs

        crash_abandoned_runs(_opened[0].config.name)
    elif mode == "plain" and not prefect_loaded():
        from .failures import plain_run_console

        plain_run_console()
