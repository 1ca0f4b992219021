"""The receive step's task: read the source into a snapshot, publish its profile (counts only)."""
from __future__ import annotations

from pathlib import Path

from .orchestrator import get_run_logger, task

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.errors import StxError, public_error
from stx_migrate.migration.profile import profile_table_rows
from stx_migrate.migration.settings.project import load_project

from .artifacts import artifact_key, publish_markdown, publish_table
from .policy import retriable


@task(**retriable(name="read-source-into-snapshot"))
def read_source_into_snapshot(project_dir: str) -> str:
    """Read every dataset of the project's source into a new snapshot; return the snapshot id.

    Publishes a table artifact (one line per column: empty rate, distinct count, top
    value shapes) and a markdown artifact (rows per dataset, hashes): counts only.
    """
    log = get_run_logger()
    project = load_project(Path(project_dir))
    name = project.config.name
    try:
        result = receive_snapshot(project)
    except StxError as e:
        raise public_error(e) from None
    snapshot = result.snapshot
    rows = [row for profile in result.profiles for row in profile_table_rows(profile)]
    publish_table(artifact_key(name, "receive-profile"), rows, f"profile of snapshot {snapshot.id}: counts and value shapes only")
    lines = [f"# Snapshot {snapshot.id}", "", f"source kind: `{snapshot.manifest.source.get('kind')}`", "",
             "| dataset | rows | columns | encoding | sha256 |", "|---|---|---|---|---|"]
    for ds_name, ds in snapshot.manifest.datasets.items():
        lines.append(f"| {ds_name} | {ds.rows} | {len(ds.columns)} | {ds.encoding or ''} | `{ds.sha256[:16]}…` |")
    publish_markdown(artifact_key(name, "receive-snapshot"), "\n".join(lines), "snapshot manifest (counts only)")
    for ds_name, ds in snapshot.manifest.datasets.items():
        log.info("dataset %s: %d rows, %d columns", ds_name, ds.rows, len(ds.columns))
    log.info("snapshot %s written", snapshot.id)
    return snapshot.id
