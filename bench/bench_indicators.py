"""What the sales-history aggregate costs in prepare: 1M contacts with 10M order lines (issue 18's goal: ≤ 30 s more).

Builds the demo's legacy tables at N contacts (config/demo_data.py, seeded) with about
``--orders-per-client`` order lines each (default 10: ten million lines at a million
contacts), freezes them as a real snapshot, then runs **the command**
``stx-migrate prepare --project DIR --snapshot ID`` in a fresh process, alternately:

- ``with``: the demo protocol (the ``sales`` aggregate over the orders and its three
  indicators CRIT03-05, bucket + criterion);
- ``without``: the same protocol with the aggregate and the three indicator columns removed.

Each run's wall time and CPU time (the command's process and its children, from
``getrusage``) are printed, plus the command's own stage lines (protocol, rules, dedup,
write) and the load average; the difference with/without is the aggregate's cost. The
machine may be shared: compare the runs of one invocation (they alternate), prefer CPU.

    .venv/bin/python bench/bench_indicators.py [--rows 1000000] [--orders-per-client 10] [--repeat 2]

Writes only into a temporary folder it removes.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402

KEYS = {"clients": ["NUM_CLIENT"], "companies": ["ID"], "criteria": ["ID"], "orders": ["ID"]}
INDICATORS = ("CRIT03", "CRIT04", "CRIT05")
STAGE = re.compile(r"stage (?P<stage>[^:]+): .*?(?P<wall>[0-9.]+) s wall, (?P<cpu>[0-9.]+) s CPU")


def make_project(tmp: Path, rows: int) -> Path:
    """The demo project with a contact-number range that fits, and a second protocol without the aggregate."""
    from importlib import resources

    from stx_migrate.config.demo_data import DEMO_FILES

    folder = tmp / "demo"
    folder.mkdir()
    for name in DEMO_FILES:
        (folder / name).write_bytes(resources.files("stx_migrate.config").joinpath("demo", name).read_bytes())
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    (folder / "project.yaml").write_text(text.replace("last: 199999", f"last: {100000 + 2 * rows}"), encoding="utf-8")
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text(encoding="utf-8"))
    protocol["datasets"].pop("aggregates")
    for column in INDICATORS:
        protocol["columns"].pop(column)
    (folder / "without.yaml").write_text(yaml.safe_dump(protocol, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def make_snapshot(project_dir: Path, rows: int, per_client: float) -> str:
    import pyarrow as pa

    from stx_migrate.config.demo_data import demo_tables
    from stx_migrate.migration.settings import load_project
    from stx_migrate.migration.snapshot import DatasetSpec, write_snapshot
    from stx_migrate.migration.workspace import Workspace

    name = load_project(project_dir).config.name
    with measure("generate legacy tables (not the goal)", rows):
        tables = demo_tables(rows=rows, orders_per_client=per_client)
    print(f"orders: {len(tables['orders']):,} lines for {len(tables['clients']):,} contacts", flush=True)
    specs = [DatasetSpec(n, pa.Schema.from_pandas(f, preserve_index=False), [pa.Table.from_pandas(f, preserve_index=False)],
                         key=KEYS[n]) for n, f in tables.items()]
    del tables
    with measure("freeze the snapshot (not the goal)", rows):
        return write_snapshot(Workspace(name), name, {"kind": "bench"}, specs).id


def use_protocol(project_dir: Path, file: str) -> None:
    path = project_dir / "project.yaml"
    text = re.sub(r"(?m)^protocol: .*$", f"protocol: {file}", path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")


def run_prepare(project_dir: Path, snapshot: str, label: str) -> tuple[float, float]:
    """One ``stx-migrate prepare`` in a fresh process: (wall, CPU of it and its children)."""
    command = [str(Path(sys.executable).with_name("stx-migrate")), "prepare", "--project", str(project_dir),
               "--snapshot", snapshot]
    before, wall = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall, after = time.perf_counter() - wall, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    written = done.stdout.strip().splitlines()[-1:]      # the deliverable's folder, even when the gate refused (exit 1)
    if done.returncode not in (0, 1) or not written or not Path(written[0]).is_dir():
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"prepare failed with exit code {done.returncode}")
    stages = ", ".join(f"{m['stage']} {float(m['wall']):.1f}/{float(m['cpu']):.1f}" for m in STAGE.finditer(done.stderr))
    print(f"{label:8s} wall {wall:6.1f} s  CPU {cpu:6.1f} s  exit {done.returncode}  load {os.getloadavg()[0]:.1f}"
          f"  stages wall/CPU: {stages}", flush=True)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--orders-per-client", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    from stx_migrate.deployments.local_server import local_prefect_server

    tmp = Path(tempfile.mkdtemp(prefix="bench-indicators-"))
    os.environ["STX_MIGRATE_HOME"] = str(tmp / "workspace")
    try:
        project_dir = make_project(tmp, args.rows)
        snapshot = make_snapshot(project_dir, args.rows, args.orders_per_client)
        # one Prefect server for every run (a loaded machine may not start an ephemeral one in time); its
        # CPU is not counted: it is not a child of the commands
        server = local_prefect_server(tmp / "prefect")
        os.environ["PREFECT_API_URL"] = f"{server.__enter__()}/api"
        runs: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
        for _ in range(args.repeat):
            for label, file in (("without", "without.yaml"), ("with", "protocol.yaml")):
                use_protocol(project_dir, file)
                runs[label].append(run_prepare(project_dir, snapshot, label))
        best = {label: (min(w for w, _ in r), min(c for _, c in r)) for label, r in runs.items()}
        print(f"aggregate's cost (best with - best without): wall {best['with'][0] - best['without'][0]:+.1f} s, "
              f"CPU {best['with'][1] - best['without'][1]:+.1f} s (goal: at most +30 s)", flush=True)
        server.__exit__(None, None, None)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
