"""Crash safety: an import killed with SIGKILL mid-way, then run again, ends with no duplicate and no loss."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import large_contacts, one

from stx_migrate.migration.secutix_file import csv_file, read_secutix_file, write_secutix_file
from stx_migrate.migration.store import import_contacts

N = 12_000
BATCH = 500
SMALL_BLOCK = 64 << 10


@pytest.mark.slow
@pytest.mark.parametrize("given", ["frame", "multi-block file"])
def test_killed_import_completes_on_rerun_without_duplicate_or_loss(store, tmp_path, given, monkeypatch):
    contacts = large_contacts(N)
    if given == "frame":
        path = tmp_path / "contacts.parquet"
        contacts.to_parquet(path)
    else:  # the real path: the deliverable's file, read in many blocks (as a file over 16 MB is)
        path = write_secutix_file(contacts, tmp_path / "contacts.csv")
        assert path.stat().st_size > 8 * SMALL_BLOCK
        monkeypatch.setattr(csv_file, "_BLOCK_SIZE", SMALL_BLOCK)
        contacts = read_secutix_file(path).frame
    worker = Path(__file__).with_name("crash_worker.py")
    url = store.engine.url.render_as_string(hide_password=False)
    proc = subprocess.Popen([sys.executable, str(worker), url, str(path), "killed-run", str(BATCH), str(SMALL_BLOCK)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = 0
    deadline = time.monotonic() + 120
    while seen < 3 and time.monotonic() < deadline:  # let a few batches commit, then kill mid-import
        line = proc.stdout.readline()
        if not line:
            break
        seen += line.startswith("batch")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert seen >= 3, proc.stderr.read()[-2000:]
    journaled = store.count("import_row")
    assert BATCH <= journaled < N, "the kill must land in the middle of the import"  # batches: BATCH / 4, BATCH, …
    assert store.count("import_run") == 0  # the killed run never wrote its journal entry

    result = import_contacts(store, contacts, run_id="rerun", deliverable_id="crash-deliverable", batch_rows=BATCH)
    assert result.imported == N - journaled and result.unchanged == journaled and result.not_imported == 0

    # counted against the input: every row once, every contact once, every structure once
    assert store.count("import_row") == N
    assert one(store, "SELECT COUNT(DISTINCT source_ref) FROM import_row") == [(N,)]
    individuals = int((contacts["OFFICIAL_NAME"] == "").sum())
    relays = N - individuals
    assert store.count("contact", "kind = 'individual'") == individuals
    assert store.count("contact", "kind = 'relay'") == relays
    assert store.count("contact", "kind = 'structure'") == contacts.loc[contacts["OFFICIAL_NAME"] != "", "OFFICIAL_NAME"].nunique()
    assert one(store, "SELECT COUNT(*), COUNT(DISTINCT contact_nr) FROM contact")[0] == (store.count("contact"),) * 2
    given = set(contacts.loc[contacts["CONTACT_NR"] != "", "CONTACT_NR"])
    stored = {r[0] for r in one(store, "SELECT contact_nr FROM contact WHERE kind <> 'structure'")}
    assert given <= stored and len(stored) == N
    assert store.count("contact", "email1 IS NOT NULL") == N + store.count("contact", "kind = 'structure'")
    assert store.count("criterion_assignment") == N
    assert one(store, "SELECT run_id FROM import_run") == [("rerun",)]
