"""``stx-migrate``: the command line (architecture §4).

Exit codes: 0 the step did its job (rejected rows are not a failure), 1 a gate or
guard refused, 2 bad input or configuration (naming the file › path, or the file,
row, column and value), 3 an unexpected failure (one line and the path of the log
file in the workspace that holds the traceback). No traceback reaches the terminal.
Every command that writes prints the folder it wrote as the last line of standard
output; logs go to standard error.
"""
from __future__ import annotations

import sys

import typer
from typer.exceptions import Abort, TyperException

from stx_migrate.migration.errors import StxError

from . import (customer_cmds, dedup_cmds, env_cmds, export_cmds, format_cmds, import_cmds, import_log_cmds, init_cmds,
               prepare_cmds, procedure_cmds, receive_cmds)
from .failures import INCIDENTS, no_telemetry, quiet_console, unexpected

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


for module in (init_cmds, format_cmds, receive_cmds, prepare_cmds, dedup_cmds, import_cmds, import_log_cmds, export_cmds,
               procedure_cmds, env_cmds, customer_cmds):
    module.register(app)


EXIT_DONE, EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_UNEXPECTED = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app; every failure becomes its exit code and one message on stderr."""
    no_telemetry()
    quiet_console()
    INCIDENTS.start()
    try:
        # Not standalone: usage errors come here instead of being printed as a boxed usage text.
        result = app(args=argv, prog_name="stx-migrate", standalone_mode=False)
    except SystemExit as e:  # a command may still end with SystemExit
        return e.code if isinstance(e.code, int) else (0 if e.code is None else EXIT_BAD_INPUT)
    except TyperException as e:   # a usage error, a bad parameter value: one line, exit 2
        if type(e).__name__ == "NoArgsIsHelpError":   # the bare command: its help, as click does
            typer.echo(e.format_message(), err=True)
            return EXIT_BAD_INPUT
        context = getattr(e, "ctx", None)
        where = f"stx-migrate {context.info_name}" if context is not None and context.parent is not None else "stx-migrate"
        typer.echo(f"stx-migrate: {e.format_message()} (see '{where} --help')", err=True)
        return EXIT_BAD_INPUT
    except Abort:
        typer.echo("stx-migrate: interrupted", err=True)
        return 130
    except StxError as e:
        typer.echo(f"stx-migrate: {e}", err=True)
        return e.exit_code
    except FileNotFoundError as e:
        typer.echo(f"stx-migrate: {e}", err=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        typer.echo("stx-migrate: interrupted", err=True)
        return 130
    except Exception as e:  # noqa: BLE001 - the one place where anything unexpected is turned into exit 3
        typer.echo(f"stx-migrate: {unexpected(e)}", err=True)
        return EXIT_UNEXPECTED
    return result if isinstance(result, int) else EXIT_DONE   # typer.Exit(code) comes back as its code


if __name__ == "__main__":
    sys.exit(main())
