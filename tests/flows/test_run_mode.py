"""How commands run their flows: on the server in use (environment or workspace record), else plainly.

Each case runs in a process of its own, as a user's command does (the choice is per process).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_e2e.py"
CHOOSE = ("from stx_migrate.deployments.run_mode import choose_run_mode; import prefect.settings as s; "
          "print(choose_run_mode(), s.PREFECT_API_URL.value())")


def _choose(workspace: Path, **extra) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "STX_MIGRATE_RUNS")}
    env.update(STX_MIGRATE_HOME=str(workspace), **extra)
    out = subprocess.run([sys.executable, "-c", CHOOSE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_no_server_means_plain_runs(tmp_path):
    assert _choose(tmp_path / "ws") == ["plain", "None"]


def test_a_dead_server_recorded_in_the_workspace_is_not_used(tmp_path):
    from stx_migrate.deployments.run_mode import SERVER_RECORD

    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / SERVER_RECORD).write_text(json.dumps({"api_url": "http://127.0.0.1:9/api"}))
    assert _choose(tmp_path / "ws") == ["plain", "None"]


@pytest.mark.prefect
def test_the_server_recorded_in_the_workspace_is_used(tmp_path, prefect_api, monkeypatch):
    from prefect.settings import PREFECT_API_URL

    from stx_migrate.deployments.run_mode import forget_server, record_server, server_record_path

    monkeypatch.setenv("STX_MIGRATE_HOME", str(tmp_path / "ws"))
    url = PREFECT_API_URL.value()
    record_server(url)
    assert _choose(tmp_path / "ws") == ["server", url]
    assert _choose(tmp_path / "ws", STX_MIGRATE_RUNS="plain") == ["plain", "None"]
    forget_server(url)
    assert not server_record_path().exists()


@pytest.mark.slow
def test_every_command_runs_plainly_in_its_own_process(tmp_path):
    """The user's path without a server: receive … production, one process each (bench_e2e at 300 rows)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "STX_MIGRATE_RUNS")}
    report = tmp_path / "e2e.json"
    done = subprocess.run([sys.executable, str(BENCH), "--rows", "300", "--work", str(tmp_path / "bench"),
                           "--no-fixed-cost", "--json", str(report)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    stages = json.loads(report.read_text())["stages"]
    assert [s["name"] for s in stages] == ["receive", "check", "prepare", "approve (ADI)", "import dev", "sign off (VN)",
                                           "import preprod", "decide", "refresh (J-1)", "production"]
    assert all(s["rc"] == 0 and s["wall"] > 0 and s["peak_mb"] > 0 for s in stages)
    production = Path(stages[-1]["last_line"])
    assert (production / "not_imported.csv").is_file() and (production / "production.json").is_file()
    log = (tmp_path / "bench" / "run" / "commands.log").read_text()
    assert "Starting temporary server" not in log   # no command paid for a server
    assert "for the customer's decision: stx-migrate decide" in log


def test_plain_runs_end_and_flows_run_on_prefect_again(prefect_api):
    """A command run plainly in a test's process must not leave later tests' flows plain (conftest)."""
    from prefect import flow
    from prefect.flows import Flow

    from stx_migrate.deployments.run_mode import end_plain_runs, run_plainly
    from stx_migrate.tasks.orchestrator import flow_run_id, get_run_logger
    from stx_migrate.tasks.plain import is_plain

    @flow(name="where-am-i")
    def where():
        return flow_run_id(), get_run_logger().name

    prefect_call = Flow.__call__
    run_plainly()
    try:
        assert is_plain() and Flow.__call__ is not prefect_call
        assert where() == (None, "stx_migrate.run")             # a plain call: no flow run, the terminal's logger
    finally:
        end_plain_runs()
    assert not is_plain() and Flow.__call__ is prefect_call
    run_id, logger = where()
    assert run_id is not None and logger != "stx_migrate.run"   # a run on the test API again, with its run logger
