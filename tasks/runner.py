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


from stx_migrate.migration.settings.procedure import ExecutionSettings

from .orchestrator import NO_CACHE, task
from .plain import is_plain

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
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=execution.dask_workers)


# Chunks are DataFrames of customer rows: they travel as task inputs (never stored on the
# server), never as flow parameters (stored and shown in the UI); never hashed, never persisted.
@task(name="apply-stage-to-chunk", task_run_name="{stage_name}-chunk-{index}", cache_policy=NO_CACHE,
      persist_result=False)
def _apply_to_chunk(stage: Callable[..., R], chunk: Any, kwargs: dict, stage_name: str, index: int) -> R:
    return stage(chunk, **kwargs)


def run_chunks(stage: Callable[..., R], chunks: Sequence[T], execution: ExecutionSettings,
               stage_name: str | None = None, **kwargs: Any) -> list[R]:
    """``[stage(chunk, **kwargs) for chunk in chunks]``, run as tasks under the project's task runner.

    Inside a flow run the chunk tasks appear in its timeline (``<stage>-chunk-<i>``). One
    chunk or none is run inline, without a runner. Results come back in the order of
    ``chunks``; an exception in any chunk propagates.
    """
    chunks = list(chunks)
    if len(chunks) <= 1 or is_plain():  # a plain run (no Prefect server) has no task runner
        return [stage(c, **kwargs) for c in chunks]
    name = (stage_name or getattr(stage, "__name__", None) or "stage").replace("_", "-")
    with task_runner_for(execution) as runner:
        futures = [runner.submit(_apply_to_chunk, parameters={"stage": stage, "chunk": chunk, "kwargs": kwargs,
                                                              "stage_name": name, "index": i})
                   for i, chunk in enumerate(chunks)]
        return [f.result() for f in futures]
