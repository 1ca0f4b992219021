"""What a command loads at start-up: only its own imports, and no Prefect when it runs plainly.

Each command is a process of its own, so every import is paid again by every command
(Prefect alone is ~1.5 s of CPU; pandas ~0.5 s). Each case runs the CLI in a fresh process,
as a user does, and reads which heavy modules it ended with.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("prefect", "pandas", "pyarrow", "numpy", "sqlalchemy", "alembic", "duckdb", "openpyxl", "xlsxwriter")
RUN = ("import json, sys; from stx_migrate.cli.main import main; code = main(sys.argv[2:]); "
       f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]), file=open(sys.argv[1], 'w'))")


def _loaded(tmp_path: Path, *argv: str, **extra: str) -> tuple[int, list[str]]:
    """(exit code, heavy modules loaded) of ``stx-migrate ARGV`` in a process with no Prefect server anywhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API") and k != "STX_MIGRATE_RUNS"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), **extra)   # no profile naming a server
    out = tmp_path / "loaded.json"
    subprocess.run([sys.executable, "-c", RUN, str(out), *argv], env=env, cwd=tmp_path, capture_output=True, check=True)
    code, loaded = json.loads(out.read_text())
    return code, loaded


def test_help_loads_none_of_the_heavy_libraries(tmp_path):
    assert _loaded(tmp_path, "--help") == (0, [])
    assert _loaded(tmp_path, "guide", "--help") == (0, [])


def test_a_plain_run_never_imports_prefect(tmp_path, demo_project, workspace_home):
    project = ["--project", str(demo_project)]
    code, loaded = _loaded(tmp_path, "receive", *project)
    assert code == 0 and "pandas" in loaded and "prefect" not in loaded
    assert "sqlalchemy" not in loaded   # a SQLite source is read through sqlite3 and ADBC
    code, loaded = _loaded(tmp_path, "prepare", *project)
    assert code == 0 and "prefect" not in loaded
    assert "alembic" not in loaded      # the dev store is at the newest schema: read, never migrated
    code, loaded = _loaded(tmp_path, "decide", "--step", "transformations", "--approve", "--by", "ADI", *project)
    assert code == 0 and "prefect" not in loaded
    code, loaded = _loaded(tmp_path, "import", "--env", "dev", *project)
    assert code == 0 and "prefect" not in loaded


def test_a_profile_naming_a_server_is_read_through_prefect(tmp_path):
    """The cheap look for a server errs on Prefect's side: a profile with an API address means asking Prefect."""
    home = tmp_path / "prefect-home"
    home.mkdir()
    (home / "profiles.toml").write_text('active = "mine"\n[profiles.mine]\nPREFECT_API_URL = "http://127.0.0.1:9/api"\n')
    code = ("from stx_migrate.deployments.run_mode import _prefect_may_name_an_api as may; import sys; "
            "print(may(), 'prefect' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(home)
    named = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert named.stdout.split() == ["True", "False"]
    (home / "profiles.toml").write_text('active = "mine"\n[profiles.mine]\nPREFECT_LOGGING_LEVEL = "INFO"\n')
    unnamed = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert unnamed.stdout.split() == ["False", "False"]
