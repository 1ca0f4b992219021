"""Prepare on N legacy source rows (default 1,000,000): protocol → rules → dedup → deliverable.

Builds the demo's legacy tables (config/demo_data.py, seeded) at that size, freezes them
as a real snapshot (Parquet), then measures, each with rows/s and peak RSS:

- the baseline: plain pandas reading the same Parquet files (``pd.read_parquet``);
- each stage: loading the protocol's columns as text, the protocol, the rules, dedup,
  writing contacts.csv, writing contacts.xlsx;
- the whole ``prepare_deliverable`` in one go (the figure the ≤ 30 s / ≤ 4 GB goal is about).

    .venv/bin/python bench/bench_prepare.py [--rows 1000000] [--no-xlsx]

``--no-xlsx`` measures the whole run without the XLSX file (it dominates: see the
stage line). Prints figures; writes only into a temporary folder it removes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-xlsx", action="store_true", help="skip contacts.xlsx in the whole run")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-prepare-"))
    os.environ["STX_MIGRATE_HOME"] = str(tmp / "workspace")
    try:
        run(tmp, args.rows, not args.no_xlsx)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, rows: int, with_xlsx: bool) -> None:
    import pandas as pd
    import pyarrow as pa

    from stx_migrate.config.demo_data import DEMO_FILES, demo_tables
    from stx_migrate.migration import prepare as prep
    from stx_migrate.migration.protocol import apply_protocol, compile_protocol
    from stx_migrate.migration.protocol.tables import load_tables
    from stx_migrate.migration.reference import load_reference
    from stx_migrate.migration.secutix_file import write_secutix_file
    from stx_migrate.migration.settings import load_project
    from stx_migrate.migration.snapshot import DatasetSpec, write_snapshot
    from stx_migrate.migration.workspace import Workspace

    from importlib import resources

    project_dir = tmp / "demo"
    project_dir.mkdir()
    for name in DEMO_FILES:
        (project_dir / name).write_bytes(resources.files("stx_migrate.config").joinpath("demo", name).read_bytes())
    project = load_project(project_dir)
    config = project.config
    reference = load_reference(project_dir / "reference.yaml")

    with measure("generate legacy tables (not timed goal)", rows):
        tables = demo_tables(rows=rows)
    keys = {"clients": ["NUM_CLIENT"], "companies": ["ID"], "criteria": ["ID"]}
    specs = [DatasetSpec(name, pa.Schema.from_pandas(frame, preserve_index=False),
                         [pa.Table.from_pandas(frame, preserve_index=False)], key=keys[name]) for name, frame in tables.items()]
    snapshot = write_snapshot(Workspace(config.name), config.name, {"kind": "bench"}, specs)
    del tables, specs

    print(f"\nsource rows: {rows:,} clients (+ companies, criteria); snapshot {snapshot.id}\n")
    with measure("baseline: pd.read_parquet of the snapshot", rows):
        frames = [pd.read_parquet(snapshot.parquet_path(n)) for n in snapshot.datasets]
    del frames

    ctx = prep.project_context(config)
    compiled = compile_protocol(project.path(config.protocol), snapshot.manifest, ctx)
    with measure("stage: load protocol columns as text", rows):
        loaded = load_tables(snapshot, compiled)
    with measure("stage: apply protocol", rows):
        result = apply_protocol(compiled, loaded, ctx)
    contacts = result.contacts
    contacts["CONTACT_NR"] = result.source_numbers.to_numpy()
    with measure("stage: rule engine (check_contacts)", len(contacts)):
        checked, findings = prep._check_rules(contacts, reference, config, None)
    valid = checked[~checked.index.isin(findings.loc[findings.severity == "error", "source_ref"])]
    with measure("stage: dedup (find_duplicates)", len(valid)):
        survivors, duplicates, _ = prep._find_duplicates(valid, config)
    with measure("stage: write contacts.csv", len(survivors)):
        write_secutix_file(survivors, tmp / "contacts.csv", settings=config.output)
    with measure("stage: write contacts.xlsx", len(survivors)):
        write_secutix_file(survivors, tmp / "contacts.xlsx", settings=config.output)
    del loaded, result, contacts, checked, findings, valid, survivors, duplicates

    if not with_xlsx:
        original = prep.write_secutix_file

        def csv_only(frame, path, **kw):
            return original(frame, path, **kw) if str(path).endswith(".csv") else Path(path).write_bytes(b"")

        prep.write_secutix_file = csv_only
    label = "whole prepare_deliverable" + ("" if with_xlsx else " (no xlsx)")
    with measure(label, rows):
        folder = prep.prepare_deliverable(project, snapshot.path, reference, [])
    summary = (folder / "summary.json").read_text()
    print("\n" + summary)


if __name__ == "__main__":
    main()
