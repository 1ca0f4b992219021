"""Writing and reading SecuTix files: rows/s and peak RSS per step (each in a fresh process).

    .venv/bin/python bench/bench_secutix_file.py [ROWS ...] [--baseline] [--xlsx-only]   (default: 100000 1000000)

Steps: ``write_secutix_file`` to .xlsx (xlsx_writer: sheet XML built with numpy, deflated
in parallel chunks) and to .csv (UTF-8 with BOM), ``read_secutix_file`` of both.
``--xlsx-only`` runs the two XLSX steps only. ``--baseline`` also writes the same .xlsx
with XlsxWriter (constant_memory, ``write_string`` per non-empty cell), the
exact-but-slow alternative (performance.md §5: 174 s per million).

Each step prints wall time, rows/s and RSS before → peak (measure.py), then the CPU
seconds of the step alone (all threads) and the load average before and after it: the
machine is shared, so wall time alone can mislead.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(tempfile.gettempdir()) / "stx-migrate-bench"


def write_with_xlsxwriter(frame, path: Path) -> None:
    """The baseline: XlsxWriter in constant-memory mode, every value a string, rows 1-4 first."""
    import xlsxwriter

    from stx_migrate.migration.secutix_file import template_header_rows

    codes = list(frame.columns)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet("Contacts")
    for r, row in enumerate([*template_header_rows(codes), codes]):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
    columns = [frame[c].tolist() for c in codes]
    for r, values in enumerate(zip(*columns), start=4):
        for c, value in enumerate(values):
            if value:
                sheet.write_string(r, c, value)
    book.close()


def child(step: str, rows: int) -> None:
    sys.path.insert(0, str(HERE))
    from measure import measure
    from synthetic import make_contacts

    from stx_migrate.migration.secutix_file import read_secutix_file, source_refs, write_secutix_file

    import os
    import time

    DATA.mkdir(parents=True, exist_ok=True)
    target = DATA / f"written-{rows}.{step.split('_')[-1]}"
    if step.startswith("write"):
        frame = make_contacts(rows)
        frame.index = source_refs(target.name, rows)
        load, cpu = os.getloadavg()[0], time.process_time()
        with measure(f"{step}", rows):
            if step == "write_baseline_xlsx":
                write_with_xlsxwriter(frame, target.with_name(f"baseline-{rows}.xlsx"))
            else:
                write_secutix_file(frame, target)
        cpu = time.process_time() - cpu
        print(f"  file {target.stat().st_size / 2**20:,.1f} MB" if target.exists() else "", flush=True)
    else:
        load, cpu = os.getloadavg()[0], time.process_time()
        with measure(f"{step}", rows):
            read = read_secutix_file(target)
        cpu = time.process_time() - cpu
        assert read.rows == rows
    # the machine is shared: CPU seconds of the step (all threads) and the load put wall time in context
    print(f"  CPU {cpu:.2f} s in the step; load average {load:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"{len(os.sched_getaffinity(0))} CPUs", flush=True)


def main() -> None:
    if "--child" in sys.argv:
        child(sys.argv[2], int(sys.argv[3]))
        return
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [100_000, 1_000_000]
    for rows in sizes:
        steps = ["write_xlsx", "read_xlsx"] if "--xlsx-only" in sys.argv else \
            ["write_csv", "read_csv", "write_xlsx", "read_xlsx"]
        if "--baseline" in sys.argv and rows <= 100_000:
            steps.append("write_baseline_xlsx")
        for step in steps:
            subprocess.run([sys.executable, __file__, "--child", step, str(rows)], check=True)


if __name__ == "__main__":
    main()
