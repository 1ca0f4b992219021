#!/usr/bin/env python
"""Run the demo against a local Prefect server and screenshot a flow run page in headless Chromium.

    .venv/bin/python scripts/screenshot_run.py [--out docs/ui-flow-run.png] [--step refresh-j-1]

Takes the run page of one step of the procedure (default: the J-1 refresh, whose timeline
shows its subflows and artifacts) and, beside it, the page of its latest markdown artifact.
The server must know its own UI API URL (deployments/local_server.py sets it);
dbus errors from Chromium on stderr are harmless.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshot: Chromium is not installed (scripts/setup.sh --test installs it)")


def screenshot(url: str, out: Path, size: str = "1400,1000") -> None:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--hide-scrollbars", f"--screenshot={out}", f"--window-size={size}", "--virtual-time-budget=15000", url]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if not out.exists() or out.stat().st_size < 10_000:
        sys.exit(f"screenshot: nothing usable written for {url}:\n{result.stderr[-2000:]}")
    print(f"screenshot: {out} ({out.stat().st_size:,} bytes) of {url}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "ui-flow-run.png")
    parser.add_argument("--step", default="refresh-j-1", help="flow name of the run to show")
    args = parser.parse_args()

    import os

    work = Path(tempfile.mkdtemp(prefix="stx-screenshot."))
    os.environ["STX_MIGRATE_HOME"] = str(work / "workspace")
    from stx_migrate.deployments.demo import run_demo

    def shoot(ui: str, parent_run_id: str) -> None:
        from prefect import get_client
        from prefect.client.schemas.filters import FlowFilter, FlowFilterName

        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[args.step])), limit=1)
            run_id = str(runs[0].id) if runs else parent_run_id
            artifacts = [a for a in client.read_artifacts() if a.key and str(a.flow_run_id) == run_id and a.type == "markdown"]
            artifacts.sort(key=lambda a: "diff" in a.key)   # the J-1 diff report when the run has one
        args.out.parent.mkdir(parents=True, exist_ok=True)
        screenshot(f"{ui}/runs/flow-run/{run_id}", args.out)
        if artifacts:
            screenshot(f"{ui}/artifacts/artifact/{artifacts[-1].id}", args.out.with_name(args.out.stem + "-artifact.png"))

    run_demo(work / "demo", then=shoot)
    print(args.out)


if __name__ == "__main__":
    main()
