"""``validate`` on generated SecuTix CSV files: rows/s and peak RSS (issue 2: 1M rows ≤ 20 s, ≤ 3 GB).

    .venv/bin/python bench/bench_validate.py [ROWS ...]     (default: 100000 1000000)

The file is generated once per size by ``bench/synthetic.py`` in a child process (so the
generator's memory does not count) and kept under the system temp folder. Each size is
then validated in a fresh child process, measured with ``bench/measure.py``: the time and
peak RSS of ``validate_file`` alone (read CSV + every rule + rejects.csv + summary.json),
and of its two halves for the largest size.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(tempfile.gettempdir()) / "stx-migrate-bench"


def data_file(rows: int) -> Path:
    path = DATA / f"contacts-{rows}.csv"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(rows), str(path)], check=True,
                       stdout=subprocess.DEVNULL)
    return path


def measure_one(rows: int, path: Path) -> None:
    """Runs in the child: the validate step alone, then read and rules separately."""
    sys.path.insert(0, str(HERE))
    from measure import measure

    from stx_migrate.migration.rules import check_contacts
    from stx_migrate.migration.secutix_file import read_secutix_file
    from stx_migrate.migration.validate import validate_file

    out = Path(tempfile.mkdtemp(prefix="stx-bench-validate-"))
    cpu = time.process_time()
    with measure(f"validate_file csv {path.stat().st_size / 2**20:,.0f} MB", rows):
        summary = validate_file(path, out, institution_country="FR")
    # the machine is shared: CPU seconds (all threads) say what the step costs when wall time is inflated
    print(f"  CPU {time.process_time() - cpu:.2f} s; load average {os.getloadavg()[0]:.1f}; "
          f"rows_in={summary.rows_in:,} valid={summary.valid:,} rejected={summary.rejected:,} "
          f"warnings={summary.warnings:,}", flush=True)
    if rows >= 1_000_000:
        with measure("  of which read_secutix_file (csv)", rows):
            frame = read_secutix_file(path).frame
        with measure("  of which check_contacts", rows):
            check_contacts(frame, institution_country="FR")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000, 1_000_000]
    if "--child" in sys.argv:
        measure_one(sizes[0], data_file(sizes[0]))
        return
    for rows in sizes:
        path = data_file(rows)
        subprocess.run([sys.executable, __file__, "--child", str(rows)], check=True)


if __name__ == "__main__":
    main()
