"""The prepare step's tasks: build the deliverable, run the quality gate, publish counts.

Artifacts carry counts, codes and row references only (never names, e-mails, phones).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

from pathlib import Path

from .orchestrator import get_run_logger, task

from stx_migrate.connectors.target import existing_contacts, target_catalogue
from stx_migrate.migration.dedup import DedupResult, duplicates_artifact_rows
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.errors import StxError, public_error
from stx_migrate.migration.gate import evaluate_gate
from stx_migrate.migration.prepare import DELIVERABLES, prepare_deliverable
from stx_migrate.migration.settings.procedure import ExecutionSettings
from stx_migrate.migration.settings.project import load_project
from stx_migrate.migration.snapshot import KIND as SNAPSHOTS
from stx_migrate.migration.workspace import Workspace

from .artifacts import (artifact_key, publish_file_links, publish_gate_report, publish_progress, publish_rejects_by_code,
                        publish_summary, publish_table)
from .runner import run_chunks


def chunk_map(execution: ExecutionSettings):
    """How transformation and validation run their chunks: under the project's Dask runner, or
    None (whole frame, in process).

    The default thread runner gains nothing here (the stages hold the GIL between Arrow
    kernels), so only ``task_runner: dask`` splits the work.
    """
    if execution.task_runner != "dask":
        return None
    return lambda stage, chunks, name: run_chunks(stage, chunks, execution, name)


PREPARE_STAGES = ("protocol", "rules", "dedup", "write contacts and reports")


class _StageProgress(logging.Handler):
    """Advances a progress artifact each time prepare logs the end of one of its stages."""

    def __init__(self, progress):
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("stage ") and message[6:].split(":")[0] in PREPARE_STAGES:
            self.progress.advance(1)


@contextmanager
def stage_progress(key: str):
    """A Prefect progress artifact over prepare's stages (protocol, rules, dedup, writing): a million
    rows take minutes, and the run page shows how far they got."""
    handler = _StageProgress(publish_progress(key, len(PREPARE_STAGES), "prepare: protocol, rules, dedup, files"))
    source = logging.getLogger("stx_migrate.prepare")
    level = source.level
    source.addHandler(handler)
    if source.getEffectiveLevel() > logging.INFO:
        source.setLevel(logging.INFO)
    try:
        yield
        handler.progress.finish()
    finally:
        source.removeHandler(handler)
        source.setLevel(level)


@task(name="build-deliverable")
def build_deliverable(project_dir: str, snapshot_id: str | None = None, env: str | None = None) -> str:
    """Apply the protocol to the snapshot (latest when None) and write the deliverable; returns its id."""
    logger = get_run_logger()
    project = load_project(Path(project_dir))
    workspace = Workspace(project.config.name)
    try:
        snapshot_dir = workspace.resolve(SNAPSHOTS, snapshot_id)
        reference, numbers, origin = target_catalogue(project, env)
        logger.info("target catalogue from %s; %d existing contact numbers", origin, len(numbers))
        existing = existing_contacts(project, env)
        if existing is not None:
            logger.info("dedup matches against %d contacts of environment %s", len(existing), env)
        dedup: list[DedupResult] = []
        with stage_progress(artifact_key(project.config.name, "prepare-progress")):
            folder = prepare_deliverable(project, snapshot_dir, reference, numbers, workspace=workspace,
                                         existing_contacts=existing, on_dedup=dedup.append,
                                         map_chunks=chunk_map(project.config.execution))
        del existing
    except StxError as e:
        raise public_error(e) from None
    deliverable = Deliverable(folder)
    summary = deliverable.summary()
    name = project.config.name
    publish_summary(artifact_key(name, "prepare-summary"), summary, f"deliverable {folder.name}: counts")
    publish_rejects_by_code(artifact_key(name, "prepare-rejects"), summary.reasons, "rows per reason code (details in rejects.csv)")
    if dedup:
        publish_dedup(artifact_key(name, "prepare-duplicates"), dedup[0])
    publish_file_links(artifact_key(name, "prepare-files"), {f: folder / f for f in deliverable.manifest.files})
    logger.info("deliverable %s: rows_in=%d valid=%d rejected=%d merged=%d dropped=%d", folder.name, summary.rows_in,
                summary.valid, summary.rejected, summary.merged, summary.dropped)
    return folder.name


def publish_dedup(key: str, result: DedupResult, sample: int = 20):
    """Dedup in the UI: counts by rule, to review, candidate pairs, and a sample of pairs (row references only)."""
    return publish_table(key, duplicates_artifact_rows(result, sample=sample),
                         "duplicates: counts by rule and a sample of pairs (details in duplicates.csv, review.xlsx)")


@task(name="quality-gate")
def run_quality_gate(project_dir: str, deliverable_id: str, env: str | None = None) -> dict:
    """Evaluate the gate on the deliverable (writes gate.json, gate.md); publish the report."""
    project = load_project(Path(project_dir))
    folder = Workspace(project.config.name).path(DELIVERABLES, deliverable_id)
    reference, numbers, _ = target_catalogue(project, env)
    report = evaluate_gate(folder, project.config.gate, reference, project.config.contact_numbers, numbers)
    publish_gate_report(artifact_key(project.config.name, "prepare-gate"), report.passed, report.reasons,
                        [c.model_dump() for c in report.checks])
    logger = get_run_logger()
    for warning in report.warnings:   # column names and counts only
        logger.warning("quality gate warning: %s", warning)
    logger.info("quality gate %s for deliverable %s", "passed" if report.passed else "REFUSED", deliverable_id)
    return {"passed": report.passed, "reasons": report.reasons, "warnings": report.warnings}
