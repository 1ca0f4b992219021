"""A local Prefect server for the demo and the UI screenshot: started on loopback, stopped afterwards.

The server needs ``PREFECT_UI_API_URL`` pointing at its own port (or the UI
calls port 4200), and analytics off (a fresh database otherwise risks a lock error).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .run_mode import forget_server, record_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prefect_cli() -> str:
    beside = Path(sys.executable).parent / "prefect"
    return str(beside) if beside.exists() else (shutil.which("prefect") or "prefect")


def _flush_logs_to_api() -> None:
    """Send the run logs still queued in this process while the server is up (best effort)."""
    try:
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)
    except Exception:  # a flush failure must not hide the run's own outcome
        pass


@contextlib.contextmanager
def local_prefect_server(home: Path, port: int | None = None, startup_timeout: float = 120) -> Iterator[str]:
    """Run ``prefect server start`` on 127.0.0.1 with its database under ``home``; yield the UI URL.

    Inside the block this process's Prefect client talks to that server
    (``PREFECT_API_URL``); on exit the server is stopped (SIGTERM, then SIGKILL).
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    ui = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_UI_API_URL=f"{ui}/api", PREFECT_SERVER_UI_API_URL=f"{ui}/api")
    env.pop("PREFECT_API_URL", None)
    log = open(home / "server.log", "ab")
    previous = _stop_on_signals()   # SIGTERM / SIGHUP end this process through the finally below
    proc = subprocess.Popen([_prefect_cli(), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                with urllib.request.urlopen(f"{ui}/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
        old = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = f"{ui}/api"   # for child processes (Dask workers)
        record_server(f"{ui}/api")   # other commands of this workspace run their flows here meanwhile
        try:
            with temporary_settings(updates={PREFECT_API_URL: f"{ui}/api"}):
                try:
                    yield ui
                finally:
                    _flush_logs_to_api()   # before the server goes: no "Error logging to API" at exit
        finally:
            forget_server(f"{ui}/api")
            if old is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = old
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _stop_on_signals() -> dict:
    """Turn SIGTERM and SIGHUP into SystemExit so that the server is stopped, not left to process 1."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}

    def leave(signum, frame):
        raise SystemExit(128 + signum)

    return {signum: signal.signal(signum, leave) for signum in (signal.SIGTERM, signal.SIGHUP)}
