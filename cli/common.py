"""Helpers shared by the CLI commands."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from stx_migrate.migration.settings.project import Project, load_project

ProjectOption = typer.Option(..., "--project", help="The project folder (holds project.yaml).", exists=True, file_okay=False)


def setup_logging(verbose: bool = False) -> None:
    """Progress and logs go to standard error; standard output carries only results."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:   # one line per API call or schema migration drowns the progress lines
        for chatty in ("httpx", "httpcore", "urllib3", "alembic"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


def finish(folder: Path) -> None:
    """Print the folder a command wrote as the last line of standard output (DESIGN §4)."""
    sys.stdout.flush()
    typer.echo(str(Path(folder).resolve()))


def open_project(folder: Path) -> Project:
    return load_project(folder)
