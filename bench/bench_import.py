"""Import speed: new contacts into the contact store, PostgreSQL side by side with a plain COPY, and SQLite.

    .venv/bin/python bench/bench_import.py [--rows 1000000] [--batch-rows 100000] [--only sqlite|postgresql] [--serial]

PostgreSQL: a throwaway server (tests/servers.py). The import runs into a fresh database;
then the rows it wrote (every store table) are dumped, and the same rows are COPYed into
the same, empty tables of a second fresh database: the "plain COPY" baseline. The goal
(issue 5) is import speed ≥ 0.7 × COPY speed. SQLite: a fresh file; the goal is ≥ 50,000
contacts/s. Input: bench/synthetic.py (no faults), the reference data it uses seeded first.
``--serial``: no planning ahead (to see what the second thread brings). Each figure is printed
with the load average (the machine is shared) and the process's CPU time.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from measure import measure  # noqa: E402
from synthetic import make_contacts  # noqa: E402

from stx_migrate.migration.reference import Criterion, ReferenceData  # noqa: E402
from stx_migrate.migration.store import import_contacts, open_store, seed_reference_data  # noqa: E402

REFERENCE = ReferenceData(
    structure_types=frozenset({"COMPANY", "SCHOOL", "ASSOCIATION"}), community_types=frozenset(),
    admin_number_codes=frozenset({"SIRET"}),
    criteria={"PREFCOL": Criterion(contact_type="individual", elements=frozenset({"Red", "Green", "Blue"})),
              "SEGMENT": Criterion(contact_type="both", elements=frozenset({"ABO", "OCCASIONNEL"}))})
TABLES = ["contact", "address", "admin_number", "criterion_assignment",
          "import_row"]


def fresh_store(url: str):
    store = open_store(url, name="bench")
    seed_reference_data(store, REFERENCE, institutions=["DEMO"])
    return store


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_import(store, contacts, batch_rows: int, label: str, plan_ahead: bool = True):
    cpu = time.process_time()
    with measure(label, len(contacts)) as m:
        result = import_contacts(store, contacts, run_id="bench", deliverable_id="bench", batch_rows=batch_rows,
                                 plan_ahead=plan_ahead)
    counts = result.counts()
    assert sum(counts.values()) == len(contacts), counts
    print(f"  counts {counts} reasons {result.reasons()}")
    print(f"  client CPU {time.process_time() - cpu:.1f} s (both threads), {load()}")
    return m


def bench_postgresql(contacts, batch_rows: int, plan_ahead: bool = True) -> None:
    from servers import start_postgres

    server, stop = start_postgres()
    try:
        imported = fresh_store(server.url(dbname=server.create_database("bench_import")))
        m_import = run_import(imported, contacts, batch_rows, "postgresql import (store, batches)", plan_ahead)
        rows = {t: imported.count(t) for t in TABLES}
        print("rows written:", ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        dumps = {}
        with imported.engine.connect() as c:
            raw = c.connection.driver_connection
            with raw.cursor() as cur:
                for t in TABLES:
                    buf = bytearray()
                    with cur.copy(f"COPY {t} TO STDOUT (FORMAT csv)") as cp:
                        for chunk in cp:
                            buf += chunk
                    dumps[t] = bytes(buf)
        target = fresh_store(server.url(dbname=server.create_database("bench_copy")))
        with target.engine.begin() as c:
            raw = c.connection.driver_connection
            with measure("postgresql plain COPY of the same rows", len(contacts)) as m_copy:
                with raw.cursor() as cur:
                    for t in TABLES:
                        with cur.copy(f"COPY {t} FROM STDIN (FORMAT csv)") as cp:
                            view = memoryview(dumps[t])
                            for start in range(0, len(view), 1 << 20):
                                cp.write(view[start:start + (1 << 20)])
        print(f"  {load()}")
        ratio = m_import.rows_per_second / m_copy.rows_per_second
        print(f"postgresql: import {m_import.rows_per_second:,.0f} contacts/s vs plain COPY {m_copy.rows_per_second:,.0f} "
              f"contacts/s: ratio {ratio:.2f} (goal >= 0.70)")
        imported.dispose()
        target.dispose()
    finally:
        stop()


def bench_sqlite(contacts, batch_rows: int, plan_ahead: bool = True) -> None:
    with tempfile.TemporaryDirectory(prefix="stx-bench-") as tmp:
        store = fresh_store(f"sqlite:///{tmp}/env.sqlite")
        m = run_import(store, contacts, batch_rows, "sqlite import (store, batches)", plan_ahead)
        print(f"sqlite: {m.rows_per_second:,.0f} contacts/s (goal >= 50,000); file "
              f"{Path(tmp, 'env.sqlite').stat().st_size / 2**20:,.0f} MB")
        store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--serial", action="store_true", help="plan each batch inside its transaction (no second thread)")
    args = parser.parse_args()
    t = time.perf_counter()
    contacts = make_contacts(args.rows, seed=5, bad_rate=0)
    print(f"input: {len(contacts):,} synthetic contacts built in {time.perf_counter() - t:.1f} s")
    if args.only in (None, "postgresql"):
        bench_postgresql(contacts, args.batch_rows, not args.serial)
    if args.only in (None, "sqlite"):
        bench_sqlite(contacts, args.batch_rows, not args.serial)


if __name__ == "__main__":
    main()
