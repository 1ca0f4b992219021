"""The import and contact-service tasks: a deliverable (or a service file) into one environment.

The run folder (``Workspace.new_folder("imports"|"services", env)``) gets
``summary.json`` and ``rejects.csv`` (the import log); it appears under its final id
only when the step succeeded. Artifacts carry counts and codes only.
"""
from __future__ import annotations

import getpass
import logging
from pathlib import Path

import pandas as pd
from .orchestrator import task

from stx_migrate.connectors.environments import DELIVERY_KINDS, open_environment, pseudonym_key
from stx_migrate.connectors.deliveries import deliver_service_request, delivery_summary
from stx_migrate.migration.deliverable import open_deliverable
from stx_migrate.migration.errors import GuardRefused, StxError, public_error
from stx_migrate.migration.findings import write_findings
from stx_migrate.migration.import_outcome import import_refusals
from stx_migrate.migration.procedure import Event, load_state, read_deliverable_ref, record_event
from stx_migrate.migration.procedure.guards import DESTRUCTIVE_SERVICES, destructive_service_guard
from stx_migrate.migration.pseudonyms import pseudonymised_deliverable, pseudonymise_contacts
from stx_migrate.migration.service_input import read_service_request
from stx_migrate.migration.settings.environments import is_production
from stx_migrate.migration.settings.project import load_project
from stx_migrate.migration.store.importer import ImportResult
from stx_migrate.migration.store.services import run_service
from stx_migrate.migration.summary import write_summary
from stx_migrate.migration.workspace import Workspace, final_path

from .artifacts import artifact_key, publish_progress, publish_rejects_by_code, publish_summary
from .policy import retriable

IMPORTS, SERVICES, DELIVERABLES = "imports", "services", "deliverables"
log = logging.getLogger("stx_migrate.imports")


def import_deliverable(project_dir: str, env: str, deliverable_id: str | None = None) -> Path:
    """Import a deliverable (the latest when None) into ``env``; returns the import run folder.

    ``summary.json`` = the deliverable's summary + ``imported, updated, unchanged,
    not_imported`` (+ ``config_rows``, ``import_reasons``); ``rejects.csv`` = the import log.
    A ``file-drop`` environment receives the import file instead (``handed_over`` rows).
    """
    project = load_project(Path(project_dir))
    workspace = Workspace(project.config.name)
    environment = open_environment(project, env)
    folder = workspace.resolve(DELIVERABLES, deliverable_id)
    deliverable = open_deliverable(folder)
    deliverable.require_intact()
    base = deliverable.summary().model_dump()
    key = artifact_key(project.config.name, "import-production" if env == "prod" else f"import-{env}")   # the step's prefix
    pseudonyms = pseudonym_key(project, env)
    with workspace.new_folder(IMPORTS, env) as staging:
        run_id = final_path(staging).name
        if environment.kind in DELIVERY_KINDS:
            source = folder if pseudonyms is None else pseudonymised_deliverable(
                deliverable, pseudonyms[0], staging / "pseudonymised", environment.settings.file, project.config.output)
            summary = {**base, **delivery_summary(project, env, environment, source, deliverable.id, run_id)}
            write_findings(pd.DataFrame(columns=["source_ref", "contact_nr", "column", "code", "severity", "message", "value"]),
                           staging / "rejects.csv")
        else:
            contacts = deliverable.contacts()
            if pseudonyms is not None:   # before anything reaches the environment (docs/pseudonyms.md)
                contacts = pseudonymise_contacts(contacts, pseudonyms[0])
            progress = publish_progress(f"{key}-progress", len(contacts), f"import into {env}")
            result = environment.import_contacts(contacts, run_id=run_id, deliverable_id=deliverable.id,
                                                 on_batch=lambda done, total: progress.advance(done - progress.done),
                                                 on_wait=lambda: log.warning(
                                                     "%s: another import, service or env reset is writing into it; this "
                                                     "import waits for it to end", env))
            progress.finish()
            summary = {**base, **_import_counts(result)}
            write_findings(result.findings, staging / "rejects.csv")
            covers = (f"covers the import only: the deliverable's own {base.get('rejected', 0)} rejected row(s) and "
                      f"{base.get('warnings', 0)} row(s) with warnings are in its rejects.csv and report.xlsx")
            publish_rejects_by_code(f"{key}-import-log", result.findings, f"import log of {deliverable.id} into {env} ({covers})",
                                    empty=f"The import refused no row. This log {covers}.")
        summary.update(environment=env, deliverable_id=deliverable.id, run_id=run_id)
        if pseudonyms is not None:
            summary["pseudonymised"] = True
        written = write_summary(summary, staging / "summary.json")
        publish_summary(f"{key}-summary", {k: v for k, v in written.model_dump().items() if isinstance(v, int)},
                        f"import of deliverable {deliverable.id} into {env}")
    log.info("import %s into %s: %s", deliverable.id, env,
             {k: summary.get(k) for k in ("imported", "updated", "unchanged", "not_imported", "handed_over") if k in summary})
    refusals = import_refusals(summary, project.config.gate.max_reject_rate)
    if refusals:   # the run folder stays (its import log says why); the step fails
        raise GuardRefused([f"import of deliverable {deliverable.id} into {env} (run {run_id}): {r}" for r in refusals])
    return workspace.path(IMPORTS, run_id, env)


def _import_counts(result: ImportResult) -> dict:
    return {**result.counts(), "config_rows": result.config_rows, "import_reasons": result.reasons()}


@task(**retriable(name="import-deliverable"))
def import_deliverable_task(project_dir: str, env: str, deliverable_id: str | None = None) -> str:
    """Task wrapper of :func:`import_deliverable`; returns the run folder as text."""
    try:
        return str(import_deliverable(project_dir, env, deliverable_id))
    except StxError as e:
        raise public_error(e) from None


# --- services -------------------------------------------------------------------------------------
def run_contact_service(project_dir: str, operation: str, env: str, file: str, confirm: int | None = None,
                        by: str | None = None) -> Path:
    """Run a contact service on ``env`` with the rows of ``file``; returns the service run folder.

    The service id is the operation plus the file's sha256: the same file twice changes nothing more.
    On a production environment, delete, anonymize and inactivate need the production guards and
    ``confirm`` = the number of contacts the file names. Every run is recorded in the procedure
    journal with who (``by``, default the system user) and when.
    """
    request = read_service_request(operation, Path(file))
    rows, service_id, contacts = request.rows, request.service_id, request.contacts
    project = load_project(Path(project_dir))
    workspace = Workspace(project.config.name)
    environment = open_environment(project, env)
    who = (by or "").strip() or getpass.getuser()
    if operation in DESTRUCTIVE_SERVICES and is_production(env, environment.settings):
        latest = workspace.latest(DELIVERABLES)
        ref = read_deliverable_ref(workspace.path(DELIVERABLES, latest)) if latest else None
        reasons = destructive_service_guard(load_state(workspace.procedure_dir), ref, operation, contacts, confirm)
        if reasons:
            raise GuardRefused(reasons)
    if environment.kind in DELIVERY_KINDS:   # SecuTix's service team runs it: a request file, delivered once
        with workspace.new_folder(SERVICES, env) as staging:
            run_id = final_path(staging).name
            fields, findings = deliver_service_request(project, env, environment, operation, rows, service_id, run_id,
                                                       staging)
            write_findings(findings, staging / "rejects.csv")
            write_summary({**fields, "operation": operation, "environment": env, "service_id": service_id,
                           "run_id": run_id}, staging / "summary.json")
        record_event(workspace.procedure_dir, Event(
            kind="service", env=env, run_folder=str(workspace.path(SERVICES, run_id, env)),
            detail=f"{operation} requested by {who}: {fields['handed_over']} row(s) in {fields['request_file']}"))
        return workspace.path(SERVICES, run_id, env)
    from stx_migrate.connectors.environments import open_environment_store

    with workspace.new_folder(SERVICES, env) as staging:
        run_id = final_path(staging).name
        store = open_environment_store(project, env)
        try:
            result = run_service(operation, store, rows, run_id=run_id, service_id=service_id,
                                 batch_rows=environment.settings.batch_rows,
                                 on_wait=lambda: log.warning("%s: an import, another service or env reset is writing "
                                                             "into it; this %s waits for it to end", env, operation))
        finally:
            store.dispose()
        write_findings(result.findings, staging / "rejects.csv")
        reasons = result.reasons()
        summary = {"rows_in": len(rows), "valid": len(rows) - result.not_imported, "rejected": result.not_imported,
                   "reasons": reasons, "warnings": int((result.findings["severity"] == "warning").sum()),
                   **result.counts(), "operation": operation, "environment": env, "service_id": service_id,
                   "run_id": run_id}
        write_summary(summary, staging / "summary.json")
        key = artifact_key(project.config.name, "contact-service", operation, env)
        publish_summary(f"{key}-summary", {k: v for k, v in summary.items() if isinstance(v, int)},
                        f"{operation} on {env}")
        publish_rejects_by_code(f"{key}-log", result.findings)
    record_event(workspace.procedure_dir, Event(
        kind="service", env=env, run_folder=str(workspace.path(SERVICES, run_id, env)),
        detail=f"{operation} by {who}: {contacts} contact(s) named, counts {result.counts()}"
               + (f", confirmed {confirm}" if confirm is not None else "")))
    return workspace.path(SERVICES, run_id, env)


@task(**retriable(name="contact-service"))
def contact_service_task(project_dir: str, operation: str, env: str, file: str, confirm: int | None = None,
                         by: str | None = None) -> str:
    try:
        return str(run_contact_service(project_dir, operation, env, file, confirm, by))
    except StxError as e:
        raise public_error(e) from None
