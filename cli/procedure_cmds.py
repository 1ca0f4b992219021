"""The procedure's commands: decide, refresh, production, close, run, deploy, demo.

Each runs its Prefect flow (or talks to the Prefect API) and prints the folder it wrote
as the last line of standard output. Exit 1 when a guard refuses (the reasons go to
standard error and to the run's Failed state), 2 for a bad project.
"""
from __future__ import annotations

from pathlib import Path

import typer

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.workspace import Workspace

from .common import ProjectOption, finish, open_project, setup_logging, start_flows


def decide(
    project: Path = ProjectOption,
    approve: bool = typer.Option(False, "--approve", help="Approve."),
    reject: bool = typer.Option(False, "--reject", help="Reject."),
    by: str = typer.Option(..., "--by", help="Who decides (a name, not blank)."),
    comment: str = typer.Option("", "--comment", help="Why, in the decider's words."),
    step: str = typer.Option("customer", "--step",
                             help="customer: the customer's validation of pre-production (default); transformations: "
                                  "ADI's approval of the planned protocol (step 6); gate: VN's sign-off of the gate (step 9)."),
) -> None:
    """Give an approval: resumes the paused run waiting for it, records it either way (with protocol hash and snapshot)."""
    setup_logging()
    if approve == reject:
        raise InputError("give exactly one of --approve or --reject")
    by, comment = by.strip(), comment.strip()
    if not by:
        raise InputError("--by: the validator's name is required and may not be blank")
    if step not in ("customer", "transformations", "gate"):
        raise InputError(f"--step {step}: allowed: customer, transformations, gate")
    loaded = open_project(project)
    start_flows()
    if step == "customer":
        from stx_migrate.flows.procedure import give_decision

        decision, run_id = give_decision(str(project), approve, by.strip(), comment)
        what = f"on deliverable {decision.deliverable_id}"
    else:
        from stx_migrate.flows.approvals import give_approval

        decision, run_id = give_approval(str(project), step, approve, by, comment)
        what = f"on protocol {decision.protocol_hash[:12]}" + (f", deliverable {decision.deliverable_id}"
                                                               if decision.deliverable_id else "")
    where = f"resumed run {run_id}" if run_id else "no run waiting for it: recorded only"
    typer.echo(f"{step}: {decision.verdict} by {decision.by} {what} ({where})", err=True)
    finish(Workspace(loaded.config.name).procedure_dir)


def refresh(project: Path = ProjectOption) -> None:
    """J-1: new extraction, the validated protocol replayed, the gate, the diff; prints the refresh folder."""
    setup_logging()
    open_project(project)
    start_flows()
    from stx_migrate.flows.procedure import refresh_j_1

    finish(Path(refresh_j_1(str(project.resolve()))["run_folder"]))


def production(project: Path = ProjectOption,
               deliverable: str = typer.Option(None, "--deliverable", help="Deliverable id (default: the latest)."),
               again: bool = typer.Option(False, "--again", help="Import into production once more (refused otherwise).")) -> None:
    """J: import into production if the guards hold; prints the production folder (not_imported.csv)."""
    setup_logging()
    open_project(project)
    start_flows()
    from stx_migrate.flows.procedure import import_production

    result = import_production(str(project.resolve()), deliverable, again)
    every = result.get("every_row") or {}
    if every:   # every source row: imported + not imported = rows in
        typer.echo(f"production: {every['rows in']} rows in = {every['imported']} imported + {every['not imported']} "
                   f"not imported ({every['rejected']} rejected, {every['merged']} merged, {every['dropped']} dropped, "
                   f"{every['refused by the import']} refused by the import); report.xlsx for the customer", err=True)
    finish(Path(result["run_folder"]))


def close(project: Path = ProjectOption,
          by: str = typer.Option(None, "--by", help="Who validates (default: the project leader).")) -> None:
    """The project leader's final validation: the ticket is set to solved."""
    setup_logging()
    loaded = open_project(project)
    start_flows()
    from stx_migrate.flows.procedure import final_validation

    final_validation(str(project.resolve()), by)
    finish(Workspace(loaded.config.name).procedure_dir)


def run(project: Path = ProjectOption,
        wait_for_dates: bool = typer.Option(False, "--wait-for-dates", help="Wait for J-1 and J before refresh and production.")) -> None:
    """The whole procedure; resumes after the last finished step. Pauses for the customer's decision."""
    setup_logging()
    loaded = open_project(project)
    start_flows()
    from stx_migrate.flows.procedure import migration_procedure

    migration_procedure(str(project.resolve()), wait_for_dates=wait_for_dates)
    finish(Workspace(loaded.config.name).procedure_dir)


def deploy(project: Path = ProjectOption,
           pool: str = typer.Option("stx-migrate", "--pool", help="The process work pool to create or use.")) -> None:
    """Create the work pool and the deployments (refresh at J-1, production at J); prints where prefect.yaml went."""
    setup_logging()
    open_project(project)
    from stx_migrate.deployments.deploy import deploy_project

    result = deploy_project(project.resolve(), pool)
    for name, when in result["schedules"].items():
        typer.echo(f"{name}: scheduled {when}", err=True)
    typer.echo(f"start a worker: prefect worker start --pool {pool}", err=True)
    finish(Path(result["prefect_yaml"]).parent)


def server(project: Path = ProjectOption,
           port: int = typer.Option(0, "--port", help="Port of the local Prefect server (default: a free one)."),
           pool: str = typer.Option("stx-migrate", "--pool", help="The process work pool of the deployments.")) -> None:
    """A local Prefect server with every step of the project deployed and a worker; Ctrl-C stops both.

    Prints the UI address: start a step there (Deployments › Run) and answer the paused runs (Resume).
    """
    setup_logging()
    loaded = open_project(project)
    from stx_migrate.deployments.server import serve

    home = Workspace(loaded.config.name).root / "prefect"
    serve(project.resolve(), home, port or None, pool)
    finish(home)


def demo(
    folder: Path = typer.Option(Path("workspace") / "demo", "--dir",
                                help="Where to put the demo project, its workspace and its Prefect database "
                                     "(default under ./workspace, which is never committed)."),
    keep_server: bool = typer.Option(False, "--keep-server", help="Leave the Prefect UI running until Ctrl-C."),
    port: int = typer.Option(0, "--port", help="Port of the local Prefect server (default: a free one)."),
) -> None:
    """Everything on the bundled sample: a local Prefect server, SQLite environments, the whole procedure.

    The customer's decision is given automatically (the log and the summary say so).
    """
    setup_logging()
    from stx_migrate.deployments.demo import run_demo

    finish(run_demo(folder.resolve(), keep_server=keep_server, port=port or None))


def register(app: typer.Typer) -> None:
    """Add this area's commands to the app."""
    for name, command in (("decide", decide), ("refresh", refresh), ("production", production), ("close", close),
                          ("run", run), ("deploy", deploy), ("server", server), ("demo", demo)):
        app.command(name)(command)
