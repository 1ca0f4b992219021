"""LibreOffice as an independent reader: xlsx files converted to CSV by one headless soffice call.

``soffice --headless --convert-to csv`` (Debian's libreoffice-calc-nogui) converts the first sheet
of each file; the filter options ask for comma, double quotes, UTF-8, cell values as stored.
A private profile folder keeps parallel runs (and other users of the machine) apart.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from pathlib import Path

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false,false,false"


def available() -> bool:
    return Path(SOFFICE).exists()


def convert_to_rows(paths: list[Path], timeout: float = 240) -> dict[Path, list[list[str]]]:
    """Each xlsx's first sheet as LibreOffice reads it: rows of cell texts (one soffice run for all)."""
    with tempfile.TemporaryDirectory(prefix="stx-lo.") as work:
        out, profile = Path(work) / "out", Path(work) / "profile"
        command = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", CSV_FILTER, "--outdir", str(out), *map(str, paths)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        rows = {}
        for path in paths:
            converted = out / f"{Path(path).stem}.csv"
            if not converted.exists():
                raise AssertionError(f"LibreOffice did not convert {path}: {done.stdout[-500:]} {done.stderr[-500:]}")
            with open(converted, encoding="utf-8", newline="") as handle:
                rows[path] = list(csv.reader(handle))
        return rows


def convert_every_sheet(path: Path, timeout: float = 240) -> dict[str, list[list[str]]]:
    """Every sheet of one xlsx as LibreOffice reads it (sheet name → rows of cell texts), in sheet order."""
    with tempfile.TemporaryDirectory(prefix="stx-lo.") as work:
        out, profile = Path(work) / "out", Path(work) / "profile"
        command = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                   "--convert-to", f"{CSV_FILTER},-1", "--outdir", str(out), str(path)]   # -1: each sheet to its file
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        prefix = "Writing sheet "
        names = [line[len(prefix):].split(" -> ")[0] for line in done.stdout.splitlines() if line.startswith(prefix)]
        if not names:
            raise AssertionError(f"LibreOffice did not convert {path}: {done.stdout[-500:]} {done.stderr[-500:]}")
        sheets = {}
        for name in names:
            with open(out / f"{Path(path).stem}-{name}.csv", encoding="utf-8", newline="") as handle:
                sheets[name] = list(csv.reader(handle))
        return sheets


def padded(rows: list[list[str]], width: int) -> list[list[str]]:
    """Rows cut or padded to ``width`` cells, trailing empty rows dropped (what both readers agree on)."""
    out = [(list(r) + [""] * width)[:width] for r in rows]
    while out and not any(out[-1]):
        out.pop()
    return out
