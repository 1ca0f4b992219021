"""The task runner a project asks for (``project.yaml › execution``), and chunk-parallel stages.

* ``task_runner: sequential`` (default) — Prefect's thread runner: one process, right
  for I/O-bound steps and for a 2-core machine.
* ``task_runner: dask`` — prefect-dask's ``DaskTaskRunner``: a local cluster of
  ``dask_workers`` processes, or an existing scheduler at ``dask_address``
  (``tcp://host:8786``) whose workers run on other machines. Pays off only for
  CPU-bound chunks of several seconds each (measured: ~6 s to start a local cluster).

:func:`run_chunks` is how validation and transformation run their chunks: it applies a
plain function of the pure core to each chunk under the project's runner and returns
the results **in chunk order**, so a Dask run gives exactly the sequential result.
The stage function must be importable (module level) so Dask can ship it to workers.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from stx_migrate.migration.settings.procedure import ExecutionSettings

T = TypeVar("T")
R = TypeVar("R")


def task_runner_for(execution: ExecutionSettings):
    """A fresh task runner instance for ``execution`` (runners are single-use per flow run)."""
    if execution.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if execution.dask_address:
            return DaskTaskRunner(address=execution.dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": execution.dask_workers, "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    return ThreadPoolTaskRunner(max_workers=execution.dask_workers)


# Chunks are DataFrames: never hash them for a cache key, never persist them as results.
@task(name="apply-stage-to-chunk", cache_policy=NO_CACHE, persist_result=False)
def _apply_to_chunk(stage: Callable[..., R], chunk: Any, kwargs: dict) -> R:
    return stage(chunk, **kwargs)


@flow(name="chunk-parallel-stage", persist_result=False, validate_parameters=False)
def _chunk_parallel(stage: Callable[..., R], chunks: list, kwargs: dict) -> list[R]:
    futures = _apply_to_chunk.map(unmapped(stage), chunks, unmapped(kwargs))
    return [f.result() for f in futures]


def run_chunks(stage: Callable[..., R], chunks: Sequence[T], execution: ExecutionSettings,
               stage_name: str | None = None, **kwargs: Any) -> list[R]:
    """``[stage(chunk, **kwargs) for chunk in chunks]``, run under the project's task runner.

    Runs as a subflow (``chunk-parallel-stage``, named after ``stage_name``) when called
    inside a flow; one chunk or none is run inline, without a runner. Results come back
    in the order of ``chunks``; an exception in any chunk propagates.
    """
    chunks = list(chunks)
    if len(chunks) <= 1:
        return [stage(c, **kwargs) for c in chunks]
    name = stage_name or getattr(stage, "__name__", "stage")
    runner = task_runner_for(execution)
    parallel = _chunk_parallel.with_options(task_runner=runner, flow_run_name=f"{name.replace('_', '-')}-{len(chunks)}-chunks-{execution.task_runner}")
    return parallel(stage, chunks, kwargs)
