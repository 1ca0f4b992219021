"""Flows ``import-production`` (J) and ``final-validation`` (the project leader closes the migration).

Wiring only: the guards and the ``production.json`` / ``not_imported.csv`` records are in
``migration/procedure``.
"""
from __future__ import annotations

from stx_migrate.tasks.orchestrator import flow, get_run_logger

from stx_migrate.migration.procedure import Event, close_guard, load_state, production_guard
from stx_migrate.migration.procedure.records import write_production_record
from stx_migrate.tasks.artifacts import artifact_key, publish_file_links, publish_markdown, publish_summary, publish_table
from stx_migrate.tasks.procedure import (
    current_run_id, deliverable_folder, note_ticket, read_deliverable, record, refuse, workspace_of,
)

from .run_names import run_name
from .steps import counts_text, import_step, import_summary, start_step


@flow(name="import-production", flow_run_name=run_name("import-production"))
def import_production(project_dir: str, deliverable_id: str | None = None, again: bool = False) -> dict:
    """J: import the deliverable (latest when None) into production, if and only if the guards hold.

    Refuses (GuardRefused: exit 1, Failed state with the reasons) unless the gate passed on
    this deliverable, the customer approved its protocol hash and a pre-production import
    with that hash succeeded; a second production import needs ``again``. Afterwards writes ``not_imported.csv`` (every row that is not
    in production and why) in a ``production/<id>`` folder, and moves the ticket to
    'final validation' owned by the project leader. Returns counts and that folder.
    """
    project = start_step(project_dir, "import-production")
    log = get_run_logger()
    deliverable = read_deliverable(project, deliverable_id)
    state = load_state(workspace_of(project).procedure_dir)
    reasons = production_guard(state, deliverable, again)
    if reasons:
        refuse(project, "import-production", reasons)
    import_folder = import_step(project, "prod", deliverable.deliverable_id)
    counts = import_summary(import_folder)
    record(project, Event(kind="import", env="prod", deliverable_id=deliverable.deliverable_id,
                          protocol_hash=deliverable.protocol_hash, snapshot_id=deliverable.snapshot_id,
                          run_folder=str(import_folder), flow_run_id=current_run_id(), detail=counts_text(counts)))
    ws = workspace_of(project)
    dfolder = deliverable_folder(project, deliverable.deliverable_id)
    with ws.new_folder("production") as staging:
        not_imported = write_production_record(staging, deliverable, dfolder, import_folder, counts)
        every_row = write_customer_report(project, deliverable.deliverable_id, dfolder, import_folder, counts, staging)
        name = staging.name.removeprefix(".staging-")
    folder = ws.path("production", name)
    if counts:
        publish_summary(artifact_key(project.config.name, "import-production", "summary"), counts, "production import")
    publish_table(artifact_key(project.config.name, "import-production", "every-row"), [
        {"rows": label, "count": n} for label, n in every_row.items()], "every source row: imported + not imported = rows in")
    publish_file_links(artifact_key(project.config.name, "import-production", "files"), {
        "not_imported.csv (rows not in production, with reason codes)": folder / "not_imported.csv",
        "production.json": folder / "production.json", "report.xlsx (for the customer)": folder / "report.xlsx",
        "import run": import_folder}, "Production import files")
    leader = project.config.project_leader or "project leader"
    note_ticket(project, f"production import of deliverable {deliverable.deliverable_id} done ({counts_text(counts)}); "
                         f"{not_imported} row(s) not imported, see not_imported.csv; over to the project leader for the "
                         "final validation", status="final validation", owner=leader,
                files=[folder / "not_imported.csv", folder / "report.xlsx", dfolder / "gate.md"])
    log.info("production import done: %s", ", ".join(f"{k} {v}" for k, v in every_row.items()))
    return {"deliverable_id": deliverable.deliverable_id, "run_folder": str(folder), "import_folder": str(import_folder),
            "import": counts, "not_imported": not_imported, "every_row": every_row}


def write_customer_report(project, deliverable_id: str, deliverable_dir, import_folder, counts: dict, folder) -> dict:
    """``report.xlsx`` of the production import, in the project's language; returns the counts of every row."""
    from datetime import datetime, timezone

    from stx_migrate.migration.report.workbook import (
        REPORT_FILE, deliverable_report, not_imported_count, with_import, write_report,
    )

    report = with_import(deliverable_report(deliverable_dir, project.config.language,
                                            project.config.customer or project.config.name,
                                            datetime.now(timezone.utc).replace(tzinfo=None)), import_folder, counts)
    report.deliverable_id = deliverable_id
    write_report(report, folder / REPORT_FILE)
    c = report.counts
    return {"rows in": c["rows_in"], "imported": c["imported"], "not imported": not_imported_count(c),
            "rejected": c["rejected"], "merged": c["merged"], "dropped": c["dropped"],
            "refused by the import": c.get("import_refused", 0)}


# -- final-validation --------------------------------------------------------------------------

@flow(name="final-validation", flow_run_name=run_name("final-validation"))
def final_validation(project_dir: str, by: str | None = None) -> dict:
    """The project leader's final validation: the ticket is closed as solved (production must be done)."""
    project = start_step(project_dir, "final-validation")
    state = load_state(workspace_of(project).procedure_dir)
    reasons = close_guard(state)
    if reasons:
        refuse(project, "final-validation", reasons)
    who = by or project.config.project_leader or "project leader"
    prod = state.latest("import")
    note_ticket(project, f"final validation by {who}: migration closed", status="solved")
    record(project, Event(kind="closed", deliverable_id=prod.deliverable_id if prod else None,
                          flow_run_id=current_run_id(), detail=f"by {who}"))
    publish_markdown(artifact_key(project.config.name, "final-validation"),
                     f"# Migration closed\n\nFinal validation by {who}; ticket set to *solved*.", "final validation")
    return {"closed_by": who}
