"""Prepare on N legacy source rows (default 1,000,000): protocol → rules → dedup → deliverable.

Builds the demo's legacy tables (config/demo_data.py, seeded) at that size and freezes
them as a real snapshot (Parquet). Then, in a **fresh process** (so that the peak RSS is
the prepare's own, not the generator's), it measures, each with rows/s and peak RSS:

1. the whole ``prepare_deliverable`` (the figure the ≤ 30 s / ≤ 4 GB goal is about), once
   with dedup by SecuTix's own matching only (issue 4's scope: contact number and the 10
   structure fields) and once with the demo project's full rule set (issue 7's e-mail,
   phone, name+postcode and fuzzy matching added), each in its own fresh process;
2. the baseline: plain pandas reading the same Parquet files (``pd.read_parquet``);
3. after the second run, each stage alone: loading the protocol's columns as text, the
   protocol, the rules, dedup, writing contacts.csv, writing contacts.xlsx (their peaks
   are upper bounds: the process has already run step 1).

    .venv/bin/python bench/bench_prepare.py [--rows 1000000] [--no-xlsx] [--whole-only] [--scope exact|project|both]

The demo's reserved contact-number range is widened to fit N rows. ``--exact-dedup`` is
``--scope exact``. ``--no-xlsx`` runs
step 1 without contacts.xlsx (the XLSX writer dominates; see its stage line). The load
average is printed: on a shared machine the figures are that much slower. Writes only
into a temporary folder it removes.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402

KEYS = {"clients": ["NUM_CLIENT"], "companies": ["ID"], "criteria": ["ID"], "orders": ["ID"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-xlsx", action="store_true", help="skip contacts.xlsx in the whole run")
    parser.add_argument("--whole-only", action="store_true", help="only the whole prepare and the baseline")
    parser.add_argument("--exact-dedup", action="store_true",
                        help="only the run with SecuTix's own matching (same as --scope exact)")
    parser.add_argument("--scope", choices=["exact", "project", "both"], default="both",
                        help="exact: dedup by SecuTix's own matching only (contact number, the 10 structure "
                             "fields: issue 4's scope); project: the demo project's full dedup (issue 7's "
                             "matching added); both (default): one whole run of each, stages after the second")
    parser.add_argument("--run-in", help=argparse.SUPPRESS)        # internal: the measuring child process
    args = parser.parse_args()
    if args.run_in:
        run(Path(args.run_in), args.rows, not args.no_xlsx, args.whole_only, args.exact_dedup)
        return
    scope = "exact" if args.exact_dedup else args.scope
    tmp = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    try:
        make_snapshot(tmp, args.rows)
        for exact in ([True] if scope == "exact" else [False] if scope == "project" else [True, False]):
            # each run starts without kept dedup decisions or identities (a later run would read the earlier one's)
            shutil.rmtree(tmp / "workspace" / "demo-theatre" / "procedure", ignore_errors=True)
            print(f"\n=== dedup: {'SecuTix matching only (issue 4 scope)' if exact else 'the project full rule set'}",
                  flush=True)
            child = [sys.executable, __file__, "--run-in", str(tmp), "--rows", str(args.rows)]
            whole_only = args.whole_only or (scope == "both" and exact)
            child += ["--no-xlsx"] * args.no_xlsx + ["--whole-only"] * whole_only + ["--exact-dedup"] * exact
            subprocess.run(child, check=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _project(tmp: Path, rows: int, exact_dedup: bool = False):
    from importlib import resources

    from stx_migrate.config.demo_data import DEMO_FILES
    from stx_migrate.migration.settings import load_project
    from stx_migrate.migration.settings.prepare import ContactNumberPolicy, NumberRange

    folder = tmp / "demo"
    if not folder.exists():
        folder.mkdir()
        for name in DEMO_FILES:
            (folder / name).write_bytes(resources.files("stx_migrate.config").joinpath("demo", name).read_bytes())
    project = load_project(folder)
    wide = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=100000, last=100000 + 2 * rows))
    update = {"contact_numbers": wide}
    if exact_dedup:
        update["dedup"] = project.config.dedup.model_copy(update={"rules": ["contact_nr", "structure"]})
    project.config = project.config.model_copy(update=update)
    return project


def make_snapshot(tmp: Path, rows: int) -> None:
    import pyarrow as pa

    from stx_migrate.config.demo_data import demo_tables
    from stx_migrate.migration.snapshot import DatasetSpec, write_snapshot
    from stx_migrate.migration.workspace import Workspace

    os.environ["STX_MIGRATE_HOME"] = str(tmp / "workspace")
    project = _project(tmp, rows)
    with measure("generate legacy tables (not the goal)", rows):
        tables = demo_tables(rows=rows)
    specs = [DatasetSpec(name, pa.Schema.from_pandas(frame, preserve_index=False),
                         [pa.Table.from_pandas(frame, preserve_index=False)], key=KEYS[name]) for name, frame in tables.items()]
    write_snapshot(Workspace(project.config.name), project.config.name, {"kind": "bench"}, specs)


MONITOR = """
import sys, time, psutil
parent, stop, me = psutil.Process(int(sys.argv[1])), sys.argv[2], psutil.Process()
import os
os.nice(10)  # the monitor must not take a core from the run it measures
peak_rss = peak_real = 0
while not os.path.exists(stop):
    try:
        rss = parent.memory_info().rss
        kids = [c for c in parent.children(recursive=True) if c.pid != me.pid]
        kid_rss = kid_own = 0
        for c in kids:
            try:
                kid_rss += c.memory_info().rss
                kid_own += c.memory_full_info().uss
            except psutil.Error:
                pass
        peak_rss, peak_real = max(peak_rss, rss + kid_rss), max(peak_real, rss + kid_own)
    except psutil.Error:
        break
    time.sleep(0.1)
print(f"{peak_rss / 2**20:.0f} {peak_real / 2**20:.0f}", flush=True)
"""


@contextlib.contextmanager
def memory_of_forks():
    """Peak memory sampled from another process (a sampling thread here misses peaks while the
    GIL is held): RSS of this process plus its forked children's RSS — which counts the pages
    they share with this process twice — and plus their own (USS) pages only, the real figure."""
    stop = Path(tempfile.mkdtemp(prefix="bench-monitor-")) / "stop"
    monitor = subprocess.Popen([sys.executable, "-c", MONITOR, str(os.getpid()), str(stop)], stdout=subprocess.PIPE, text=True)
    try:
        yield
    finally:
        stop.touch()
        summed, real = monitor.communicate(timeout=60)[0].split()
        print(f"{'':44} peak memory sampled from outside: {int(real):,} MB (this process + children's own pages); "
              f"{int(summed):,} MB summing the children's RSS (shared pages counted twice)", flush=True)
        shutil.rmtree(stop.parent, ignore_errors=True)


@contextlib.contextmanager
def stage(label: str, rows: int):
    """``measure`` plus this process's CPU seconds and the load average (shared machine)."""
    cpu = time.process_time()
    with measure(label, rows):
        yield
    print(f"{'':44} CPU {time.process_time() - cpu:8.2f} s, load {os.getloadavg()[0]:.1f}", flush=True)


def run(tmp: Path, rows: int, with_xlsx: bool, whole_only: bool, exact_dedup: bool) -> None:
    import pandas as pd

    from stx_migrate.migration import prepare as prep
    from stx_migrate.migration.protocol import apply_protocol, compile_protocol
    from stx_migrate.migration.protocol.tables import load_tables
    from stx_migrate.migration.reference import load_reference
    from stx_migrate.migration.secutix_file import write_secutix_file
    from stx_migrate.migration.snapshot import open_snapshot
    from stx_migrate.migration.workspace import Workspace

    os.environ["STX_MIGRATE_HOME"] = str(tmp / "workspace")
    # the pipeline's own stage lines (wall and CPU per stage, counts only) inside the whole run
    logging.basicConfig(format="    %(message)s", stream=sys.stdout)
    logging.getLogger("stx_migrate.prepare").setLevel(logging.INFO)
    project = _project(tmp, rows, exact_dedup)
    config = project.config
    reference = load_reference(project.folder / "reference.yaml")
    snapshot = open_snapshot(Workspace(config.name))
    print(f"\nsource: {rows:,} client rows (+ companies, criteria), snapshot {snapshot.id}; "
          f"dedup rules {', '.join(config.dedup.rules)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n",
          flush=True)

    if not with_xlsx:
        original = prep.write_secutix_file

        def csv_only(frame, path, **kw):
            return original(frame, path, **kw) if str(path).endswith(".csv") else Path(path).write_bytes(b"")

        prep.write_secutix_file = csv_only
    cpu, children = time.process_time(), os.times()
    with memory_of_forks(), measure("whole prepare_deliverable" + ("" if with_xlsx else " (no xlsx)"), rows):
        folder = prep.prepare_deliverable(project, snapshot.path, reference, [])
    # CPU seconds are far less sensitive than wall time to the other processes of a shared machine
    after = os.times()
    forked = after.children_user + after.children_system - children.children_user - children.children_system
    print(f"{'':44} CPU time {time.process_time() - cpu:8.2f} s (all threads of this process) + {forked:.2f} s "
          f"in forked children, load {os.getloadavg()[0]:.1f}", flush=True)
    print((folder / "summary.json").read_text(), flush=True)
    with measure("baseline: pd.read_parquet of the snapshot", rows):
        frames = [pd.read_parquet(snapshot.parquet_path(n)) for n in snapshot.datasets]
    del frames
    if whole_only:
        return

    ctx = prep.project_context(config)
    compiled = compile_protocol(project.path(config.protocol or "protocol.yaml"), snapshot.manifest, ctx)
    with stage("stage: load protocol columns as text", rows):
        loaded = load_tables(snapshot, compiled)
    with stage("stage: apply protocol", rows):
        result = apply_protocol(compiled, loaded, ctx)
    contacts = result.contacts
    contacts["CONTACT_NR"] = result.source_numbers.to_numpy()
    with stage("stage: rule engine (check_contacts)", len(contacts)):
        checked, findings = prep._check_rules(contacts, reference, config, None, None)
    valid = checked[~checked.index.isin(findings.loc[findings.severity == "error", "source_ref"])]
    with stage("stage: dedup (find_duplicates)", len(valid)):
        dedup, _ = prep._find_duplicates(valid, config, None, None)
    survivors = dedup.survivors
    with stage("stage: write contacts.csv", len(survivors)):
        write_secutix_file(survivors, tmp / "contacts.csv", settings=config.output)
    if with_xlsx:
        with stage("stage: write contacts.xlsx", len(survivors)):
            write_secutix_file(survivors, tmp / "contacts.xlsx", settings=config.output)


if __name__ == "__main__":
    main()
