"""Run every throughput benchmark of bench/, one after the other, each in its own process.

Each script prints its own figures (rows/s, peak RSS) side by side with the baseline its
issue names. Run on an otherwise idle machine: the figures are wall-clock on 2 cores.
``python bench/run_all.py [NAME ...]`` runs only the named ones (e.g. ``validate dedup``).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["validate", "secutix_file", "receive", "prepare", "dedup", "import", "procedure", "e2e"]


def main(names: list[str]) -> int:
    chosen = names or BENCHES
    unknown = sorted(set(chosen) - set(BENCHES))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)} (known: {', '.join(BENCHES)})", file=sys.stderr)
        return 2
    failed = []
    for name in chosen:
        print(f"\n=== bench_{name}.py", flush=True)
        start = time.perf_counter()
        if subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")]).returncode != 0:
            failed.append(name)
        print(f"=== bench_{name}.py done in {time.perf_counter() - start:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
