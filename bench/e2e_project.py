"""The project bench_e2e.py runs on: the demo project generated at N rows, and its J-1 extraction.

The J-1 extraction is the same legacy database a few weeks later, as a customer delivers
it again: 2 % of the clients changed (address, phone, e-mail) and 1 % are new (people
the generator makes with another seed, numbered after the last client).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

CHANGED_SHARE = 0.02
NEW_SHARE = 0.01


def make_project(root: Path, rows: int) -> Path:
    """The demo project under ``root/project`` with ``rows`` clients, its SQLite environments seeded,
    and the J-1 extraction beside the first one (``data/legacy-j1.sqlite``)."""
    from stx_migrate.config.demo_data import materialise_demo_project
    from stx_migrate.deployments.demo import seed_demo_environments

    os.environ["STX_MIGRATE_HOME"] = str(root / "workspace")
    project = materialise_demo_project(root / "project", rows=rows)
    seed_demo_environments(project)
    make_j1_extraction(project / "data" / "legacy.sqlite", project / "data" / "legacy-j1.sqlite", rows)
    return project


def make_j1_extraction(first: Path, target: Path, rows: int) -> dict[str, int]:
    """Copy ``first`` to ``target``: 2 % of the clients changed, 1 % new. Returns the counts."""
    from stx_migrate.config.demo_data import demo_tables

    shutil.copyfile(first, target)
    every = max(1, round(1 / CHANGED_SHARE))
    new_rows = max(1, int(rows * NEW_SHARE))
    fresh = demo_tables(seed=4242, rows=new_rows)["clients"]
    with sqlite3.connect(target) as con:
        last = con.execute("SELECT MAX(NUM_CLIENT) FROM CLIENT").fetchone()[0]
        changed = con.execute(
            "UPDATE CLIENT SET ADRESSE = ADRESSE || ' bis', TEL = '', EMAIL = lower(EMAIL) "
            f"WHERE NUM_CLIENT % {every} = 7").rowcount
        fresh = fresh.assign(NUM_CLIENT=[str(last + 1 + i) for i in range(len(fresh))])
        fresh["SOCIETE_ID"] = fresh["SOCIETE_ID"].where(fresh["SOCIETE_ID"] != "", None)
        con.executemany(f"INSERT INTO CLIENT VALUES ({','.join('?' * fresh.shape[1])})",
                        fresh.itertuples(index=False, name=None))
    return {"changed": changed, "new": len(fresh)}


def deliver_j1(project: Path) -> None:
    """The customer's new extraction replaces the old one where the project reads it."""
    data = project / "data"
    os.replace(data / "legacy.sqlite", data / "legacy-j14.sqlite")
    shutil.copyfile(data / "legacy-j1.sqlite", data / "legacy.sqlite")
