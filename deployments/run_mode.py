"""How a command runs its flow: on a Prefect server (runs in the UI), or plainly (no server at all).

A Prefect flow needs an API: with none configured, Prefect starts a temporary server in
every process, about 4 s (far more on a loaded machine) before any work, and gone with
the command, so nobody ever sees its UI. The commands therefore choose:

* **server** — ``PREFECT_API_URL`` is set (environment or Prefect profile), or a server
  started for the workspace (``stx-migrate demo --keep-server``, ``stx-migrate server``, or
  :func:`record_server`) answers at the address recorded in ``<workspace>/prefect-server.json``:
  the flow runs there, with its artifacts, logs, retries and pauses in the UI;
* **plain** — no server: the same flow and task functions run as plain calls (no run is
  recorded anywhere, no retry, chunks one after the other, no artifact: the run folders
  and the terminal carry the results). A step that waits for a person (the customer's
  decision after pre-production) records that it waits and ends; ``decide`` records the answer.

``STX_MIGRATE_RUNS=prefect`` forces Prefect (its temporary server when none is found),
``STX_MIGRATE_RUNS=plain`` forces plain runs.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

from stx_migrate.tasks.orchestrator import prefect_loaded

MODE_VARIABLE = "STX_MIGRATE_RUNS"
SERVER_RECORD = "prefect-server.json"


def server_record_path() -> Path:
    from stx_migrate.migration.workspace import workspace_home

    return workspace_home() / SERVER_RECORD


def record_server(api_url: str) -> Path:
    """Note a running server in the workspace: later commands run their flows there."""
    path = server_record_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"api_url": api_url, "pid": os.getpid()}) + "\n", encoding="utf-8")
    return path


def forget_server(api_url: str) -> None:
    """Remove the workspace's record of the server at ``api_url`` (not another one's)."""
    path = server_record_path()
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("api_url") == api_url:
            path.unlink()
    except (OSError, ValueError):
        pass


def recorded_server() -> str | None:
    """The API address recorded in the workspace, if a server answers there."""
    try:
        api_url = json.loads(server_record_path().read_text(encoding="utf-8"))["api_url"]
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=2) as response:
            return api_url if response.status == 200 else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def choose_run_mode() -> str:
    """Decide for this process: ``server`` or ``plain`` (see the module docstring); returns the mode."""
    forced = os.environ.get(MODE_VARIABLE, "").strip().lower()
    if forced == "plain":
        run_plainly()
        return "plain"
    # Prefect already imported: its settings may have been changed in-process (a test harness); ask it
    if forced == "prefect" or prefect_loaded() or _prefect_may_name_an_api():
        from prefect.settings import PREFECT_API_URL

        if PREFECT_API_URL.value() or forced == "prefect":
            return "server"
    found = recorded_server()
    if found:
        os.environ["PREFECT_API_URL"] = found
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
        return "server"
    run_plainly()
    return "plain"


def _prefect_may_name_an_api() -> bool:
    """Whether Prefect's settings could name an API: the environment, a settings file in the working
    folder, or the active profile. Only then is Prefect imported to read them (about 1.5 s): a user
    without any of these runs plainly without paying for it. When in doubt, True."""
    if any(key.upper().startswith("PREFECT_API") for key in os.environ):
        return True
    here = Path.cwd()
    if (here / "prefect.toml").exists() or _mentions(here / ".env", "PREFECT_") or \
            _mentions(here / "pyproject.toml", "tool.prefect"):
        return True
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    try:
        active = _active_profile(profiles) if profiles.exists() else None
        if active is None:   # no profiles file, or its active profile is not in it: Prefect's default profile
            import importlib.util

            spec = importlib.util.find_spec("prefect")   # finds the package without importing it
            active = _active_profile(Path(spec.submodule_search_locations[0]) / "settings" / "profiles.toml")
    except Exception:  # noqa: BLE001 - unreadable, odd: let Prefect decide
        return True
    return active is None or any("API_URL" in str(key).upper() for key in active)


def _mentions(path: Path, text: str) -> bool:
    try:
        return text.lower() in path.read_text(encoding="utf-8", errors="replace").lower()
    except OSError:
        return False


def _active_profile(path: Path) -> dict | None:
    """The settings of the active profile of a Prefect profiles file (as Prefect picks it), or None."""
    import tomllib

    data = tomllib.loads(path.read_text(encoding="utf-8"))
    name = os.environ.get("PREFECT_PROFILE") or data.get("active")
    profile = data.get("profiles", {}).get(name) if name else None
    return profile if isinstance(profile, dict) else None


# What run_plainly changed in Prefect's classes and modules, to put back (end_plain_runs)
_UNDO: list[Callable[[], None]] = []


def run_plainly() -> None:
    """From now on in this process, calling a flow or a task calls its function (no API, no server).

    Flow and task modules imported after this never import Prefect (``tasks/orchestrator.py``);
    those imported before are Prefect's, whose calls are turned into plain calls here.
    """
    from stx_migrate.tasks.plain import is_plain, set_plain

    if is_plain():
        return
    if not prefect_loaded():
        set_plain()
        return
    import prefect
    import prefect.logging
    import prefect.logging.loggers
    from prefect.flows import Flow
    from prefect.tasks import Task

    for cls in (Flow, Task):
        _UNDO.append(functools.partial(setattr, cls, "__call__", cls.__call__))
        cls.__call__ = _call_fn
    original = prefect.get_run_logger
    for module in [prefect, prefect.logging, prefect.logging.loggers] + [
            m for name, m in list(sys.modules.items()) if name.startswith("stx_migrate.") and m is not None]:
        if getattr(module, "get_run_logger", None) is original:
            _UNDO.append(functools.partial(setattr, module, "get_run_logger", original))
            module.get_run_logger = _plain_logger
    set_plain()


def end_plain_runs() -> None:
    """Back to Prefect runs in this process: what :func:`run_plainly` changed, put back.

    A command never needs this (its process ends with it). The tests do: they run commands plainly
    in the process where other tests then run flows on a test server (tests/conftest.py).
    """
    from stx_migrate.tasks.plain import set_plain

    while _UNDO:
        _UNDO.pop()()
    set_plain(False)


def _call_fn(self, *args, **kwargs):
    kwargs.pop("return_state", None)
    return self.fn(*args, **kwargs)


def _plain_logger(*_args, **_kwargs) -> logging.Logger:
    return logging.getLogger("stx_migrate.run")
