"""``stx-migrate demo``: the whole procedure on the bundled sample, watched in a local Prefect UI.

Embedded defaults: the demo project (config/demo) with its generated legacy source,
SQLite environments (dev, preprod, prod), the workspace inside the demo folder, a local
Prefect server started for the run and stopped afterwards. The customer's decision is
given **automatically** — there is no customer in a demo — and the output says so.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from .local_server import local_prefect_server

AUTO_DECISION = {"approved": True, "by": "stx-migrate demo (automatic)",
                 "comment": "given automatically by the demo: no person validated this pre-production import"}


def seed_demo_environments(project_dir: Path) -> list[str]:
    """Set up the demo's SQLite environments as a project does (``stx-migrate env setup``): dev and prod
    from the project's institution and ``reference.yaml``, then preprod copied from prod (step 11).
    Returns the environments set up, in that order."""
    from stx_migrate.connectors.env_setup import setup_environment
    from stx_migrate.migration.settings.project import load_project

    project = load_project(Path(project_dir))
    sql = [name for name, env in project.config.environments.items() if env.kind == "sql"]
    order = [n for n in sql if n != "preprod"] + (["preprod"] if "preprod" in sql else [])
    for name in order:
        setup_environment(project, name, "prod" if name == "preprod" and "prod" in sql else None)
    return order


MARKER = ".stx-migrate-demo"


def _start_afresh(folder: Path) -> None:
    """A demo always starts from nothing: a previous demo's project, workspace and Prefect
    database in ``folder`` are removed (only when the folder is marked as a demo folder)."""
    import shutil

    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            from stx_migrate.migration.errors import ConfigError

            raise ConfigError(f"{folder}: not empty and not a demo folder; give another --dir")
        for name in ("project", "workspace", "prefect-home"):
            shutil.rmtree(folder / name, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("made by stx-migrate demo; its content is replaced by the next demo\n")


def _say(text: str = "") -> None:
    print(text, file=sys.stderr, flush=True)


def run_demo(folder: Path, keep_server: bool = False, port: int | None = None, then=None) -> Path:
    """Materialise the demo project under ``folder``, run ``migration-procedure`` on it; return its workspace folder.

    ``then(ui_url, flow_run_id)``, when given, runs while the server is still up (the screenshot script).
    """
    from stx_migrate.config.demo_data import materialise_demo_project
    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.migration.workspace import HOME_VARIABLE, Workspace

    folder = Path(folder).resolve()
    _start_afresh(folder)
    project_dir = materialise_demo_project(folder / "project")
    os.environ[HOME_VARIABLE] = str(folder / "workspace")   # the demo never touches a real workspace
    name = load_project(project_dir).config.name
    seeded = seed_demo_environments(project_dir)
    _say(f"demo: environments {', '.join(seeded)} set up (stx-migrate env setup: dev and prod from reference.yaml, preprod copied from prod)")
    _say(f"demo: project {project_dir}, workspace {Workspace(name).root}")
    _say("demo: starting a local Prefect server (about 20 s the first time) ...")
    with local_prefect_server(folder / "prefect-home", port) as ui:
        _say(f"demo: Prefect UI at {ui}")
        from stx_migrate.flows.procedure import migration_procedure

        _say("demo: NOTE the three approvals — ADI's of the transformations, VN's sign-off of the gate, the customer's "
             f"validation — will be given AUTOMATICALLY (approved, by '{AUTO_DECISION['by']}'); in a real migration "
             "each run waits for a person's form")
        state = migration_procedure(str(project_dir), auto_decision=AUTO_DECISION, return_state=True)
        run_id = state.state_details.flow_run_id
        result = state.result(raise_on_failure=False)
        _say("")
        _say(f"demo: migration-procedure finished: {state.name}")
        _say(f"  the whole run, its subflows and artifacts: {ui}/runs/flow-run/{run_id}")
        _say(f"  every flow run:                            {ui}/runs")
        _say(f"  artifacts (summary, gate, J-1 diff, ...):  {ui}/artifacts")
        _say("  the approvals were given automatically (procedure/approvals.jsonl and decisions.jsonl, artifact "
             f"'{name}-import-preprod-customer-decision', given through: demo)")
        if state.is_failed():
            _say(f"demo: failed: {result}")
        else:
            production = result.get("production") or {}
            deliverables = Workspace(name).kind_dir("deliverables")
            _say(f"demo: deliverables (contacts.xlsx/.csv, rejects.csv, duplicates.csv, review.xlsx, gate.md): "
                 f"{deliverables}/<id>/ (latest: {Workspace(name).latest('deliverables')})")
            every = production.get("every_row") or {}
            _say(f"demo: production: {every.get('rows in', '?')} source rows = {every.get('imported', '?')} imported + "
                 f"{every.get('not imported', '?')} not imported ({every.get('rejected', '?')} rejected, "
                 f"{every.get('merged', '?')} merged into another contact, {every.get('dropped', '?')} left out by a "
                 f"rule, {every.get('refused by the import', '?')} refused by the import); the customer's report: "
                 f"{production.get('run_folder', '?')}/report.xlsx, the rows: not_imported.csv")
            # the demo's workspace is its own: a command run by hand sees this run's journal only through the variable
            _say(f"demo: to go on by hand (run, decide, env reset ...): export {HOME_VARIABLE}={folder / 'workspace'}, "
                 f"then stx-migrate COMMAND --project {project_dir}")
            if not keep_server:
                _say("demo: the server stops now; `stx-migrate demo --keep-server` keeps the UI up to browse these pages")
        if then is not None:
            then(ui, str(run_id))
        if keep_server:
            _say("demo: the UI stays up until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    if state.is_failed():
        raise result if isinstance(result, BaseException) else RuntimeError(str(result))
    return Workspace(name).root
