"""The prepare step's tasks: build the deliverable, run the quality gate, publish counts.

Artifacts carry counts, codes and row references only (never names, e-mails, phones).
"""
from __future__ import annotations

import logging
from pathlib import Path

from prefect import get_run_logger, task

import pandas as pd

from stx_migrate.migration.dedup import DedupResult, duplicates_artifact_rows
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.errors import GuardRefused, StxError
from stx_migrate.migration.gate import evaluate_gate
from stx_migrate.migration.prepare import DELIVERABLES, prepare_deliverable
from stx_migrate.migration.reference import ReferenceData, load_reference
from stx_migrate.migration.settings.procedure import ExecutionSettings
from stx_migrate.migration.settings.project import Project, load_project
from stx_migrate.migration.snapshot import KIND as SNAPSHOTS
from stx_migrate.migration.workspace import Workspace

from .artifacts import (artifact_key, publish_file_links, publish_gate_report, publish_rejects_by_code, publish_summary,
                        publish_table)
from .receive import public_error
from .runner import run_chunks

REFERENCE_FILE = "reference.yaml"
log = logging.getLogger("stx_migrate.prepare")


class GateRefused(GuardRefused):
    """The quality gate refused the deliverable; ``deliverable_id`` names it (it is kept, for review)."""

    def __init__(self, reasons, deliverable_id: str = ""):
        super().__init__(reasons)
        self.deliverable_id = deliverable_id


def target_catalogue(project: Project, env: str | None) -> tuple[ReferenceData | None, frozenset[str], str]:
    """The target's reference data and existing contact numbers, and where they came from.

    The environment ``env`` (default: ``dev``, else the first one) when it is a ``sql``
    store that holds reference data; otherwise the project's ``reference.yaml`` (no
    existing numbers known); otherwise nothing (the gate then says so).
    """
    envs = project.config.environments
    name = env or ("dev" if "dev" in envs else next(iter(envs), None))
    numbers: frozenset[str] = frozenset()
    if name is not None and name in envs and envs[name].kind == "sql" and envs[name].url:
        try:
            reference, numbers = _from_store(project, name)
            if reference is not None:
                return reference, numbers, f"environment {name}"
        except StxError as e:
            log.warning("environment %s not readable for the gate's preconditions (%s)", name, type(e).__name__)
    path = project.folder / REFERENCE_FILE
    if path.is_file():
        return load_reference(path), numbers, REFERENCE_FILE
    return None, numbers, "none"


def _store_url(project: Project, env: str) -> str | None:
    """The environment's resolved URL; None for a SQLite store whose file does not exist yet."""
    from stx_migrate.connectors.secrets import resolve

    url = resolve(project.config.environments[env].url, f"project.yaml › environments › {env} › url").value
    if url.startswith("sqlite:///"):
        relative = url.removeprefix("sqlite:///")
        path = Path(relative) if url.startswith("sqlite:////") else project.folder / relative
        if not path.exists():
            return None          # never create an environment just to read it
        url = "sqlite:///" + str(path)
    return url


def chunk_map(execution: ExecutionSettings):
    """How transformation and validation run their chunks: under the project's Dask runner, or
    None (whole frame, in process).

    The default thread runner gains nothing here (the stages hold the GIL between Arrow
    kernels), so only ``task_runner: dask`` splits the work.
    """
    if execution.task_runner != "dask":
        return None
    return lambda stage, chunks, name: run_chunks(stage, chunks, execution, name)


def existing_contacts(project: Project, env: str | None) -> pd.DataFrame | None:
    """The contacts already in environment ``env``, for dedup to match against (None: nothing to match).

    Only when prepare was given ``env`` explicitly, dedup is enabled with ``match_existing``,
    and ``env`` is a ``sql`` environment whose store exists (it is never created here).
    A store that cannot be read is an error (a silent fallback would insert duplicates).
    """
    config = project.config
    if env is None or not (config.dedup.enabled and config.dedup.match_existing):
        return None
    settings = config.environments.get(env)
    if settings is None or settings.kind != "sql" or not settings.url:
        return None
    from stx_migrate.migration.store.store import open_store

    url = _store_url(project, env)
    if url is None:
        return None
    store = open_store(url, name=env)
    try:
        return store.export_contacts()
    finally:
        store.dispose()


def _from_store(project: Project, env: str) -> tuple[ReferenceData | None, frozenset[str]]:
    from stx_migrate.migration.store.store import open_store

    url = _store_url(project, env)
    if url is None:
        return None, frozenset()
    store = open_store(url, name=env)
    try:
        reference = store.reference_data()
        numbers = store.existing_contact_numbers()
    finally:
        store.dispose()
    empty = not (reference.structure_types or reference.criteria)
    return (None if empty else reference), numbers


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
    get_run_logger().info("quality gate %s for deliverable %s", "passed" if report.passed else "REFUSED", deliverable_id)
    return {"passed": report.passed, "reasons": report.reasons}
