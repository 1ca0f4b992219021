"""The integrity check's cost at 1M rows: sha256 of a deliverable's contacts.csv and of a snapshot's
Parquet file, beside the read that the step does anyway (issue 13 point 4: "the check is cheap").

    .venv/bin/python bench/bench_integrity.py [ROWS]     (default: 1000000)

Prints wall and CPU seconds of each; the ratio check/read is what to look at on a shared machine.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def timed(label: str, fn) -> float:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<48} {wall:7.2f} s wall {cpu:7.2f} s CPU")
    return cpu


def main(rows: int) -> None:
    import pyarrow.parquet as pq

    from bench_validate import data_file
    from stx_migrate.migration.secutix_file import read_secutix_file
    from stx_migrate.migration.snapshot import file_sha256

    csv_path = data_file(rows)
    print(f"{rows:,} rows; contacts.csv {csv_path.stat().st_size / 1e6:.0f} MB")
    read_secutix_file(csv_path)   # warm the page cache: both measurements read from memory
    check = timed("sha256 of contacts.csv (the import's check)", lambda: file_sha256(csv_path))
    read = timed("read_secutix_file(contacts.csv) (the import's read)", lambda: read_secutix_file(csv_path))
    print(f"check / read = {check / read:.3f} (CPU)")
    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "clients.parquet"
        pq.write_table(read_secutix_file(csv_path).frame.reset_index(drop=True).pipe(
            __import__("pyarrow").Table.from_pandas, preserve_index=False), parquet)
        print(f"snapshot Parquet {parquet.stat().st_size / 1e6:.0f} MB")
        pq.read_table(parquet)
        check = timed("sha256 of the Parquet file (prepare's check)", lambda: file_sha256(parquet))
        read = timed("pq.read_table (prepare's read)", lambda: pq.read_table(parquet).to_pandas())
        print(f"check / read = {check / read:.3f} (CPU)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
