"""``stx-migrate export`` (contacts with their numbers, template layout) and ``stx-migrate sam-file``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from stx_migrate.migration.errors import ConfigError

from .common import ProjectOption, finish, open_project, setup_logging


def export(
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="A sql environment (read from its store), or any with --from."),
    out: Path = typer.Option(..., "--out", help="The file to write: .xlsx (template layout) or .csv."),
    from_: Optional[Path] = typer.Option(None, "--from", help="A SecuTix export file (template layout) instead of the store."),
) -> None:
    """The environment's contacts with their contact numbers in the template layout, as UPDATE rows:
    edit the file, then send it back with `stx-migrate service update`. Prints the file written."""
    setup_logging()
    from stx_migrate.connectors.environments import environment_settings, read_environment_store
    from stx_migrate.migration.export_file import contacts_for_update
    from stx_migrate.migration.secutix_file import read_secutix_file, write_secutix_file

    loaded = open_project(project)
    settings = environment_settings(loaded, env)
    if from_ is not None:
        frame, origin = read_secutix_file(from_).frame, str(from_)
    elif settings.kind == "sql":
        frame, origin = read_environment_store(loaded, env, lambda store: store.export_contacts()), f"environment {env}"
        if frame is None:
            raise ConfigError(f"environment {env}: its store does not exist yet (nothing imported there)")
    else:
        raise ConfigError(f"environment {env} is {settings.kind}: its contacts are in SecuTix; give SecuTix's export "
                          "file with --from")
    rows = contacts_for_update(frame, origin)
    written = write_secutix_file(rows, out, settings=loaded.config.output)
    typer.echo(f"{len(rows)} contacts of {origin} as UPDATE rows", err=True)
    finish(written)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("export")(export)
    app.command("sam-file")(sam_file)


def sam_file(
    project: Path = ProjectOption,
    out: Path = typer.Option(..., "--out", help="The CSV to write for SAM's import screen."),
    from_: Optional[Path] = typer.Option(None, "--from", help="A SecuTix-format file (default: the latest deliverable's contacts)."),
    template: Optional[Path] = typer.Option(None, "--template", help="A template downloaded from the customer's SAM: its "
                                            "header row names the columns (default: SecuTix codes)."),
) -> None:
    """The basic import / update-by-e-mail file for SAM: e-mail, names, one postal address, authorizations,
    criteria. Rows without an e-mail (or with one already used) are listed in <out>-skipped.csv."""
    setup_logging()
    import csv

    from stx_migrate.migration.sam_file import sam_rows
    from stx_migrate.migration.secutix_file import read_secutix_file
    from stx_migrate.migration.spreadsheet_safe import write_people_csv
    from stx_migrate.migration.workspace import Workspace

    loaded = open_project(project)
    if from_ is None:
        from_ = Workspace(loaded.config.name).resolve("deliverables", None) / "contacts.csv"
    header = None
    if template is not None:
        with open(template, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
        header = next(csv.reader([first], delimiter=";" if first.count(";") > first.count(",") else ","))
    result = sam_rows(read_secutix_file(from_).frame, header)
    result.frame.to_csv(out, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    skipped = out.with_name(f"{out.stem}-skipped.csv")
    write_people_csv(result.skipped, skipped)
    if result.unmapped:
        typer.echo("SAM template columns no SecuTix column fills (left empty): " + ", ".join(result.unmapped), err=True)
    typer.echo(f"{len(result.frame)} rows for SAM, {len(result.skipped)} left out (see {skipped.name})", err=True)
    finish(out)
