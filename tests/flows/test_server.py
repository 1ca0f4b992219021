"""`stx-migrate server`: a local Prefect server, every step deployed, a worker; SIGTERM stops them all."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.slow


def _wait_for_line(proc: subprocess.Popen, pattern: str, seconds: float) -> re.Match:
    deadline, seen = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            assert proc.poll() is None, "".join(seen)
            continue
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError("no line matching %r in:\n%s" % (pattern, "".join(seen)))


def test_server_deploys_every_step_and_stops_server_and_worker_on_sigterm(tmp_path, demo_project):
    env = dict(os.environ, STX_MIGRATE_HOME=str(tmp_path / "ws"))
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "stx-migrate"), "server", "--project", str(demo_project)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ui = _wait_for_line(proc, r"Prefect UI: (http://127\.0\.0\.1:\d+)", 180).group(1)
        request = urllib.request.Request(f"{ui}/api/deployments/filter", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as r:
            names = {d["name"] for d in json.load(r)}
        assert len(names) == 10 and "demo-theatre-approve-transformations" in names
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("worker" in " ".join(c.cmdline()) for c in children)
        assert any("server" in " ".join(c.cmdline()) for c in children)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        assert "server: stopping (SIGTERM)" in err and "worker and server stopped" in err
        assert out.strip().splitlines()[-1] == str(tmp_path / "ws" / "demo-theatre" / "prefect")
        time.sleep(1)
        assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        with pytest.raises(OSError):
            urllib.request.urlopen(f"{ui}/api/health", timeout=3)
    finally:
        if proc.poll() is None:
            proc.kill()
