"""Receive benchmarks (issue 3, point 7): prints rows/s and peak RSS, side by side with the baselines.

1. PostgreSQL, 1,000,000 rows × 20 columns (a throwaway server on loopback):
   - baseline ``plain COPY → Arrow``: ``COPY (SELECT * FROM t) TO STDOUT (FORMAT csv)`` into
     memory, parsed by ``pyarrow.csv.read_csv`` (notes/performance.md §2, the fastest way);
   - baseline ``ConnectorX → Arrow`` when connectorx is installed (the ``bench`` extra);
   - ``receive → snapshot``: stx-migrate's receive (typed COPY stream → Parquet chunk by
     chunk, manifest, hash) in key order (the default), in source order (``ordered: false``),
     and with the profile.
   Goal: snapshot ≥ 0.8 × the fastest baseline.
2. CSV, 1,000,000 rows, Windows-1252, ``;``: ``receive → snapshot`` (encoding and delimiter
   detected). Goal: ≤ 10 s.

    .venv/bin/python bench/bench_receive.py [--rows 1000000] [--skip-pg] [--skip-csv]
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from measure import measure as _measure  # noqa: E402

import contextlib  # noqa: E402
import resource  # noqa: E402


@contextlib.contextmanager
def measure(label: str, rows: int):
    """bench/measure.py's measure, plus this process's CPU seconds (all threads): on a shared,
    busy machine wall time swings with the load, CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    with _measure(label, rows) as m:
        yield m
    after = resource.getrusage(resource.RUSAGE_SELF)
    m.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{'':<44} client CPU {m.cpu_seconds:6.2f} s; load average {os.getloadavg()[0]:.1f}", flush=True)

FIRST = ["Zoë", "Émile", "Jürgen", "François", "Hélène", "Chloé", "Léa", "Noël", "Marie", "Jean", "Œdipe", "Ana"]
LAST = ["Müller", "Dupont", "Lefèvre", "Gauß", "García", "Rossi", "Dubois", "O'Neil", "Núñez", "Blanc"]
TOWNS = ["Genève", "Lausanne", "Paris", "Besançon", "Zürich", "Bruxelles", "Liège", "Neuchâtel"]


def make_table(rows: int, seed: int = 7) -> pa.Table:
    """20 columns of contact-like data (all text but id), vectorised; made up, nobody real."""
    rng = np.random.default_rng(seed)
    pick = lambda pool: pa.array(np.array(pool, dtype=object)[rng.integers(0, len(pool), rows)])  # noqa: E731
    ids = np.arange(1, rows + 1)
    digits = lambda n: pa.array(rng.integers(10 ** (n - 1), 10 ** n, rows).astype(str))  # noqa: E731
    first, last = pick(FIRST), pick(LAST)
    import pyarrow.compute as pc

    email = pc.binary_join_element_wise(pc.utf8_lower(first), pc.utf8_lower(last), pa.array(ids.astype(str)), "")
    email = pc.binary_join_element_wise(email, pa.scalar("example.org"), "@")
    born = pa.array([f"{d:02d}.{m:02d}.{y}" for d, m, y in zip(rng.integers(1, 29, rows), rng.integers(1, 13, rows),
                                                                  rng.integers(1930, 2008, rows))])
    columns = {
        "id": pa.array(ids), "title": pick(["M.", "Mme", "Dr", ""]), "first_name": first, "last_name": last,
        "birth_date": born, "email": email, "phone": pc.binary_join_element_wise(pa.scalar("+41 22 "), digits(7), ""),
        "mobile": pc.binary_join_element_wise(pa.scalar("+33 6 "), digits(8), ""),
        "address1": pc.binary_join_element_wise(digits(2), pick(["rue du Lac", "quai du Mont-Blanc", "avenue de la Gare"]), " "),
        "address2": pick(["", "Bâtiment B", "c/o Müller"]), "address3": pick(["", "", "BP 12"]),
        "zip": digits(4), "town": pick(TOWNS), "country": pick(["CH", "FR", "BE", "Suisse"]), "language": pick(["fr", "de", "en"]),
        "crit1": pick(["ABO=1", "", "JEUNE=1"]), "crit2": pick(["", "NEWS=1"]), "crit3": pick(["", "", "VIP=1"]),
        "created": pick(["2019-01-02", "2021-06-30", "2024-11-25"]), "last_purchase": pick(["2025-05-05", "", "2023-01-01"]),
    }
    return pa.table(columns)


def bench_postgres(rows: int) -> None:
    import psycopg

    from servers import start_postgres
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    server, stop = start_postgres()
    try:
        table = make_table(rows)
        with psycopg.connect(**server.connect_kwargs(), autocommit=True) as c:
            c.execute("CREATE TABLE contacts (id bigint PRIMARY KEY, " + ", ".join(f"{n} text" for n in table.column_names[1:]) + ")")
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
            with c.cursor().copy("COPY contacts FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
            c.execute("VACUUM ANALYZE contacts")
        del buffer, table
        print(f"PostgreSQL: {rows:,} rows × 20 columns loaded; each measurement reads them all")

        results = {}
        with measure("baseline: plain COPY → Arrow (read_csv)", rows) as m:
            out = io.BytesIO()
            with psycopg.connect(**server.connect_kwargs()) as c, c.cursor().copy("COPY (SELECT * FROM contacts) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    out.write(block)
            arrow = pacsv.read_csv(io.BytesIO(out.getvalue()), read_options=pacsv.ReadOptions(autogenerate_column_names=True))
            assert arrow.num_rows == rows
        results["copy"] = m
        del out, arrow
        try:
            import connectorx as cx

            with measure("baseline: ConnectorX → Arrow", rows) as m:
                url = f"postgresql://{server.user}:{server.password}@{server.host}:{server.port}/{server.dbname}"
                arrow = cx.read_sql(url, "SELECT * FROM contacts", return_type="arrow")
                assert arrow.num_rows == rows
            results["cx"] = m
            del arrow
        except ImportError:
            print("connectorx not installed (pip install '.[bench]'): ConnectorX baseline skipped")

        home = Path(tempfile.mkdtemp(prefix="stx-bench-ws."))
        runs = [("snap", "receive → snapshot (key order, default)", True, False),
                ("snap-source-order", "receive → snapshot (ordered: false)", False, False),
                ("snap+profile", "receive → snapshot + profile (key order)", True, True)]
        for key, label, ordered, profile in runs:
            config = ProjectConfig.model_validate({
                "name": "bench", "institution": "I", "organization": "O", "j_date": "2027-03-01",
                "source": {"kind": "postgresql", "url": server.url(),
                           "datasets": {"contacts": {"table": "contacts", "ordered": ordered}}}})
            with measure(label, rows) as m:
                result = receive_snapshot(Project(home, config), Workspace("bench", home=home), profile=profile)
                assert result.snapshot.manifest.datasets["contacts"].rows == rows
            results[key] = m
        fastest = min((results[k] for k in ("copy", "cx") if k in results), key=lambda r: r.seconds)
        for key in ("snap", "snap-source-order", "snap+profile"):
            ratio = fastest.seconds / results[key].seconds
            cpu = fastest.cpu_seconds / results[key].cpu_seconds
            print(f"  {results[key].label}: {ratio:.2f}× the speed of '{fastest.label}' (goal ≥ 0.80×);"
                  f" client CPU ratio {cpu:.2f}×")
    finally:
        stop()


def bench_csv(rows: int) -> None:
    from stx_migrate.connectors.sources.receive import receive_snapshot
    from stx_migrate.migration.settings.project import Project, ProjectConfig
    from stx_migrate.migration.workspace import Workspace

    folder = Path(tempfile.mkdtemp(prefix="stx-bench-csv."))
    table = make_table(rows)
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(delimiter=";"))
    (folder / "clients.csv").write_bytes(buffer.getvalue().decode("utf-8").replace("\n", "\r\n").encode("cp1252"))
    size = (folder / "clients.csv").stat().st_size
    del buffer, table
    print(f"CSV: {rows:,} rows × 20 columns, Windows-1252, ';', CRLF, {size / 2**20:.0f} MB")
    config = ProjectConfig.model_validate({
        "name": "bench", "institution": "I", "organization": "O", "j_date": "2027-03-01",
        "source": {"kind": "csv", "datasets": {"clients": {"file": "clients.csv"}}}})
    project = Project(folder, config)
    for profile in (False, True):
        label = "CSV cp1252 receive → snapshot" + (" + profile" if profile else "")
        with measure(label, rows) as m:
            result = receive_snapshot(project, Workspace("bench", home=folder / "ws"), profile=profile)
            manifest = result.snapshot.manifest.datasets["clients"]
            assert manifest.rows == rows and manifest.encoding == "cp1252" and manifest.delimiter == ";"
        print(f"  {m.label}: {m.seconds:.2f} s (goal ≤ 10 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-csv", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    if not args.skip_pg:
        bench_postgres(args.rows)
    if not args.skip_csv:
        bench_csv(args.rows)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
