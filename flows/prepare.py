"""Flow ``prepare-data``: protocol → rules → dedup → retention → deliverable → quality gate (architecture §1)."""
from __future__ import annotations

from pathlib import Path

from stx_migrate.tasks.orchestrator import flow, tags

from stx_migrate.migration.errors import GateRefused
from stx_migrate.migration.procedure.milestones import team_of
from stx_migrate.migration.settings.project import load_project

from stx_migrate.tasks.prepare import build_deliverable, run_quality_gate
from stx_migrate.tasks.procedure import deliverable_folder, note_milestone

from .run_names import run_name

FLOW_NAME = "prepare-data"


@flow(name=FLOW_NAME, flow_run_name=run_name("prepare", "milestone"), log_prints=False)
def prepare_data(project_dir: str, snapshot_id: str | None = None, env: str | None = None, milestone: str = "") -> str:
    """Write a deliverable from the snapshot (latest when None) and gate it; returns the deliverable id.

    ``env``: the target environment. Its catalogue feeds the gate's preconditions (default
    ``dev``); when given, dedup also matches against its existing contacts (a ``sql`` store
    that exists). Dedup reuses the decisions and identities kept in the project's
    ``procedure/`` folder. The run ends Failed (GateRefused, with the reasons) when the
    gate refuses; the deliverable stays in the workspace for review. The ticket hears of
    the deliverable and the gate's verdict either way (an unreachable ticket only warns).
    """
    from .steps import tag_step

    project = tag_step(project_dir, FLOW_NAME)   # tagged like every step (stx-migrate, project, team), whoever started it
    deliverable_id = build_deliverable(project_dir, snapshot_id, env)
    verdict = run_quality_gate(project_dir, deliverable_id, env)
    note_milestone(project, _gate_note(project, deliverable_id, verdict, milestone))
    if not verdict["passed"]:
        raise GateRefused(verdict["reasons"], deliverable_id)
    return deliverable_id


def _gate_note(project, deliverable_id: str, verdict: dict, milestone: str) -> str:
    """The ticket's note: the deliverable's counts and the gate's verdict (counts and codes only)."""
    from .steps import import_summary

    counts = import_summary(deliverable_folder(project, deliverable_id))
    gate = "passed" if verdict["passed"] else "REFUSED: " + "; ".join(verdict["reasons"])
    return (f"deliverable {deliverable_id} prepared{' (J-1 refresh)' if milestone == 'j-1' else ''}: "
            + ", ".join(f"{k} {counts.get(k, 0)}" for k in ("rows_in", "valid", "rejected", "merged", "dropped"))
            + f"; quality gate {gate}")


def run_prepare(project_dir: Path, snapshot_id: str | None = None, env: str | None = None) -> str:
    """Run ``prepare-data`` tagged ``vn`` and the project's name; returns the deliverable id."""
    project = load_project(project_dir)
    with tags(team_of(FLOW_NAME), project.config.name):
        return prepare_data(str(Path(project_dir).resolve()), snapshot_id, env)
