"""``stx-migrate import-log --project DIR --env ENV FILE``: absorb SecuTix's import log of a delivered file."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stx_migrate.migration.errors import ConfigError

from .common import ProjectOption, finish, open_project, setup_logging


def import_log(
    file: Path = typer.Argument(..., help="SecuTix's import log (xlsx or csv), one line per row of the delivered file."),
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="The file-drop or sftp environment the file was delivered to."),
    run: Optional[str] = typer.Option(None, "--run", help="The import run id (default: the latest of the environment)."),
) -> None:
    """Map each line of SecuTix's log to its source row; the import run then shows SecuTix's real counts and
    not_imported.csv every source row that did not land (stage, code, message). Prints the import run folder."""
    setup_logging()
    from stx_migrate.migration.import_log import absorb_import_log, refresh_production_record
    from stx_migrate.migration.summary import read_summary
    from stx_migrate.migration.workspace import Workspace

    loaded = open_project(project)
    settings = loaded.config.environments.get(env)
    if settings is None or settings.kind not in ("file-drop", "sftp"):
        kind = settings.kind if settings else "not declared"
        raise ConfigError(f"{loaded.folder / 'project.yaml'} › environments › {env}: {kind}; only a file-drop or sftp "
                          "environment gets SecuTix's import log (a sql environment writes its own)")
    workspace = Workspace(loaded.config.name)
    import_dir = workspace.resolve("imports", run, env)
    summary = read_summary(import_dir / "summary.json").model_dump()
    deliverable_dir = workspace.path("deliverables", summary["deliverable_id"])
    result = absorb_import_log(import_dir, deliverable_dir, file, loaded.config.import_log)
    production = refresh_production_record(workspace.kind_dir("production"), import_dir)
    said = (f"SecuTix's log of deliverable {summary['deliverable_id']} on {env}: {result.imported} imported "
            f"({result.warnings} with a warning), {result.refused} refused, {result.not_in_log} not in the log; "
            f"{result.not_imported} of {result.rows_in} source rows not imported (not_imported.csv)")
    typer.echo(said, err=True)
    _tell_the_ticket(loaded, said, production, deliverable_dir)
    finish(import_dir)


def _tell_the_ticket(project, said: str, production: Path | None, deliverable_dir: Path) -> None:
    """A note with SecuTix's counts; for the production import (step 16) the complete not_imported.csv
    (SecuTix's refusals included) and gate.md attached. An unreachable ticket is a warning: the log is absorbed."""
    from stx_migrate.migration.errors import StxError
    from stx_migrate.tasks.procedure import note_ticket

    files = [production / "not_imported.csv", deliverable_dir / "gate.md"] if production is not None else None
    try:
        note_ticket(project, said + ("; the complete list attached" if files else ""), files=files)
    except StxError as e:
        typer.echo(f"warning: the ticket could not be told: {e}", err=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("import-log")(import_log)
