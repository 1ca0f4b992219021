"""``stx-migrate check`` and ``stx-migrate prepare`` (architecture §4)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import ProjectOption, finish, open_project, setup_logging, start_flows


def check(project: Path = ProjectOption) -> None:
    """Compile project.yaml and the protocol against the latest snapshot's columns (before any
    snapshot: the source's columns, read from its headers); touches no data rows."""
    setup_logging()
    from stx_migrate.migration.prepare import project_context
    from stx_migrate.migration.protocol.project_protocol import compile_project_protocol, protocol_file_of
    from stx_migrate.migration.snapshot import KIND as SNAPSHOTS
    from stx_migrate.migration.snapshot import Snapshot
    from stx_migrate.migration.workspace import Workspace

    loaded = open_project(project)
    config = loaded.config
    protocol_file = protocol_file_of(loaded) or f"pass-through protocol of {config.source.path}"
    latest = Workspace(config.name).latest(SNAPSHOTS)
    if latest is not None:
        manifest, against = Snapshot(Workspace(config.name).path(SNAPSHOTS, latest)).manifest, f"snapshot {latest}"
    else:
        from stx_migrate.connectors.sources import open_source

        with open_source(config.source, loaded.folder) as source:
            manifest = {"datasets": {name: {"columns": info.columns} for name, info in source.describe().items()}}
        against = f"the source's columns (no snapshot yet: stx-migrate receive --project {project})"
    compiled = compile_project_protocol(loaded, manifest, project_context(config))
    typer.echo(f"{protocol_file}: compiles against {against} ({len(compiled.columns)} columns, "
               f"{len(compiled.filters)} filters, protocol hash {compiled.hash})")


def prepare(
    project: Path = ProjectOption,
    snapshot: Optional[str] = typer.Option(None, "--snapshot", help="Snapshot id (default: the latest)."),
    env: Optional[str] = typer.Option(None, "--env", help="Environment whose catalogue the gate checks (default: dev)."),
) -> None:
    """Apply the protocol to a snapshot, write the deliverable and run the quality gate.

    Exit 1 when the gate refuses; the deliverable folder is the last line of output either way.
    """
    setup_logging()
    from stx_migrate.migration.errors import ConfigError, GateRefused, StxError
    from stx_migrate.migration.prepare import DELIVERABLES
    from stx_migrate.migration.snapshot import KIND as SNAPSHOTS
    from stx_migrate.migration.workspace import Workspace

    loaded = open_project(project)
    workspace = Workspace(loaded.config.name)
    if snapshot is None and workspace.latest(SNAPSHOTS) is None:   # say it before any flow starts
        raise ConfigError(f"no snapshot of project {loaded.config.name} yet: nothing to prepare "
                          f"(run: stx-migrate receive --project {project})")
    if snapshot is not None:
        workspace.path(SNAPSHOTS, snapshot)                        # FileNotFoundError names the ones that exist
    start_flows()
    from stx_migrate.flows.prepare import run_prepare

    try:
        deliverable_id = run_prepare(project, snapshot, env)
    except GateRefused as e:
        deliverable_id = getattr(e, "deliverable_id", "") or workspace.latest(DELIVERABLES)
        typer.echo("stx-migrate: quality gate refused: " + "; ".join(e.reasons), err=True)
        finish(workspace.path(DELIVERABLES, deliverable_id))
        raise typer.Exit(code=1)
    except StxError as e:
        raise getattr(e, "detail", e) from None   # the user's terminal gets the full message
    finish(workspace.path(DELIVERABLES, deliverable_id))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("check")(check)
    app.command("prepare")(prepare)
