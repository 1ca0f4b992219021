"""``stx-migrate init --project DIR --from SOURCE``: scaffold project.yaml and a protocol from a source."""
from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import List, Optional

import typer

from stx_migrate.migration.errors import ConfigError

from .common import finish, setup_logging


def init(
    project: Path = typer.Option(..., "--project", help="The project folder to create (or an empty one).", file_okay=False),
    from_: Optional[Path] = typer.Option(None, "--from", help="The customer's file: .csv, .xlsx, .sqlite, .mdb, .sql "
                                         "(a SecuTix-layout file becomes a secutix-file source)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="A server source's kind: postgresql, mysql, mssql, oracle, odbc."),
    url: Optional[str] = typer.Option(None, "--url", help="Its URL, the password as a reference: ${env:NAME} or ${secret:BLOCK}."),
    table: Optional[List[str]] = typer.Option(None, "--table", help="A table to read (repeat; default: every table)."),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="A workbook's sheet (default: every sheet; SecuTix file: the first)."),
    name: Optional[str] = typer.Option(None, "--name", help="The project's name (default: the folder's name)."),
    institution: str = typer.Option("TODO", "--institution", help="The SecuTix institution code."),
    organization: str = typer.Option("TODO", "--organization", help="The SecuTix organization code."),
    country: str = typer.Option("FR", "--country", help="The institution's country (ISO alpha-2)."),
    language: str = typer.Option("fr", "--language", help="The institution's language (ISO 639-1)."),
    j_date: Optional[str] = typer.Option(None, "--j-date", help="The go-live date J, YYYY-MM-DD (default: in 8 weeks)."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing project.yaml / protocol.yaml."),
) -> None:
    """Write project.yaml and a protocol skeleton guessed from the source; `stx-migrate check` accepts them at once.

    Every source column is listed in protocol.yaml as a comment with the SecuTix column guessed for it
    (names, dates, e-mails, phones, postcodes, countries; headers in French, German and English).
    """
    setup_logging()
    from stx_migrate.connectors.scaffold import inspect_source
    from stx_migrate.migration.scaffold import PROTOCOL_FILE, render_project, render_protocol
    from stx_migrate.migration.settings.project import PROJECT_FILE, load_project

    folder = project.resolve()
    written = [folder / PROJECT_FILE, folder / PROTOCOL_FILE]
    existing = [p.name for p in written if p.exists()]
    if existing and not force:
        raise ConfigError(f"{folder}: {', '.join(existing)} already there (--force overwrites)")
    try:
        go_live = date.fromisoformat(j_date) if j_date else date.today() + timedelta(weeks=8)
    except ValueError:
        raise ConfigError(f"--j-date: not a date YYYY-MM-DD (value: {j_date})") from None
    project_name = name or re.sub(r"[^A-Za-z0-9._-]+", "-", folder.name).strip("-._") or "project"
    folder.mkdir(parents=True, exist_ok=True)
    scaffold = inspect_source(folder, from_path=from_, kind=kind, url=url, tables=table or None, sheet=sheet,
                              name=project_name)
    written[0].write_text(render_project(scaffold, institution=institution, organization=organization,
                                         country=country.upper(), language=language.lower(), j_date=go_live),
                          encoding="utf-8")
    written[1].write_text(render_protocol(scaffold), encoding="utf-8")
    load_project(folder)   # what was written loads: a mistake here is ours, not the user's
    for dataset, guesses in scaffold.guesses.items():
        found = sum(1 for g in guesses if g.target)
        typer.echo(f"{dataset}: {len(guesses)} columns, {found} with a guessed SecuTix column", err=True)
    finish(folder)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("init")(init)
