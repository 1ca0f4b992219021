"""The whole procedure in Prefect against the same steps called as plain functions: what orchestration costs.

    .venv/bin/python bench/bench_procedure.py [--rows 100000]

Two fresh copies of the demo project (generated legacy source, ``--rows`` clients), each
with its own workspace and seeded SQLite environments:

* plain — the steps' own functions, no Prefect run: receive, prepare (+gate), import dev,
  import preprod, J-1 receive + prepare, the diff, import prod;
* procedure — ``migration-procedure`` (every step a subflow, artifacts, journal, ticket,
  the customer's decision given automatically) against Prefect's test-harness server,
  whose start-up is timed apart.

Prints rows/s and peak RSS for each (bench/measure.py); the difference is the price of
running the procedure as monitored flows.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from e2e_plain import plain_steps  # noqa: E402  (the same steps, the same source twice)
from measure import measure  # noqa: E402


def fresh_project(root: Path, rows: int) -> Path:
    from stx_migrate.config.demo_data import materialise_demo_project
    from stx_migrate.deployments.demo import seed_demo_environments

    os.environ["STX_MIGRATE_HOME"] = str(root / "workspace")
    project = materialise_demo_project(root / "project", rows=rows)
    seed_demo_environments(project)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="stx-bench-procedure."))

    plain_project = fresh_project(work / "plain", args.rows)
    with measure("plain steps (no Prefect run)", args.rows):
        plain_steps(plain_project)

    from prefect.testing.utilities import prefect_test_harness

    procedure_project = fresh_project(work / "procedure", args.rows)
    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=180):
        print(f"{'(Prefect test server start-up)':<44} {time.perf_counter() - started:8.2f} s", flush=True)
        from stx_migrate.flows.procedure import migration_procedure

        with measure("migration-procedure (flows, subflows)", args.rows):
            state = migration_procedure(str(procedure_project), return_state=True,
                                        auto_decision={"approved": True, "by": "bench", "comment": ""})
    if not state.is_completed():
        sys.exit(f"the procedure did not complete: {state.message}")


if __name__ == "__main__":
    main()
