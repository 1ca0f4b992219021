"""Runs left RUNNING by a killed command are marked Crashed by the next one.

A process killed with SIGKILL (or a machine that stops) cannot tell the Prefect server its
run ended: the run would stay RUNNING forever. Each flow run of a project holds a lock on
``<workspace>/<project>/runs/<flow run id>.lock`` while its process lives (the kernel drops
the lock when the process dies). The next command of the project takes every lock it can:
those runs have no process any more, and the ones still RUNNING become Crashed.
"""
from __future__ import annotations

import fcntl
import logging
from pathlib import Path
from typing import IO

from stx_migrate.migration.settings.project import load_project
from stx_migrate.migration.workspace import Workspace

RUNS = "runs"
log = logging.getLogger("stx_migrate.runs")
_held: dict[str, IO] = {}


def _markers(project_name: str) -> Path:
    return Workspace(project_name).root / RUNS


def mark_this_run() -> None:
    """Inside a flow run of a project (a ``project_dir`` parameter): hold its marker until the process ends."""
    from .orchestrator import prefect_loaded

    if not prefect_loaded():   # a plain run: no flow run
        return
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    run = context.flow_run if context else None
    project_dir = (run.parameters or {}).get("project_dir") if run else None
    if not project_dir or str(run.id) in _held:
        return
    folder = _markers(load_project(Path(project_dir)).config.name)
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / f"{run.id}.lock", "w")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _held[str(run.id)] = handle


def crash_abandoned_runs(project_name: str) -> list[str]:
    """Mark Crashed the project's RUNNING runs whose process is gone; returns their ids."""
    folder = _markers(project_name)
    if not folder.is_dir():
        return []
    from prefect import get_client
    from prefect.states import Crashed

    crashed = []
    with get_client(sync_client=True) as client:
        for marker in sorted(folder.glob("*.lock")):
            with open(marker) as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:   # its process is alive
                    continue
                try:
                    run = client.read_flow_run(marker.stem)
                except Exception:  # noqa: BLE001 - a run another server holds, or gone: nothing to mark
                    run = None
                if run is not None and run.state is not None and run.state.is_running():
                    client.set_flow_run_state(run.id, Crashed(
                        message="its process ended without reporting (killed?): marked Crashed by the next "
                                "stx-migrate command of the project"), force=True)
                    crashed.append(str(run.id))
                marker.unlink(missing_ok=True)
    if crashed:
        log.warning("%d run(s) left RUNNING by a killed command marked Crashed: %s", len(crashed), ", ".join(crashed))
    return crashed
