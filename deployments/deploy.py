"""``stx-migrate deploy --project DIR``: the procedure's deployments on a process work pool.

One deployment per flow (every step can be started from the UI), named ``<project>-<step>``, with the project folder as
parameter and the team tags. The J-1 refresh and the production import are scheduled
once each (an RRule with COUNT=1) at 06:00 UTC on J-1 and J from ``project.yaml › j_date``;
the other steps are started by hand (UI: Deployments › Run, or the CLI). A worker on
each machine that may run steps (``prefect worker start --pool stx-migrate``) picks them
up; all workers use the same installed stx-migrate and the same ``STX_MIGRATE_HOME``.

The same deployments, written declaratively, go to ``<workspace>/<project>/procedure/prefect.yaml``
(rendered from ``deployments/prefect.yaml``) for teams that prefer ``prefect deploy --all``.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import yaml

from stx_migrate.migration.procedure.milestones import scheduled_run, team_of

STEPS = (  # entry point in flows/, step name (its team and schedule: migration/procedure/milestones.py), description
    ("receive.py:receive_data", "receive-data",
     "VN · J-14: read the customer's extraction into a new snapshot (Parquet, manifest, profile)."),
    ("prepare.py:prepare_data", "prepare-data",
     "VN: protocol, rules, dedup, retention, quality gate on a snapshot (latest when empty): a deliverable with "
     "report.xlsx for the customer. Fails when the gate refuses."),
    ("approvals.py:approve_transformations", "approve-transformations",
     "ADI · step 6: approve the transformations VN planned (protocol, check, column changes). Pauses for the form "
     "(approved, by, comment); needed again when the protocol changes."),
    ("imports.py:import_dev", "import-dev",
     "ADI: trial import of a deliverable (latest when empty) into dev. Needs ADI's approval of its protocol."),
    ("procedure.py:import_preprod", "import-preprod",
     "ADI · J-7: VN's sign-off of the gate (step 9), the import into pre-production (needs a dev trial of the same "
     "protocol and the prod → preprod copy), then the customer's validation: pauses for the forms."),
    ("procedure.py:refresh_j_1", "refresh-j-1",
     "VN · J-1 (scheduled): a new extraction, the validated protocol replayed, the gate and the diff."),
    ("procedure.py:import_production", "import-production",
     "ADI · J (scheduled): the production import when the guards hold; not_imported.csv and report.xlsx."),
    ("procedure.py:final_validation", "final-validation",
     "Project leader: the final validation; the ticket is set to solved."),
    ("services.py:contact_service", "contact-service",
     "ADI: a contact service (create, update, inactivate, anonymize, delete, qualify) on one environment with a file."),
    ("procedure.py:migration_procedure", "migration-procedure",
     "Project leader: every step in order, resuming after the last finished one; pauses for each approval."),
)


def one_off_rrule(when: datetime) -> str:
    return f"DTSTART:{when:%Y%m%dT%H%M%SZ}\nRRULE:FREQ=DAILY;COUNT=1"


def flows_dir() -> Path:
    import stx_migrate.flows

    return Path(stx_migrate.flows.__file__).parent


def ensure_process_pool(name: str) -> None:
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            pool = client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            return
        if pool.type != "process":
            from stx_migrate.migration.errors import ConfigError

            raise ConfigError(f"work pool {name!r} exists with type {pool.type!r}, not 'process'")


def render_prefect_yaml(project_dir: Path, name: str, j_date: date, pool: str) -> dict:
    """The project's deployments as a prefect.yaml document (from the template beside this file)."""
    template = yaml.safe_load((Path(__file__).parent / "prefect.yaml").read_text(encoding="utf-8"))
    template["pull"] = [{"prefect.deployments.steps.set_working_directory": {"directory": str(flows_dir())}}]
    deployments = []
    for entrypoint, step, description in STEPS:
        d = {"name": f"{name}-{step}", "entrypoint": entrypoint, "description": description,
             "work_pool": {"name": pool}, "parameters": {"project_dir": str(project_dir)},
             "tags": ["stx-migrate", name, team_of(step)]}
        when = scheduled_run(step, j_date)
        if when is not None:
            d["schedules"] = [{"rrule": one_off_rrule(when)}]
        deployments.append(d)
    template["deployments"] = deployments
    return template


def deploy_project(project_dir: Path, pool: str = "stx-migrate") -> dict:
    """Create the work pool (if missing) and the project's deployments; returns names, schedules, prefect.yaml."""
    from prefect import flow
    from prefect.schedules import RRule

    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.migration.workspace import Workspace

    project_dir = Path(project_dir).resolve()
    config = load_project(project_dir).config
    ensure_process_pool(pool)
    schedules, ids = {}, {}
    for entrypoint, step, description in STEPS:
        kwargs = {}
        when = scheduled_run(step, config.j_date)
        if when is not None:
            kwargs["schedules"] = [RRule(one_off_rrule(when))]
            schedules[f"{step}/{config.name}-{step}"] = when.isoformat()
        loaded = flow.from_source(source=str(flows_dir()), entrypoint=entrypoint)
        ids[step] = str(loaded.deploy(name=f"{config.name}-{step}", work_pool_name=pool, description=description,
                                      parameters={"project_dir": str(project_dir)},
                                      tags=["stx-migrate", config.name, team_of(step)], build=False, push=False,
                                      print_next_steps=False, **kwargs))
    out = Workspace(config.name).procedure_dir / "prefect.yaml"
    out.write_text(yaml.safe_dump(render_prefect_yaml(project_dir, config.name, config.j_date, pool),
                                  sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"deployments": ids, "schedules": schedules, "prefect_yaml": str(out)}
