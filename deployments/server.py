"""``stx-migrate server --project DIR``: a local Prefect server, the project's deployments and a worker.

For a project leader who wants every step in a browser without a shared Prefect
installation: the server keeps its database under the project's workspace
(``<workspace>/<project>/prefect``), ``deploy`` creates the pool and one deployment per
flow, and a process worker runs what is started from the UI. Ctrl-C, SIGTERM or SIGHUP
stops the worker first, then the server.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from .deploy import deploy_project
from .local_server import _prefect_cli, local_prefect_server

WORKER_STOP_SECONDS = 15


class Stop(Exception):
    """Raised in the main thread by SIGTERM / SIGHUP: leave the serving loop, stop what was started."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def start_worker(pool: str, ui: str, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PREFECT_API_URL=f"{ui}/api")
    log = open(log_path, "ab")
    return subprocess.Popen([_prefect_cli(), "worker", "start", "--pool", pool, "--type", "process"], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop_worker(worker: subprocess.Popen) -> None:
    """SIGTERM, then SIGINT (a process worker may ignore the first), then SIGKILL: never left running."""
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGKILL):
        if worker.poll() is not None:
            return
        try:
            os.killpg(worker.pid, sig)
        except ProcessLookupError:
            return
        try:
            worker.wait(timeout=WORKER_STOP_SECONDS / 3)
        except subprocess.TimeoutExpired:
            continue


def serve(project_dir: Path, home: Path, port: int | None = None, pool: str = "stx-migrate",
          say: Callable[[str], None] = lambda text: print(text, file=sys.stderr, flush=True),
          ready: threading.Event | None = None, stop: threading.Event | None = None) -> None:
    """Run the server, deploy the project, run a worker; return when stopped (signal, Ctrl-C or ``stop`` set)."""
    previous = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:
        for s in previous:
            signal.signal(s, _raise_stop)
    worker = None
    try:
        say(f"server: starting a local Prefect server (database in {home}) ...")
        with local_prefect_server(home, port) as ui:
            from .run_mode import forget_server, record_server

            record_server(f"{ui}/api")   # later commands in this workspace run their flows here
            result = deploy_project(project_dir, pool)
            say(f"server: {len(result['deployments'])} deployments created in work pool {pool}: "
                + ", ".join(result["deployments"]))
            worker = start_worker(pool, ui, home / "worker.log")
            say(f"server: worker started (log {home / 'worker.log'})")
            say(f"Prefect UI: {ui}")
            say(f"  start a step:  {ui}/deployments  (a deployment › Run › Quick run, or Custom run to give parameters)")
            say(f"  runs waiting for a decision: {ui}/runs  (a Paused run › Resume)")
            say("server: Ctrl-C stops the worker and the server")
            if ready is not None:
                ready.set()
            try:
                if stop is not None:
                    stop.wait()
                while stop is None:
                    signal.pause()
            except (KeyboardInterrupt, Stop) as e:
                say(f"server: stopping ({e or 'Ctrl-C'})")
            except SystemExit as e:   # local_prefect_server turns SIGTERM / SIGHUP into SystemExit(128 + signal)
                code = e.code if isinstance(e.code, int) else 0
                say(f"server: stopping ({signal.Signals(code - 128).name if code > 128 else 'exit'})")
            finally:
                stop_worker(worker)
                forget_server(f"{ui}/api")
    finally:
        if in_main:
            for s, handler in previous.items():
                signal.signal(s, handler)
    say("server: worker and server stopped")
