"""What a killed command leaves: staging folders, RUNNING runs, a demo server. The next command cleans up."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from stx_migrate.cli.main import main
from stx_migrate.migration.workspace import Workspace

SCRIPT_KILLED_MID_WRITE = """
import os, sys
from stx_migrate.migration.workspace import Workspace
with Workspace("demo-theatre").new_folder("deliverables") as staging:
    (staging / "contacts.csv").write_text("personal data")
    print(staging, flush=True)
    os.kill(os.getpid(), 9)
"""


@pytest.fixture()
def demo(tmp_path, workspace_home):
    from stx_migrate.config.demo_data import materialise_demo_project

    return materialise_demo_project(tmp_path / "demo", rows=20)


def test_a_staging_folder_of_a_killed_process_is_removed_by_the_next_command(demo, workspace_home):
    killed = subprocess.run([sys.executable, "-c", SCRIPT_KILLED_MID_WRITE], capture_output=True, text=True,
                            env={**os.environ, "STX_MIGRATE_HOME": str(workspace_home)})
    assert killed.returncode == -signal.SIGKILL
    left = Path(killed.stdout.strip())
    assert (left / "contacts.csv").exists()
    # a staging folder whose writer is alive (it holds the lock) is never touched
    alive = Workspace("demo-theatre").new_folder("snapshots")
    writing = alive.__enter__()
    try:
        main(["check", "--project", str(demo)])
        assert not left.exists() and writing.exists()
    finally:
        alive.__exit__(None, None, None)
    assert not list((workspace_home / "demo-theatre").glob("**/.staging-*"))


def test_a_finished_folder_carries_no_lock_file(workspace_home):
    with Workspace("p").new_folder("deliverables") as staging:
        (staging / "a.txt").write_text("x")
    [folder] = (workspace_home / "p" / "deliverables").iterdir()
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]


@pytest.mark.prefect
def test_a_run_left_running_by_a_dead_process_is_marked_crashed(demo, workspace_home, prefect_api, monkeypatch):
    from prefect import get_client
    from prefect.states import Running

    from stx_migrate.flows.prepare import prepare_data

    with get_client(sync_client=True) as client:
        dead = client.create_flow_run(prepare_data, parameters={"project_dir": str(demo)}, state=Running())
        alive = client.create_flow_run(prepare_data, parameters={"project_dir": str(demo)}, state=Running())
    markers = workspace_home / "demo-theatre" / "runs"
    markers.mkdir(parents=True)
    (markers / f"{dead.id}.lock").write_text("")          # its process was killed: nobody holds the lock
    held = open(markers / f"{alive.id}.lock", "w")          # its process is alive
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        monkeypatch.setenv("STX_MIGRATE_RUNS", "prefect")
        from stx_migrate.cli.common import open_project, start_flows

        open_project(demo)
        start_flows()
        with get_client(sync_client=True) as client:
            assert client.read_flow_run(dead.id).state.type.value == "CRASHED"
            assert client.read_flow_run(alive.id).state.is_running()
        assert not (markers / f"{dead.id}.lock").exists() and (markers / f"{alive.id}.lock").exists()
    finally:
        held.close()


SERVER_SCRIPT = """
import sys, time
from pathlib import Path
from stx_migrate.deployments.local_server import local_prefect_server
with local_prefect_server(Path(sys.argv[1])) as ui:
    print(ui, flush=True)
    while True:
        time.sleep(1)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_stops_the_demo_server(tmp_path, signum):
    proc = subprocess.Popen([sys.executable, "-c", SERVER_SCRIPT, str(tmp_path / "home")], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "STX_MIGRATE_HOME": str(tmp_path / "ws")})
    try:
        ui = proc.stdout.readline().strip()
        assert ui.startswith("http://127.0.0.1:"), "the local server did not start"
        urllib.request.urlopen(f"{ui}/api/health", timeout=5).close()
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == 128 + signum
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{ui}/api/health", timeout=2).close()
            except OSError:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the server still answers after its owner got the signal")
    finally:
        if proc.poll() is None:
            proc.kill()
