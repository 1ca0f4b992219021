"""``stx-migrate validate`` and ``stx-migrate template``: the format, with no project.

Both run the pure core directly (no Prefect flow: they touch no project or environment).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Optional

import typer

from .common import finish, setup_logging

log = logging.getLogger("stx_migrate.validate")


def validate(
    file: Path = typer.Argument(..., help="The SecuTix-format file to check (.xlsx in the template layout, or .csv)."),
    out: Path = typer.Option(..., "--out", help="Folder for summary.json and rejects.csv (created or refreshed)."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="CSV encoding (utf-8-sig, utf-8, cp1252); detected by default."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="YAML of the target's reference data (titles, languages, criteria…): codes are checked against it."),
    country: Optional[str] = typer.Option(None, "--country", help="The institution's country (ISO alpha-2): default for an unknown COUNTRY."),
) -> None:
    """Check a SecuTix-format file against the format rules; prints the output folder.

    Exit 0 when the file was read (rejected rows are not a failure), 2 when it cannot be read.
    """
    setup_logging()
    from stx_migrate.migration.reference import load_reference
    from stx_migrate.migration.validate import validate_file

    data = load_reference(reference) if reference else None
    summary = validate_file(file, out, reference=data, institution_country=country, encoding=encoding)
    typer.echo(f"{summary.rows_in} rows: {summary.valid} valid, {summary.rejected} rejected, "
               f"{summary.warnings} rows with warnings (one line per value in rejects.csv)", err=True)
    finish(out)


def template(
    file: Path = typer.Argument(..., help="The file to write: .xlsx (template layout) or .csv."),
    with_role: bool = typer.Option(False, "--with-role", help="Include the ROLE column of older templates (secutix-format §13 Q8)."),
    encoding: str = typer.Option("utf-8-sig", "--encoding", help="CSV encoding: utf-8-sig (default) or cp1252."),
) -> None:
    """Write an empty import file in the template layout (4 header rows, every column); prints its folder."""
    setup_logging()
    from stx_migrate.migration.errors import InputError
    from stx_migrate.migration.secutix_file import write_template
    from stx_migrate.migration.settings.output import OutputSettings

    if encoding not in ("utf-8-sig", "cp1252"):
        raise InputError("unknown CSV encoding", value=encoding, hint="utf-8-sig or cp1252")
    file.parent.mkdir(parents=True, exist_ok=True)
    write_template(file, settings=OutputSettings(csv_encoding=encoding), with_role=with_role)
    log.info("template written: %s", file)
    finish(file.parent)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    app.command("validate")(validate)
    app.command("template")(template)
