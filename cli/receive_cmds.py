"""``stx-migrate receive --project DIR``: the receive step as its Prefect flow."""
from __future__ import annotations

from pathlib import Path

import typer

from stx_migrate.migration.errors import StxError
from stx_migrate.migration.workspace import Workspace

from .common import ProjectOption, finish, open_project, setup_logging, start_flows


def receive(project: Path = ProjectOption) -> None:
    """Read the project's source into a new snapshot; prints the snapshot folder (holding manifest.json)."""
    setup_logging()
    loaded = open_project(project)  # a bad project.yaml fails here, before any flow starts
    start_flows()
    from stx_migrate.flows.receive import run_receive

    try:
        snapshot_id = run_receive(project)
    except StxError as e:
        raise getattr(e, "detail", e) from None  # the user's terminal gets the full message
    finish(Workspace(loaded.config.name).path("snapshots", snapshot_id))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("receive")(receive)
