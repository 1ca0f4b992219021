"""``stx-migrate env setup``: an emulated environment set up for the project, or copied from another (step 11);
``stx-migrate env reset``: one emptied of its imports for a new trial, its set-up kept."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .common import ProjectOption, finish, open_project, setup_logging

env_app = typer.Typer(help="The project's emulated SecuTix environments (sql stores).", no_args_is_help=True)


@env_app.command("setup")
def setup(
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="The environment to set up (a sql environment of project.yaml)."),
    from_env: Optional[str] = typer.Option(None, "--from", help="Copy what this environment holds (e.g. prod into preprod)."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Library logs too."),
) -> None:
    """Create or complete ENV with the project's institution, organization and reference.yaml (or --from ENV's)."""
    setup_logging(verbose)
    loaded = open_project(project)
    from stx_migrate.connectors.env_setup import setup_environment

    result = setup_environment(loaded, env, from_env)
    typer.echo(f"{env}: set up from {result['from']}; holds "
               + ", ".join(f"{n} {what}" for what, n in result["holds"].items()), err=True)
    for line in result["missing"]:
        typer.echo(f"{env}: {line}", err=True)
    _finish_at_store(loaded, env)


@env_app.command("reset")
def reset(
    project: Path = ProjectOption,
    env: str = typer.Option(..., "--env", help="The environment to empty (an emulated sql store, never production)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation (scripts); without a terminal it is required."),
    verbose: bool = typer.Option(False, "-v", "--verbose", help="Library logs too."),
) -> None:
    """Remove what imports put in ENV (contacts, the import journal) for a new trial; its set-up is kept.

    Refused (exit 1) for production (prod, or production: true) and for non-sql environments. Asks first unless --yes.
    """
    setup_logging(verbose)
    loaded = open_project(project)
    from stx_migrate.connectors.env_reset import contacts_held, reset_environment
    from stx_migrate.migration.errors import GuardRefused

    held = contacts_held(loaded, env)
    if held is None:
        typer.echo(f"{env}: no store yet, nothing to reset", err=True)
    else:
        if not yes:
            if not sys.stdin.isatty():   # a script or a pipe: never wait for an answer that cannot come
                raise GuardRefused(f"{env} not reset: no terminal to confirm on; give --yes to remove its {held} contact(s)")
            if not typer.confirm(f"Remove the {held} contact(s) and the import journal of {env}? "
                                 "Its set-up is kept.", default=False, err=True):
                raise GuardRefused(f"{env} not reset (not confirmed)")
        counts = reset_environment(loaded, env, expected_contacts=held, on_wait=lambda: typer.echo(
            f"{env}: an import is writing into it; the reset waits for it to end (Ctrl-C to give up)", err=True))
        typer.echo(f"{env}: reset; removed " + ", ".join(f"{n} {what}" for what, n in counts.items()), err=True)
    _finish_at_store(loaded, env)


def _finish_at_store(loaded, env: str) -> None:
    """The store's folder (SQLite) or the project folder as the last line; a server store's URL, redacted, on stderr."""
    from stx_migrate.connectors.environments import store_url
    from stx_migrate.connectors.secrets import redact

    url, secrets = store_url(loaded, env)
    folder = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else None
    if folder is None:
        typer.echo(redact(url, secrets), err=True)
    finish(folder or loaded.folder)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
