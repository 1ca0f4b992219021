"""``stx-migrate dedup FILE --out DIR [--project DIR --env ENV] [--decisions REVIEWED.xlsx]``.

The same matching as ``prepare-data`` on a SecuTix-format file alone (no Prefect, no
project needed); with ``--project`` it uses the project's dedup settings and keeps the
review decisions and identities under the project's ``procedure/`` folder; with ``--env``
it also matches against that environment's contacts.
"""
from __future__ import annotations

import logging
from pathlib import Path

import typer

from .common import finish, open_project, setup_logging

log = logging.getLogger("stx_migrate.dedup")


def dedup(
    file: Path = typer.Argument(..., help="A SecuTix import file (.xlsx or .csv)."),
    out: Path = typer.Option(..., "--out", help="Folder for duplicates.csv, review.xlsx and summary.json."),
    project: Path | None = typer.Option(None, "--project", help="Project folder: its dedup settings and kept decisions.",
                                        exists=True, file_okay=False),
    env: str | None = typer.Option(None, "--env", help="Also match against this environment's contacts (needs --project)."),
    decisions: list[Path] = typer.Option(
        [], "--decisions", exists=True, dir_okay=False,
        help="A returned review.xlsx whose decisions to apply (repeatable); kept in the project with --project."),
) -> None:
    """Find duplicate contacts in a SecuTix-format file (and against an environment's contacts)."""
    setup_logging()
    # here, not at the top: every other command would pay for the dedup engine and pandas at start-up
    from stx_migrate.migration.dedup import find_duplicates
    from stx_migrate.migration.dedup.decisions import ReviewDecisions
    from stx_migrate.migration.dedup.project import find_duplicates_in_project
    from stx_migrate.migration.dedup.result import DUPLICATE_COLUMNS
    from stx_migrate.migration.dedup.review import read_review_file, write_review_workbook
    from stx_migrate.migration.errors import ConfigError
    from stx_migrate.migration.secutix_file import read_secutix_file
    from stx_migrate.migration.settings.dedup import DedupSettings
    from stx_migrate.migration.summary import write_summary
    from stx_migrate.migration.workspace import Workspace, staged_output

    if env and not project:
        raise ConfigError("--env needs --project (the environment is defined in the project file)")
    contacts = read_secutix_file(file).frame
    settings, country, existing, procedure_dir = DedupSettings(), "FR", None, None
    if project:
        loaded = open_project(project)
        settings, country = loaded.config.dedup, loaded.config.country
        procedure_dir = Workspace(loaded.config.name).procedure_dir
        if env:
            from stx_migrate.connectors.target import environment_contacts  # the store: only when asked
            existing = environment_contacts(loaded, env)
    log.info("dedup: %d rows read from %s", len(contacts), file.name)
    if procedure_dir is not None:
        result = find_duplicates_in_project(contacts, settings, procedure_dir, existing=existing,
                                            review_files=decisions, country=country)
    else:
        given = ReviewDecisions()
        for path in decisions:
            given = given.combine(read_review_file(path))
        result = find_duplicates(contacts, settings, existing=existing, decisions=given, country=country)
    with staged_output(out) as staging:
        result.duplicates[DUPLICATE_COLUMNS].to_csv(staging / "duplicates.csv", index=False, encoding="utf-8", lineterminator="\n")
        write_review_workbook(result, contacts, staging / "review.xlsx", existing=existing)
        write_summary(result.summary(), staging / "summary.json")
    log.info("dedup: %d records, %d clusters, %d merged, %d to review, %d candidate pairs",
             result.records, result.clusters, result.auto_merged, result.to_review, result.candidate_pairs)
    finish(out)


def register(app: typer.Typer) -> None:
    """Add ``dedup`` to the app."""
    app.command("dedup")(dedup)
