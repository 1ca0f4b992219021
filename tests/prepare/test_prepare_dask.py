"""prepare-data with `execution: {task_runner: dask}`: transformation and validation run in chunks
on a local Dask cluster, and the deliverable is byte for byte the sequential one (issue 6, point 8)."""
from __future__ import annotations

import pytest

from stx_migrate.flows.prepare import run_prepare
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.workspace import Workspace

STAGES = ["apply-protocol", "check-contacts"]
COMPARED = ["contacts.csv", "rejects.csv", "duplicates.csv", "summary.json"]


def with_execution(project_dir, execution: str) -> None:
    path = project_dir / "project.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"execution: {execution}\n", encoding="utf-8")


@pytest.mark.slow
def test_dask_chunks_give_the_sequential_deliverable(demo_project, demo_snapshot, prefect_api):
    sequential = Deliverable(Workspace("demo-theatre").path("deliverables", run_prepare(demo_project)))
    # 600 source rows, chunks of 150: validation runs as 3+ tasks on two Dask worker processes
    with_execution(demo_project, "{task_runner: dask, dask_workers: 2, chunk_rows: 150}")
    before = {stage: len(chunk_task_runs(stage)) for stage in STAGES}
    chunked = Deliverable(Workspace("demo-theatre").path("deliverables", run_prepare(demo_project)))
    assert chunked.path != sequential.path
    assert chunked.summary().rejected > 0      # the rules did find something to agree on
    for name in COMPARED:
        assert (chunked.path / name).read_bytes() == (sequential.path / name).read_bytes(), name
    for stage in STAGES:                          # both stages really ran as chunk tasks
        assert len(chunk_task_runs(stage)) - before[stage] >= 3, stage


def chunk_task_runs(stage: str) -> list:
    from prefect import get_client
    from prefect.client.schemas.filters import TaskRunFilter, TaskRunFilterName

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_=f"{stage}-chunk-")))
    return [r for r in runs if r.state and r.state.is_completed()]
