"""The procedure's steps as plain functions in one process: what bench_e2e.py compares the commands with.

    python bench/e2e_plain.py PROJECT_DIR

The same work as the commands (receive, prepare with its gate, imports into dev and
preprod, the J-1 extraction received and prepared under the same protocol with its diff,
the production import and the files production writes after it: not_imported.csv and the
customer's report.xlsx), without a command line, a flow, a journal or a second process.
The project's ``data/legacy-j1.sqlite`` is delivered before the J-1 receive, as for the commands.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]


def plain_steps(project_dir: Path, before_refresh=None) -> None:
    """Every step in this process; ``before_refresh(project_dir)`` runs before the J-1 receive."""
    from prefect.logging import disable_run_logger

    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.tasks.imports import import_deliverable
    from stx_migrate.tasks.prepare import build_deliverable, run_quality_gate
    from stx_migrate.tasks.procedure import publish_refresh_diff

    pdir = str(project_dir)
    with disable_run_logger():
        first = receive_snapshot(load_project(project_dir)).snapshot.id
        validated = build_deliverable.fn(pdir, first, None)
        run_quality_gate.fn(pdir, validated, None)
        import_deliverable(pdir, "dev", validated)
        import_deliverable(pdir, "preprod", validated)
        if before_refresh:
            before_refresh(project_dir)
        second = receive_snapshot(load_project(project_dir)).snapshot.id
        refreshed = build_deliverable.fn(pdir, second, "prod")
        run_quality_gate.fn(pdir, refreshed, "prod")
        publish_refresh_diff.fn(pdir, validated, refreshed, tempfile.mkdtemp(prefix="diff.", dir=project_dir.parent))
        production = import_deliverable(pdir, "prod", refreshed)
        write_production_files(project_dir, refreshed, production)


def write_production_files(project_dir: Path, deliverable_id: str, import_folder: Path) -> None:
    """What the production command writes after its import: not_imported.csv, production.json, report.xlsx."""
    from stx_migrate.flows.production import write_customer_report
    from stx_migrate.flows.steps import import_summary
    from stx_migrate.migration.procedure import read_deliverable_ref
    from stx_migrate.migration.procedure.records import write_production_record
    from stx_migrate.migration.settings.project import load_project
    from stx_migrate.migration.workspace import Workspace

    project = load_project(project_dir)
    folder = Workspace(project.config.name).path("deliverables", deliverable_id)
    counts, out = import_summary(Path(import_folder)), Path(tempfile.mkdtemp(prefix="production.", dir=project_dir.parent))   # beside the project: it holds personal data
    write_production_record(out, read_deliverable_ref(folder), folder, Path(import_folder), counts)
    write_customer_report(project, deliverable_id, folder, Path(import_folder), counts, out)


if __name__ == "__main__":
    from e2e_project import deliver_j1

    plain_steps(Path(sys.argv[1]), before_refresh=deliver_j1)
    print("done")
