"""The approvals in a real browser: Debian's headless Chromium, driven by Playwright, on a local Prefect server.

`stx-migrate run` pauses for ADI's approval of the transformations: the form is filled and
submitted in the UI (an empty *By* first, which must be refused); VN's gate sign-off comes
from `decide`; the customer's validation is given in the UI again. The run must complete,
and the records must hold what was typed. Screenshots go to the test's temporary folder.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")]


def _paused_run(flow_name: str, step: str, procedure_dir: Path, proc: subprocess.Popen, seconds: float = 240):
    """The run of ``flow_name`` paused for ``step``'s answer ("" = the customer's)."""
    from stx_migrate.flows.approvals import find_paused_run
    from stx_migrate.migration.procedure import load_state

    deadline = time.monotonic() + seconds
    while True:
        paused = find_paused_run(flow_name, "demo-theatre")
        asked = [e for e in load_state(procedure_dir).events
                 if paused is not None and e.kind == "decision-requested" and e.flow_run_id == str(paused.id)]
        if asked and asked[-1].detail == step:
            return paused
        assert proc.poll() is None, proc.stderr.read()[-3000:]
        assert time.monotonic() < deadline, f"no run waited for {step or 'the customer'}"
        time.sleep(0.5)


def _state(run_id) -> str:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id).state.type.value


def _resume_in_the_ui(page, ui: str, run, by: str, comment: str, shots: Path, name: str) -> None:
    page.goto(f"{ui}/runs/flow-run/{run.id}")
    page.get_by_role("button", name="Resume").first.click(timeout=60_000)
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("By", exact=False).first.wait_for(timeout=30_000)
    page.screenshot(path=str(shots / f"{name}-form.png"))
    dialog.get_by_role("switch").click()                       # approved: on
    boxes = dialog.locator("textarea")
    boxes.nth(0).fill(by)
    boxes.nth(1).fill(comment)
    page.screenshot(path=str(shots / f"{name}-filled.png"))
    dialog.get_by_role("button", name="Submit").click()


def _left_pause(run_id, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while _state(run_id) == "PAUSED":
        assert time.monotonic() < deadline, "the run stayed paused after the form was submitted"
        time.sleep(0.5)


def test_approvals_are_given_in_the_prefect_ui(demo_project, workspace_home, tmp_path):
    from playwright.sync_api import sync_playwright

    from stx_migrate.deployments.local_server import local_prefect_server
    from stx_migrate.flows.approvals import give_approval
    from stx_migrate.migration.approvals import read_approvals
    from stx_migrate.migration.procedure import load_state

    shots = tmp_path / "screenshots"
    shots.mkdir()
    procedure_dir = workspace_home / "demo-theatre" / "procedure"
    with local_prefect_server(tmp_path / "prefect-home") as ui:
        env = dict(os.environ, PREFECT_API_URL=f"{ui}/api", STX_MIGRATE_HOME=str(workspace_home),
                   STX_MIGRATE_PAUSE_POLL_SECONDS="1", PREFECT_LOGGING_LEVEL="WARNING")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "stx-migrate"), "run", "--project", str(demo_project)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1400, "height": 1000})

                # step 6: ADI's approval of the planned transformations; an empty By is refused first
                adi = _paused_run("approve-transformations", "transformations", procedure_dir, proc)
                page.goto(f"{ui}/runs/flow-run/{adi.id}")
                page.get_by_role("button", name="Resume").first.click(timeout=60_000)
                dialog = page.get_by_role("dialog")
                dialog.get_by_role("switch").click()
                dialog.get_by_role("button", name="Submit").click()
                time.sleep(4)
                page.screenshot(path=str(shots / "adi-empty-by-refused.png"))
                assert _state(adi.id) == "PAUSED"
                assert not [a for a in read_approvals(procedure_dir)]
                dialog.locator("textarea").nth(0).fill("   ")             # blank is not a name either
                dialog.get_by_role("button", name="Submit").click()
                time.sleep(4)
                assert _state(adi.id) == "PAUSED"
                page.keyboard.press("Escape")
                _resume_in_the_ui(page, ui, adi, "Ada ADI", "protocol read, column changes as planned", shots, "adi")
                _left_pause(adi.id)

                # step 9: VN's gate sign-off, from the command line this time
                _paused_run("import-preprod", "gate", procedure_dir, proc)
                give_approval(str(demo_project), "gate", True, "Victor VN", "gate read")

                # the customer's validation of pre-production
                customer = _paused_run("import-preprod", "", procedure_dir, proc)
                _resume_in_the_ui(page, ui, customer, "Claire Client", "contacts checked in pre-production", shots,
                                  "customer")
                _left_pause(customer.id)
                browser.close()
            out, err = proc.communicate(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err[-3000:]
    transformations, gate = read_approvals(procedure_dir)
    assert (transformations.step, transformations.approved, transformations.by, transformations.comment,
            transformations.source) == ("transformations", True, "Ada ADI", "protocol read, column changes as planned", "ui")
    assert transformations.flow_run_id == str(adi.id) and transformations.snapshot_id
    assert (gate.step, gate.by, gate.source) == ("gate", "Victor VN", "cli")
    decision = load_state(procedure_dir).decisions[-1]
    assert (decision.approved, decision.by, decision.comment, decision.source) == (
        True, "Claire Client", "contacts checked in pre-production", "ui")
    assert decision.protocol_hash == transformations.protocol_hash == gate.protocol_hash and decision.snapshot_id
    assert load_state(procedure_dir).closed
    assert {p.name for p in shots.iterdir()} >= {"adi-empty-by-refused.png", "adi-filled.png", "customer-filled.png"}
