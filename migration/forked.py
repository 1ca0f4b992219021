"""Jobs over the machine's cores without a task runner: this process plus forked children.

For independent pure-Python work (XlsxWriter, per-row Python) that threads cannot overlap:
it holds the GIL. A forked child starts from this process's memory (copy-on-write), so a
job's inputs are never pickled; only its result comes back, pickled (keep it small: a
file written, a count). The first job runs here, so with one core or one job nothing is
forked at all.

Results come back in job order: callers get exactly the sequential result. An exception
in any job is raised here. Fork only (Linux): elsewhere every job runs in this process.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

R = TypeVar("R")

# Below this many rows the callers run their jobs here: forking and pickling the results
# back cost more than the second core saves.
PARALLEL_MIN_ROWS = 100_000

_JOBS: Sequence[Callable[[], Any]] = ()   # the jobs of the running call, inherited by the children


def cores() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _run_job(number: int) -> Any:
    return _JOBS[number]()


def run_jobs(jobs: Sequence[Callable[[], R]], processes: int | None = None) -> list[R]:
    """``[job() for job in jobs]``, the first here, the others in up to ``processes - 1`` forked children."""
    global _JOBS
    jobs = list(jobs)
    processes = cores() if processes is None else processes
    if len(jobs) <= 1 or processes <= 1 or not can_fork() or _JOBS:   # never fork from a forked job
        return [job() for job in jobs]
    _JOBS = jobs
    try:
        # ProcessPoolExecutor, not Pool: a child that dies (out of memory) raises here instead of hanging
        with ProcessPoolExecutor(min(processes - 1, len(jobs) - 1), mp_context=multiprocessing.get_context("fork")) as pool:
            pending = [pool.submit(_run_job, i) for i in range(1, len(jobs))]
            first = jobs[0]()
            results = [first] + [p.result() for p in pending]
    finally:
        _JOBS = ()
    return results
