"""Receive through the real path, every source kind beside its fastest plain read (issue 12, point 4).

For each kind (bench/receive_kinds.py) it generates a project of ``--rows`` demo clients,
then measures, in the same run and on the same data:

- the plain baselines (ADBC, ConnectorX, COPY → Arrow, pyarrow's CSV reader, calamine,
  mdb-export → pyarrow), each in this process, best of ``--repeat``;
- ``stx-migrate receive --project DIR`` as a user runs it: its own process, snapshot,
  manifest and profile included, best of ``--repeat``, with its CPU time and peak RSS;
- the same command on a 10-row project of the same kind: the command's fixed cost
  (interpreter, imports, Prefect), which does not grow with the data.

Each round (baselines, then the command) prints its own ratio too: on a shared machine the
best-of figures below can pair a lucky baseline with a lucky command.

The ratio is ``fastest baseline / (command − fixed cost)``: the speed of the command's
work relative to the plain read (goal ≥ 0.80×). ``whole`` is the same ratio without the
fixed cost taken off. On a shared machine wall times swing: ratios within one run hold
better than absolute figures.

    .venv/bin/python bench/bench_receive.py [--rows 1000000] [--excel-rows 100000]
        [--kinds sqlite,csv,postgresql,mariadb,excel,access] [--repeat 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import receive_kinds  # noqa: E402

COMMAND = [str(Path(sys.executable).with_name("stx-migrate")), "receive", "--project"]
GOAL = 0.80


@dataclass
class Timing:
    wall: float
    cpu: float
    rss_mb: float = 0.0
    work: float = 0.0  # the command's own reading time (manifest ``read_seconds``)


def best(runs: list[Timing]) -> Timing:
    return min(runs, key=lambda t: t.wall)


def time_baseline(read, expected_rows: int, repeat: int) -> Timing:
    runs = []
    for _ in range(repeat):
        before, started = _cpu(), time.perf_counter()
        rows = read()
        wall, after = time.perf_counter() - started, _cpu()
        assert rows == expected_rows, f"baseline read {rows} rows, the data has {expected_rows}"
        runs.append(Timing(wall, after - before))
    return best(runs)


def _cpu() -> float:
    """This process's CPU seconds and its finished children's (a baseline's mdb-export)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_command(project: Path, env: dict, expected: dict[str, int]) -> Timing:
    """One ``stx-migrate receive`` in its own process; checks the snapshot's row counts."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(COMMAND + [str(project)], stdout=out, stderr=err, env=env)
        peak_kb = 0
        while True:  # the child's own high-water mark (ru_maxrss would count this process's memory at fork)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            time.sleep(0.1)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"stx-migrate receive exited {process.returncode}:\n{stderr[-3000:]}")
    manifest = json.loads((Path(stdout.strip().splitlines()[-1]) / "manifest.json").read_text())
    got = {name: ds["rows"] for name, ds in manifest["datasets"].items()}
    assert sorted(got.values()) == sorted(expected.values()), f"snapshot rows {got}, the data has {expected}"
    return Timing(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024, manifest["read_seconds"])


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:  # exited meanwhile
        return 0


def command_env(home: Path) -> dict:
    env = dict(os.environ)
    env.update({"STX_MIGRATE_HOME": str(home / "workspace"), "PREFECT_HOME": str(home / "prefect"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"})
    return env


def bench_kind(kind: receive_kinds.Kind, rows: int, repeat: int, home: Path) -> dict:
    print(f"\n== {kind.name}" + (f" ({kind.note})" if kind.note else ""), flush=True)
    small = kind.make(home / f"{kind.name}-10", 10)   # its table is replaced by the big one below: measure it first
    env = command_env(home)                            # after make: it sets the database password's variable
    run_command(home / f"{kind.name}-10", env, small)  # warm-up: first use of the Prefect home, disk caches
    fixed = best([run_command(home / f"{kind.name}-10", env, small) for _ in range(repeat)])
    print(f"   command on a 10-row project (fixed cost)   {fixed.wall:7.2f} s  CPU {fixed.cpu:6.2f} s", flush=True)
    started = time.perf_counter()
    expected = kind.make(home / kind.name, rows)
    total = sum(expected.values())
    print(f"   data: {', '.join(f'{k} {v:,}' for k, v in expected.items())} rows (made in {time.perf_counter() - started:.0f} s)")
    # interleaved (baselines, command, command in source order, baselines…): a change of load hits all alike
    unordered_project = _source_order_copy(kind, home)
    base_runs: dict[str, list[Timing]] = {label: [] for label in kind.baselines}
    command_runs: list[Timing] = []
    unordered_runs: list[Timing] = []
    loads = []
    for _ in range(max(repeat, 2)):
        for label, read in kind.baselines.items():
            base_runs[label].append(time_baseline(read, total, 1))
        command_runs.append(run_command(home / kind.name, env, expected))
        if unordered_project:
            unordered_runs.append(run_command(unordered_project, env, expected))
        loads.append(os.getloadavg()[0])
        fastest_now = min(runs[-1].wall for runs in base_runs.values())
        print(f"   round {len(command_runs)}: fastest plain read {fastest_now:.2f} s, work {command_runs[-1].work:.2f} s "
              f"→ {fastest_now / command_runs[-1].work:.2f}× (load {loads[-1]:.1f})", flush=True)
    baselines = {label: best(runs) for label, runs in base_runs.items()}
    for label, t in baselines.items():
        print(f"   baseline {label:<34} {t.wall:7.2f} s  CPU {t.cpu:6.2f} s", flush=True)
    command = best(command_runs)
    unordered = best(unordered_runs) if unordered_runs else None
    label, fastest = min(baselines.items(), key=lambda item: item[1].wall)
    less_fixed, work_cpu = max(command.wall - fixed.wall, 1e-3), max(command.cpu - fixed.cpu, 1e-3)
    result = {"kind": kind.name, "rows": total, "baseline": label, "baseline_s": fastest.wall, "command_s": command.wall,
              "fixed_s": fixed.wall, "work_s": command.work, "ratio": fastest.wall / command.work,
              "less_fixed": fastest.wall / less_fixed, "whole": fastest.wall / command.wall,
              "cpu_ratio": fastest.cpu / work_cpu, "rss_mb": command.rss_mb, "cpu_s": command.cpu,
              "load": sum(loads) / len(loads),
              "order_cost": command.work / unordered.work - 1 if unordered else None}
    print(f"   stx-migrate receive                         {command.wall:7.2f} s  CPU {command.cpu:6.2f} s  "
          f"peak RSS {command.rss_mb:,.0f} MB")
    print(f"   its work (manifest read_seconds)            {command.work:7.2f} s   "
          f"(command − fixed cost: {less_fixed:.2f} s, CPU {work_cpu:.2f} s)")
    print(f"   → {result['ratio']:.2f}× the speed of '{label}' (goal ≥ {GOAL:.2f}×); command − fixed cost "
          f"{result['less_fixed']:.2f}×, CPU {result['cpu_ratio']:.2f}×, whole command {result['whole']:.2f}×", flush=True)
    if unordered:
        print(f"   the same, read in source order (ordered: false): work {unordered.work:.2f} s, CPU {unordered.cpu:.2f} s "
              f"→ key order costs {100 * result['order_cost']:+.0f} % of the work", flush=True)
    print(f"   load average during the runs {result['load']:.1f}", flush=True)
    return result


def _source_order_copy(kind: receive_kinds.Kind, home: Path) -> Path | None:
    """A copy of the kind's project whose tables are read in source order (``ordered: false``): the
    command on it says what the key order (the stable hash) costs. None for kinds without tables."""
    folder = home / kind.name
    config = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
    datasets = config["source"]["datasets"]
    if config["source"]["kind"] not in ("sqlite", "postgresql", "mysql", "access") or not all("table" in d for d in datasets.values()):
        return None
    copy = home / f"{kind.name}-source-order"
    shutil.copytree(folder, copy, copy_function=os.link, ignore=shutil.ignore_patterns("project.yaml"), dirs_exist_ok=True)
    for dataset in datasets.values():
        dataset["ordered"] = False
    (copy / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return copy


def kinds(names: list[str], servers: list) -> list[receive_kinds.Kind]:
    made = []
    for name in names:
        if name in ("postgresql", "mariadb"):
            import servers as test_servers

            server, stop = (test_servers.start_postgres if name == "postgresql" else test_servers.start_mariadb)()
            servers.append(stop)
            made.append(receive_kinds.postgresql_kind(server) if name == "postgresql" else receive_kinds.mariadb_kind(server))
        else:
            made.append(getattr(receive_kinds, f"{name}_kind")())
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--excel-rows", type=int, default=100_000, help="xlsx is slow to write: fewer rows by default")
    parser.add_argument("--kinds", default="sqlite,csv,postgresql,mariadb,excel,access")
    parser.add_argument("--repeat", type=int, default=2, help="best of N for each command and baseline")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="stx-bench-receive."))
    stops: list = []
    results = []
    print(f"bench_receive: {args.rows:,} rows; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    try:
        from stx_migrate.deployments.local_server import local_prefect_server

        # one Prefect server for every command (the way a team runs it, the UI up): the commands' fixed
        # cost is then imports and the flow run, not a server start on every call
        with local_prefect_server(home / "prefect", startup_timeout=300):
            for kind in kinds(args.kinds.split(","), stops):
                rows = args.excel_rows if kind.name == "excel" else args.rows
                results.append(bench_kind(kind, rows, args.repeat, home))
    finally:
        for stop in stops:
            stop()
        shutil.rmtree(home, ignore_errors=True)
    print(f"\n{'kind':<11} {'rows':>10} {'fastest plain read':<30} {'base s':>7} {'work s':>7} {'ratio':>6}   "
          f"{'cmd s':>7} {'CPU s':>6} {'fixed s':>7} {'cmd−fix':>7} {'cpu':>6} {'whole':>6} {'RSS MB':>7} {'order':>6} {'load':>5}")
    for r in results:
        flag = "" if r["ratio"] >= GOAL else "  < goal"
        order = "" if r["order_cost"] is None else f"{100 * r['order_cost']:+.0f}%"
        print(f"{r['kind']:<11} {r['rows']:>10,} {r['baseline']:<30} {r['baseline_s']:7.2f} {r['work_s']:7.2f} "
              f"{r['ratio']:5.2f}×   {r['command_s']:7.2f} {r['cpu_s']:6.2f} {r['fixed_s']:7.2f} {r['less_fixed']:6.2f}× "
              f"{r['cpu_ratio']:5.2f}× {r['whole']:5.2f}× {r['rss_mb']:7,.0f} {order:>6} {r['load']:5.1f}{flag}")
    print("ratio = fastest plain read / the command's work (goal ≥ 0.80×); cmd−fix = the same with the command's "
          "wall time less its fixed cost; cpu = on CPU seconds; whole = with the fixed cost; order = what reading in key "
          "order (the default: a stable hash) costs over source order; load = load average during the kind's runs")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
