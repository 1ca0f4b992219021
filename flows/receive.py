"""Flow ``receive-data``: the customer's extraction, read into an immutable snapshot (architecture §1)."""
from __future__ import annotations

from pathlib import Path

from stx_migrate.tasks.orchestrator import flow, tags

from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import load_project

from stx_migrate.tasks.procedure import note_milestone
from stx_migrate.tasks.receive import read_source_into_snapshot

from .run_names import run_name

FLOW_NAME = "receive-data"


@flow(name=FLOW_NAME, flow_run_name=run_name("receive", "milestone"), log_prints=False)
def receive_data(project_dir: str, milestone: str = "") -> str:
    """Read the project's source into a new snapshot; returns the snapshot id.

    The ticket hears of it (the J-14 milestone: a Kayako Classic project without a ticket
    id gets its data-import ticket opened here; the J-1 refresh's own receive says so);
    an unreachable ticket only warns. ``milestone`` ("j-1") marks the run's name.
    """
    from .steps import tag_step

    project = tag_step(project_dir, FLOW_NAME)   # tagged like every step (stx-migrate, project, team)
    snapshot_id = read_source_into_snapshot(project_dir)
    what = "J-1 refresh" if milestone == "j-1" else "J-14 milestone"
    note_milestone(project, f"data received ({what}): snapshot {snapshot_id}")
    return snapshot_id


def run_receive(project_dir: Path) -> str:
    """Run ``receive-data`` tagged ``vn`` and the project's name; returns the snapshot id."""
    project = load_project(project_dir)
    with tags(team_of(FLOW_NAME), project.config.name):
        return receive_data(str(Path(project_dir).resolve()))
