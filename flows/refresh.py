"""Flow ``refresh-j-1``: a new extraction at J-1, the validated protocol replayed, the gate, the diff.

Wiring only: the guards, the diff and the ``refresh.json`` record are in ``migration/procedure``.
"""
from __future__ import annotations

from stx_migrate.tasks.orchestrator import flow, get_run_logger

from stx_migrate.migration.import_files import import_file_names
from stx_migrate.migration.procedure import Event, load_state, refresh_guard
from stx_migrate.migration.procedure.protocol_ref import project_protocol_hash
from stx_migrate.migration.procedure.records import write_refresh_record
from stx_migrate.tasks.artifacts import artifact_key, publish_file_links, publish_markdown
from stx_migrate.tasks.procedure import (
    current_run_id, deliverable_folder, note_ticket, publish_refresh_diff, read_deliverable, record, refuse,
    workspace_of,
)

from .run_names import run_name
from .steps import prepare_step, receive_step, start_step, target_env


@flow(name="refresh-j-1", flow_run_name=run_name("refresh-j-1"))
def refresh_j_1(project_dir: str) -> dict:
    """J-1: a new extraction, the validated protocol replayed (same hash), the gate, the diff.

    Refused (GuardRefused) when no approval is in force or the project's protocol is not
    the validated one. Returns ``{snapshot_id, deliverable_id, validated_deliverable_id,
    protocol_hash, run_folder, diff}``; the run folder (``refreshes/<id>``) holds diff.json,
    diff.md and refresh.json.
    """
    project = start_step(project_dir, "refresh-j-1")
    log = get_run_logger()
    procedure_dir = workspace_of(project).procedure_dir
    state = load_state(procedure_dir)
    current_hash = project_protocol_hash(project)
    reasons = refresh_guard(state, current_hash)
    if reasons:
        refuse(project, "refresh-j-1", reasons)
    validated = state.validated
    snapshot_id = receive_step(project, "j-1")
    record(project, Event(kind="receive", snapshot_id=snapshot_id, flow_run_id=current_run_id(), detail="j-1"))
    warnings = check_extraction(project, validated.snapshot_id, snapshot_id)
    deliverable_id = prepare_step(project, snapshot_id, target_env(project), "j-1")
    deliverable = read_deliverable(project, deliverable_id)
    record(project, Event(kind="prepare", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                          protocol_hash=deliverable.protocol_hash, flow_run_id=current_run_id(), detail="j-1"))
    record(project, Event(kind="gate", ok=deliverable.gate_passed is not False, deliverable_id=deliverable_id))
    if deliverable.protocol_hash != validated.protocol_hash:   # prepare read a protocol that changed meanwhile
        refuse(project, "refresh-j-1", [f"deliverable {deliverable_id} was prepared with protocol "
                                        f"{deliverable.protocol_hash[:12]}, not the validated {validated.protocol_hash[:12]}"])
    if deliverable.gate_passed is False:
        refuse(project, "refresh-j-1", [f"the quality gate failed on the J-1 deliverable {deliverable_id}",
                                        *deliverable.gate_reasons])
    ws = workspace_of(project)
    with ws.new_folder("refreshes") as staging:
        counts = publish_refresh_diff(str(project.folder), validated.deliverable_id, deliverable_id, str(staging))
        write_refresh_record(staging, snapshot_id, deliverable, validated, counts)
        folder_name = staging.name.removeprefix(".staging-")
    folder = ws.path("refreshes", folder_name)
    record(project, Event(kind="refresh", snapshot_id=snapshot_id, deliverable_id=deliverable_id,
                          protocol_hash=deliverable.protocol_hash, run_folder=str(folder), flow_run_id=current_run_id(),
                          detail=f"new {counts['new']}, changed {counts['changed']}, vanished {counts['vanished']}"
                                 + "".join(f"; WARNING {w}" for w in warnings)))
    files = deliverable_folder(project, deliverable_id)
    xlsx = import_file_names(sorted(p.name for p in files.iterdir()), "xlsx")   # numbered parts past one sheet
    publish_file_links(artifact_key(project.config.name, "refresh-j-1", "files"), {
        "J-1 diff (json)": folder / "diff.json", "J-1 diff (report)": folder / "diff.md",
        **{name: files / name for name in xlsx},
        "rejects.csv": files / "rejects.csv"}, "J-1 refresh files")
    note_ticket(project, f"J-1 refresh: deliverable {deliverable_id} from snapshot {snapshot_id} with the validated "
                         f"protocol {deliverable.protocol_hash[:12]}; diff: new {counts['new']}, changed "
                         f"{counts['changed']}, vanished {counts['vanished']}, new rejects {counts['new_rejects']}")
    log.info("J-1 refresh done: deliverable %s", deliverable_id)
    return {"snapshot_id": snapshot_id, "deliverable_id": deliverable_id, "validated_deliverable_id": validated.deliverable_id,
            "protocol_hash": deliverable.protocol_hash, "run_folder": str(folder), "diff": counts, "warnings": warnings}


def check_extraction(project, validated_snapshot_id: str | None, snapshot_id: str) -> list[str]:
    """Warn (log, artifact, ticket) when the J-1 extraction equals J-14's or lost too many rows; returns the warnings."""
    from stx_migrate.migration.refresh_check import extraction_warnings
    from stx_migrate.migration.snapshot import Snapshot

    ws = workspace_of(project)
    if validated_snapshot_id is None:
        return []
    before, after = (Snapshot(ws.path("snapshots", s)).manifest for s in (validated_snapshot_id, snapshot_id))
    warnings = extraction_warnings(before, after, project.config.refresh.max_row_drop)
    rows = [{"dataset": n, "J-14 rows": d.rows, "J-1 rows": after.datasets[n].rows if n in after.datasets else 0}
            for n, d in before.datasets.items()]
    publish_markdown(artifact_key(project.config.name, "refresh-j-1", "extraction"),
                     "# J-1 extraction against J-14's\n\n" + ("\n".join(f"* **WARNING** {w}" for w in warnings)
                                                              or "Nothing unusual.") + "\n\n| dataset | J-14 rows | J-1 rows |\n"
                     "|---|---|---|\n" + "\n".join(f"| {r['dataset']} | {r['J-14 rows']} | {r['J-1 rows']} |" for r in rows),
                     "J-1 extraction check")
    for w in warnings:
        get_run_logger().warning("J-1 extraction: %s", w)
        note_ticket(project, f"J-1 refresh warning: {w}")
    return warnings
