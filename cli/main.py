"""``stx-migrate``: the command line (DESIGN §4).

Exit codes: 0 the step did its job (rejected rows are not a failure), 1 a gate or
guard refused, 2 bad input or configuration. Every command that writes prints the
folder it wrote as the last line of standard output; logs go to standard error.
"""
from __future__ import annotations

import sys

import typer

from stx_migrate.migration.errors import StxError

from . import (customer_cmds, dedup_cmds, env_cmds, format_cmds, import_cmds, init_cmds, prepare_cmds, procedure_cmds,
               receive_cmds)

app = typer.Typer(
    name="stx-migrate",
    help="Carry a customer's contacts into SecuTix: receive, prepare, import, validate, go live.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """stx-migrate: every step of a SecuTix contact migration, each a Prefect flow."""



@app.command("version")
def version() -> None:
    """Print the installed version of stx-migrate."""
    from stx_migrate.migration import __version__

    typer.echo(__version__)


for module in (init_cmds, format_cmds, receive_cmds, prepare_cmds, dedup_cmds, import_cmds, procedure_cmds, env_cmds,
               customer_cmds):
    module.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; an StxError becomes its exit code and a one-paragraph message."""
    try:
        app(args=argv, prog_name="stx-migrate")  # standalone: usage errors exit 2 by themselves
    except SystemExit as e:  # click ends even a successful command with SystemExit(0)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except StxError as e:
        typer.echo(f"stx-migrate: {e}", err=True)
        return e.exit_code
    except FileNotFoundError as e:
        typer.echo(f"stx-migrate: {e}", err=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
