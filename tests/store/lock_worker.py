"""An import or a reset in its own process, for the writers' lock tests (test_writers_lock.py).

``import URL DELIVERABLE GO_FILE``: imports ``large_contacts(120)`` in batches of 20, printing
``batch N`` after each; after the first, if GO_FILE is not ``-``, prints ``paused`` and waits
until GO_FILE exists (the test resets or kills meanwhile). Ends with ``done {counts}``.
``reset URL EXPECTED``: ``reset_store`` with the confirmed count; prints ``waiting`` if the lock
is held, then ``reset {counts}`` or the refusal (``refused: …``).
"""
from __future__ import annotations

import json
import os
import sys
import time

from store_helpers import large_contacts

from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.store import import_contacts, open_store
from stx_migrate.migration.store.reset import reset_store


def run_import(url: str, deliverable: str, go_file: str) -> None:
    batches = []

    def progress(done: int, total: int) -> None:
        print(f"batch {done}", flush=True)
        batches.append(done)
        if len(batches) == 1 and go_file != "-":
            print("paused", flush=True)
            while not os.path.exists(go_file):
                time.sleep(0.05)

    print("ready", flush=True)
    result = import_contacts(open_store(url), large_contacts(120), run_id=f"run-{deliverable}-{os.getpid()}",
                             deliverable_id=deliverable, batch_rows=20, on_batch=progress)
    print("done", json.dumps(result.counts()), flush=True)


def run_reset(url: str, expected: int) -> None:
    try:
        counts = reset_store(open_store(url), expected_contacts=expected, on_wait=lambda: print("waiting", flush=True))
    except GuardRefused as e:
        print(e, flush=True)   # "refused: …"
        return
    print("reset", json.dumps(counts), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "import":
        run_import(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        run_reset(sys.argv[2], int(sys.argv[3]))
