"""Two runs delivering the same deliverable at once: one sends, the other finds its ledger line.

Two real processes (forked) each call ``deliver_once`` on a real file-drop environment whose
delivery is slowed by a second, so that without the ledger's lock both would look the
ledger up before either wrote its line, and both would send.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time

import pytest
from delivery_helpers import make_deliverable, make_project

from stx_migrate.connectors.deliveries import deliver_once
from stx_migrate.connectors.environments import FileDropEnvironment
from stx_migrate.migration.delivery import delivery_names, read_ledger
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.workspace import Workspace

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked processes: Linux")


class SlowDrop(FileDropEnvironment):
    """The real file-drop delivery, one second late; each sending is counted in ``sent.log``."""

    def deliver(self, files):
        with open(self.folder.parent / "sent.log", "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()}\n")
        time.sleep(1.0)
        return super().deliver(files)


def _deliver(project_dir, deliverable, barrier, results) -> None:
    project = load_project(project_dir)
    environment = SlowDrop(project, "drop")
    files = delivery_names(deliverable, deliverable.name, "csv", require_manifest=False)
    barrier.wait(timeout=30)
    delivery, sent = deliver_once(project, "drop", environment, files, deliverable.name, run_id=f"run-{os.getpid()}")
    results.put((os.getpid(), sent, delivery.run_id))


def test_two_processes_delivering_at_once_deliver_once(tmp_path, workspace_home):
    project_dir = make_project(tmp_path / "p", {"drop": {"kind": "file-drop", "path": "drop"}})
    deliverable = make_deliverable(project_dir)
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    runs = [context.Process(target=_deliver, args=(project_dir, deliverable, barrier, results)) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    assert [run.exitcode for run in runs] == [0, 0]
    outcomes = sorted(results.get(timeout=5) for _ in runs)
    sent = [pid for pid, made_now, _ in outcomes if made_now]
    assert len(sent) == 1                                            # one sent, the other found its line
    assert {run_id for _, _, run_id in outcomes} == {f"run-{sent[0]}"}   # both name the one delivery
    assert (project_dir / "sent.log").read_text().split() == [str(sent[0])]
    (line,) = read_ledger(Workspace("loop").procedure_dir)
    assert line.run_id == f"run-{sent[0]}"
    arrived = project_dir / "drop" / f"{deliverable.name}-contacts.csv"
    assert arrived.read_bytes() == (deliverable / "contacts.csv").read_bytes()
