"""Helpers shared by the CLI commands."""
from __future__ import annotations

import sys
from pathlib import Path

import typer

from stx_migrate.migration.settings.project import Project, load_project

from .failures import quiet_console

ProjectOption = typer.Option(..., "--project", help="The project folder (holds project.yaml).", exists=True, file_okay=False)


def setup_logging(verbose: bool = False) -> None:
    """Progress and logs go to standard error, one line each; standard output carries only results."""
    quiet_console(verbose)


def finish(folder: Path) -> None:
    """Print the folder a command wrote as the last line of standard output (architecture §4)."""
    sys.stdout.flush()
    typer.echo(str(Path(folder).resolve()))


def open_project(folder: Path) -> Project:
    return load_project(folder)


def start_flows() -> None:
    """Before a command's flow runs: on the Prefect server in use, or plainly when there is none
    (no temporary server per command; see deployments/run_mode.py)."""
    from stx_migrate.deployments.run_mode import choose_run_mode

    choose_run_mode()
