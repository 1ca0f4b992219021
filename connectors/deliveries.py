"""Deliver a file set to a file-drop or sftp environment once, and only once (the ledger decides)."""
from __future__ import annotations

import logging
from pathlib import Path

from stx_migrate.migration.delivery import AWAITING_LOG, Delivery, find_delivery, ledger_locked, record_delivery
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.workspace import Workspace

log = logging.getLogger("stx_migrate.delivery")


def deliver_once(project: Project, env: str, environment, files: list[tuple[Path, str]], delivery_id: str,
                 run_id: str, what: str = "import") -> tuple[Delivery, bool]:
    """(the delivery, whether it was made now). A delivery already in the ledger is not made again:
    its record is returned and nothing is sent, whatever the drop holds today. Lookup, sending
    and record run under the ledger's lock, so two runs at once deliver once."""
    procedure_dir = Workspace(project.config.name).procedure_dir
    with ledger_locked(procedure_dir):
        done = find_delivery(procedure_dir, env, delivery_id, what)
        if done is not None:
            log.warning("%s %s was delivered to %s on %s (run %s): nothing sent again", what, delivery_id, env,
                        done.delivered_at, done.run_id)
            return done, False
        files_sent = environment.deliver(files)
        delivery = Delivery(env=env, deliverable_id=delivery_id, run_id=run_id, kind=environment.kind,
                            target=environment.target(), files=files_sent, what=what)
        return record_delivery(procedure_dir, delivery), True


def delivery_summary(project: Project, env: str, environment, deliverable_folder: Path, deliverable_id: str,
                     run_id: str) -> dict:
    """Deliver a deliverable's import file (and manifest) once; the counts an import run records for it.

    SecuTix's importer decides what lands: until its log is absorbed (``stx-migrate import-log``)
    nothing is counted as imported and the run says so.
    """
    from stx_migrate.migration.delivery import delivery_names

    files = delivery_names(Path(deliverable_folder), deliverable_id, environment.settings.file,
                           require_manifest=environment.kind == "sftp")
    delivery, sent = deliver_once(project, env, environment, files, deliverable_id, run_id)
    import_file = delivery.files[0]
    located = (str(environment.folder / import_file.name) if environment.kind == "file-drop"
               else f"{delivery.target}/{import_file.name}")
    from stx_migrate.migration.summary import read_summary

    rows = read_summary(Path(deliverable_folder) / "summary.json").valid
    return {"imported": 0, "updated": 0, "unchanged": 0, "not_imported": 0, "handed_over": rows,
            "dropped_file": located, "sha256": import_file.sha256, "delivered_now": sent,
            "delivered_at": delivery.delivered_at, "delivery_run_id": delivery.run_id,
            "secutix_status": AWAITING_LOG, **_parts(delivery)}


def _parts(delivery) -> dict:
    """Past one sheet the xlsx import file is several parts: every part's name in the drop, in order."""
    parts = [f.name for f in delivery.files if not f.name.endswith("-manifest.json")]
    return {"dropped_files": parts} if len(parts) > 1 else {}


def deliver_service_request(project: Project, env: str, environment, operation: str, rows, service_id: str,
                            run_id: str, staging: Path):
    """Write the service's request file (checked rows) and its manifest in ``staging``, deliver them once.

    Returns (summary fields, findings). The request and manifest names start with the service
    id (operation + the input file's sha256): the same file twice is one delivery.
    """
    import json

    from stx_migrate.migration.delivery import file_sha256
    from stx_migrate.migration.service_request import build_service_request

    config = project.config
    request = build_service_request(operation, rows, institution=config.institution, organization=config.organization,
                                    country=config.country.upper())
    request_file = request.write(staging, f"{service_id}-request", environment.settings.file)
    manifest = staging / f"{service_id}-manifest.json"
    manifest.write_text(json.dumps({
        "project": config.name, "institution": config.institution, "operation": operation, "service_id": service_id,
        "request_file": request_file.name, "rows": len(request.rows), "sha256": file_sha256(request_file),
        "format": "contact numbers" if request.numbers_only else "template rows"}, indent=2) + "\n", encoding="utf-8")
    files = [(request_file, request_file.name), (manifest, manifest.name)]
    delivery, sent = deliver_once(project, env, environment, files, service_id, run_id, what=f"service:{operation}")
    findings = request.findings
    errors = findings[findings["severity"] == "error"]
    reasons = {str(k): int(v) for k, v in errors.drop_duplicates(["source_ref", "code"])["code"].value_counts().items()}
    return {"rows_in": len(rows), "valid": len(request.rows), "rejected": request.rejected, "reasons": reasons,
            "warnings": int((findings["severity"] == "warning").sum()), "handed_over": len(request.rows),
            "request_file": request_file.name, "delivered_now": sent, "delivered_at": delivery.delivered_at,
            "secutix_status": "requested, awaiting SecuTix's service team"}, findings
