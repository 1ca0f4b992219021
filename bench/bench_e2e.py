"""The real path, end to end: every ``stx-migrate`` command in a process of its own, files between stages.

    .venv/bin/python bench/bench_e2e.py --rows 1000000 [--work DIR [--reuse]] [--no-baselines] [--no-fixed-cost]

On the demo project generated at ``--rows`` clients (bench/e2e_project.py), runs as a user
does: receive → check → prepare → import --env dev → import --env preprod → decide →
(the J-1 extraction arrives: 2 % changed, 1 % new) refresh → production. Each command is
timed from outside: wall, CPU (user + system of the command and its children), peak RSS
of its process tree (its RSS and its children's own pages, sampled) and rows/s.

In the same run: the plain baselines (bench/e2e_baselines.py) and, unless
``--no-fixed-cost``, the same commands on a 10-row project (each command's fixed cost).
The commands run their flows as they would for this user: on the Prefect server
``PREFECT_API_URL`` names or the workspace records, else plainly (deployments/run_mode.py);
the table says which. Goals (1M rows, 2 cores): procedure ≤ 180 s, peak RSS ≤ 4 GB,
fixed cost ≤ 3 s per command. ``--json FILE`` also writes the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from e2e_baselines import baseline_commands  # noqa: E402
from e2e_project import deliver_j1  # noqa: E402

CLI = str(Path(sys.executable).with_name("stx-migrate"))
GOALS = {"procedure_s": 180.0, "peak_rss_mb": 4096.0, "fixed_cost_s": 3.0}


@dataclass
class Stage:
    name: str
    rows: int
    wall: float
    cpu: float
    peak_mb: float
    rc: int
    last_line: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.wall if self.wall else 0.0


def run_measured(name: str, argv: list[str], rows: int, env: dict, log: Path) -> Stage:
    """Run ``argv`` to its end; wall, CPU of the process and its children, peak RSS of the tree."""
    with open(log, "ab") as err:
        err.write(f"\n### {name}: {' '.join(argv[:4])}\n".encode())
        err.flush()
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=err)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            """The command's RSS every 50 ms plus its children's own pages (USS: a forked child
            shares the parent's pages, which RSS would count twice), those every 0.5 s."""
            children, count = 0, 0
            try:
                root = psutil.Process(proc.pid)
                while not done.is_set():
                    if count % 10 == 0:
                        children = 0
                        for p in root.children(recursive=True):
                            try:
                                children += p.memory_full_info().uss
                            except psutil.Error:
                                pass
                    count += 1
                    peak[0] = max(peak[0], root.memory_info().rss + children)
                    done.wait(0.05)
            except psutil.Error:
                pass

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = proc.stdout.read().decode(errors="replace")
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # (not the kernel's ru_maxrss: a child forked from this process starts its count at our own size)
    lines = out.strip().splitlines()
    return Stage(name, rows, wall, usage.ru_utime + usage.ru_stime, peak[0] / 2**20,
                 proc.returncode, lines[-1] if lines else "")


def procedure(project: Path, rows: int, env: dict, log: Path, on_stage=None, until: str | None = None) -> list[Stage]:
    """The commands of the go-live procedure, one process each; stops at the first failure (or after ``until``)."""
    p = ["--project", str(project)]
    steps = [("receive", ["receive"]), ("check", ["check"]), ("prepare", ["prepare"]),
             ("approve (ADI)", ["decide", "--step", "transformations", "--approve", "--by", "bench"]),
             ("import dev", ["import", "--env", "dev"]),
             ("sign off (VN)", ["decide", "--step", "gate", "--approve", "--by", "bench"]),
             ("import preprod", ["import", "--env", "preprod"]),
             ("decide", ["decide", "--approve", "--by", "bench", "--comment", "bench_e2e"]),
             ("refresh (J-1)", ["refresh"]), ("production", ["production"])]
    stages = []
    for name, args in steps:
        if name.startswith("refresh"):
            deliver_j1(project)
        stage = run_measured(name, [CLI, *args, *p], rows, env, log)
        stages.append(stage)
        if on_stage:
            on_stage(stage)
        if stage.rc != 0 or name == until:
            break
    return stages


def baselines(project: Path, work: Path, rows: int, env: dict, log: Path) -> dict[str, Stage]:
    ws = Path(env["STX_MIGRATE_HOME"]) / "demo-theatre"
    snapshot = sorted((ws / "snapshots").iterdir())[0]
    deliverable = sorted(d for d in (ws / "deliverables").iterdir() if (d / "contacts.csv").exists())[0]
    out = {}
    for name, candidates in baseline_commands(project / "data" / "legacy-j14.sqlite", snapshot,
                                              deliverable / "contacts.csv", work).items():
        runs = [run_measured(name, argv, rows, env, log) for argv in candidates]
        ok = [r for r in runs if r.rc == 0] or runs
        out[name] = min(ok, key=lambda r: r.wall)
    return out


RATIO_OF = {"receive": "source read (ADBC/ConnectorX)", "prepare": "pd.read_parquet(snapshot)",
            "import dev": "contacts load (ADBC ingest)", "import preprod": "contacts load (ADBC ingest)"}


def table(stages: list[Stage], base: dict[str, Stage]) -> str:
    head = f"{'stage':<34} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'rows/s':>11} {'rc':>3}  vs baseline"
    lines = [head, "-" * len(head)]
    for s in stages:
        b = base.get(RATIO_OF.get(s.name, ""))
        ratio = f"{b.wall / s.wall:5.2f}× speed of {b.name}" if b and s.wall else ""
        lines.append(f"{s.name:<34} {s.wall:8.2f} {s.cpu:8.2f} {s.peak_mb:8.0f} {s.rows_per_s:11,.0f} {s.rc:>3}  {ratio}")
    if base:
        lines.append("-" * len(head))
        for b in base.values():
            lines.append(f"{'baseline: ' + b.name:<34} {b.wall:8.2f} {b.cpu:8.2f} {b.peak_mb:8.0f} {b.rows_per_s:11,.0f} {b.rc:>3}")
    return "\n".join(lines)


def generate_in_child(root: Path, rows: int) -> None:
    """The project, made by a process of its own: this one stays small (its children start at its size)."""
    code = "import sys; from pathlib import Path; from e2e_project import make_project; make_project(Path(sys.argv[1]), int(sys.argv[2]))"
    subprocess.run([sys.executable, "-c", code, str(root), str(rows)], check=True, cwd=HERE,
                   env=dict(os.environ, PYTHONPATH=str(HERE)))


def environments_anew(project: Path, env: dict) -> None:
    """A reused project's SQLite environments set up again by the code under test: a store's layout (its
    page size) is fixed when the file is created, so stores made by an older generation would measure
    the older layout. They hold reference data only (a second or so, not counted)."""
    for path in (project / "envs").glob("*.sqlite*"):
        path.unlink()
    code = ("import sys; from pathlib import Path; from stx_migrate.deployments.demo import seed_demo_environments; "
            "seed_demo_environments(Path(sys.argv[1]))")
    subprocess.run([sys.executable, "-c", code, str(project)], check=True, env=env, stdout=subprocess.DEVNULL)


def user_env(work: Path) -> dict:
    env = dict(os.environ, STX_MIGRATE_HOME=str(work / "workspace"), PREFECT_HOME=str(work / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PYTHONUNBUFFERED="1")
    return env


def run_mode_of(env: dict) -> str:
    if env.get("STX_MIGRATE_RUNS"):
        return env["STX_MIGRATE_RUNS"]
    return "server at " + env["PREFECT_API_URL"] if env.get("PREFECT_API_URL") else "auto (plain unless a server is recorded)"


def byte_compile_package() -> None:
    """Compile stx-migrate's modules once, as ``pip install`` does for an installed package.

    An editable install has no byte code, and with PYTHONDONTWRITEBYTECODE (set on this
    machine) none is ever written: each command would compile ~160 modules again (~0.5 s
    of CPU), which the one-process plain run pays once. scripts/setup.sh compiles them too; this
    covers a checkout set up otherwise (a helper's worktree, a venv made by hand).
    """
    import compileall
    import importlib.util

    finder = importlib.util.find_spec("stx_migrate.cli")
    root = Path(finder.origin).resolve().parents[1]
    for folder in ("cli", "config", "connectors", "deployments", "flows", "migration", "tasks"):
        compileall.compile_dir(root / folder, quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=None, help="where to build the project (default: a temporary folder)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-fixed-cost", action="store_true")
    parser.add_argument("--no-plain-functions", action="store_true",
                        help="skip the same steps as plain functions in one process (on a second copy of the project)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="with --work: reuse the project generated there by an "
                                                            "earlier run of the same --rows (generation takes minutes at 5M)")
    parser.add_argument("--until", default=None, help="stop after this stage (e.g. prepare: the 5M memory check); "
                                                      "no baselines nor plain functions then")
    args = parser.parse_args()
    root = Path(args.work or tempfile.mkdtemp(prefix="stx-bench-e2e."))
    byte_compile_package()
    report: dict = {"rows": args.rows, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    print(f"bench_e2e: {args.rows:,} rows in {root}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
          flush=True)

    if not args.no_fixed_cost:
        small = root / "fixed-cost"
        shutil.rmtree(small, ignore_errors=True)
        env = user_env(small)
        generate_in_child(small, 10)
        stages = procedure(small / "project", 10, env, small / "commands.log")
        print("\nfixed cost: each command on a 10-row project (" + run_mode_of(env) + ")\n" + table(stages, {}), flush=True)
        report["fixed_cost"] = [asdict(s) for s in stages]
        worst = max((s.wall for s in stages), default=0.0)
        print(f"worst command {worst:.2f} s (goal ≤ {GOALS['fixed_cost_s']:.0f} s)", flush=True)

    big = root / "run"
    env = user_env(big)
    started = time.perf_counter()
    pristine = root / "pristine"   # generated once, copied for the commands and for the plain functions
    stamp = pristine / "rows"
    reused = args.reuse and stamp.exists() and stamp.read_text().strip() == str(args.rows)
    if not reused:
        shutil.rmtree(pristine, ignore_errors=True)
        generate_in_child(pristine, args.rows)
        stamp.write_text(f"{args.rows}\n")
    shutil.rmtree(big, ignore_errors=True)
    shutil.copytree(pristine / "project", big / "project")
    if reused:
        environments_anew(big / "project", env)
    print(f"\nproject {'reused from ' + str(pristine) if reused else 'generated'} in {time.perf_counter() - started:.0f} s "
          f"(not counted); mode: {run_mode_of(env)}",
          flush=True)
    stages = procedure(big / "project", args.rows, env, big / "commands.log", until=args.until,
                       on_stage=lambda s: print(f"  {s.name}: {s.wall:.1f} s, rc {s.rc}", flush=True))
    if args.until:
        args.no_baselines = args.no_plain_functions = True
    base = {} if args.no_baselines or any(s.rc for s in stages) else baselines(big / "project", big, args.rows, env,
                                                                                big / "commands.log")
    plain = None
    if not args.no_plain_functions and not any(s.rc for s in stages):
        other = root / "plain-functions"
        shutil.rmtree(other, ignore_errors=True)
        plain_env = user_env(other)
        shutil.copytree(pristine / "project", other / "project")
        if reused:
            environments_anew(other / "project", plain_env)
        plain = run_measured("same steps as plain functions", [sys.executable, str(HERE / "e2e_plain.py"),
                                                               str(other / "project")], args.rows, plain_env,
                             other / "commands.log")
    print("\n" + table(stages + ([plain] if plain else []), base))
    total = sum(s.wall for s in stages)
    if plain and plain.rc == 0:
        work = [s for s in stages if s.name != "check"]   # check only compiles the protocol: no plain twin
        wall, cpu = sum(s.wall for s in work), sum(s.cpu for s in work)
        print(f"commands (without check) over plain functions: wall {wall / plain.wall - 1:+.0%} "
              f"({wall:.1f} s vs {plain.wall:.1f} s), CPU {cpu / plain.cpu - 1:+.0%} ({cpu:.1f} s vs {plain.cpu:.1f} s); "
              "goal ≤ +10 %")
        report["plain_functions"] = asdict(plain)
    peak = max((s.peak_mb for s in stages), default=0.0)
    failed = [s for s in stages if s.rc != 0]
    print(f"\nprocedure: {total:.1f} s wall (goal ≤ {GOALS['procedure_s']:.0f} s at 1M), "
          f"peak RSS {peak:,.0f} MB (goal ≤ {GOALS['peak_rss_mb']:,.0f} MB); "
          f"load average after {os.getloadavg()[0]:.1f}")
    if failed:
        print(f"FAILED at {failed[0].name} (exit {failed[0].rc}); see {big / 'commands.log'}", file=sys.stderr)
    report.update(stages=[asdict(s) for s in stages], baselines={k: asdict(v) for k, v in base.items()},
                  procedure_s=total, peak_rss_mb=peak, load_after=os.getloadavg(), work=str(root))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
