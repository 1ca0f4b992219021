"""``stx-migrate guide``: the customer's starter kit (format guide and empty template) in their language."""
from __future__ import annotations

from pathlib import Path

import typer

from .common import finish, setup_logging


def guide(
    lang: str = typer.Option("en", "--lang", help="fr, de or en."),
    out: Path = typer.Option(..., "--out", help="The folder to write guide.xlsx and contacts-template.xlsx into."),
) -> None:
    """Write the format guide (every column, every rule with the validator's message, CONFIG rows) and the template."""
    setup_logging()
    from stx_migrate.migration.errors import InputError
    from stx_migrate.migration.report.guide import write_guide
    from stx_migrate.migration.report.words import LANGUAGES

    if lang not in LANGUAGES:
        raise InputError("unknown language", value=lang, hint=f"allowed: {', '.join(LANGUAGES)}")
    for path in write_guide(out, lang):
        typer.echo(f"written: {path.name}", err=True)
    finish(out)


def register(app: typer.Typer) -> None:
    app.command("guide")(guide)
