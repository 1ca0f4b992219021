"""``stx-migrate env setup``: an emulated environment set up for the project, or copied from another (step 11)."""
from __future__ import annotations

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
    from stx_migrate.connectors.environments import store_url
    from stx_migrate.connectors.secrets import redact

    result = setup_environment(loaded, env, from_env)
    typer.echo(f"{env}: set up from {result['from']}; holds "
               + ", ".join(f"{n} {what}" for what, n in result["holds"].items()), err=True)
    for line in result["missing"]:
        typer.echo(f"{env}: {line}", err=True)
    url, secrets = store_url(loaded, env)
    folder = Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else None
    if folder is None:
        typer.echo(redact(url, secrets), err=True)
    finish(folder or loaded.folder)


def register(app: typer.Typer) -> None:
    app.add_typer(env_app, name="env")
