"""The writers' lock (writers.py): an import holds it for its whole run, in its own process, on SQLite as on
PostgreSQL; a reset or another import waits for it, never lands between two of its batches."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import frame, large_contacts, one

from stx_migrate.migration.store import import_contacts
from stx_migrate.migration.store.reset import reset_store
from stx_migrate.migration.store.writers import WRITER_LOCK, lock_path

WORKER = Path(__file__).with_name("lock_worker.py")
ALL = {"contacts": 138, "rows": 120}   # large_contacts(120): 18 relays bring their structures


def start(store, *args: str) -> subprocess.Popen:
    url = store.engine.url.render_as_string(hide_password=False)
    return subprocess.Popen([sys.executable, str(WORKER), args[0], url, *args[1:]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def expect(proc: subprocess.Popen, prefix: str) -> str:
    """The worker's next line not about a batch; it must start with ``prefix``."""
    while (line := proc.stdout.readline()).startswith("batch") or line == "ready\n":
        pass
    assert line.startswith(prefix), f"{line!r}: {proc.stderr.read()[-3000:] if not line else ''}"
    return line


def finish(proc: subprocess.Popen, prefix: str) -> dict:
    line = expect(proc, prefix)
    assert proc.wait(timeout=60) == 0, proc.stderr.read()[-3000:]
    return json.loads(line.split(" ", 1)[1]) if line.startswith(("done", "reset")) else {}


def stop(*procs: subprocess.Popen) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


@contextlib.contextmanager
def paused_import(store, tmp_path):
    """An import of D1 (large_contacts(120), batches of 20) in its own process, paused after its first
    batch while it holds the writers' lock; ``go.touch()`` lets it go on. Yields (process, go, the
    contacts committed so far, a list of other processes to stop at the end)."""
    go = tmp_path / "go"
    importer = start(store, "import", "D1", str(go))
    others: list[subprocess.Popen] = []
    try:
        expect(importer, "paused")
        partial = store.count("contact")
        assert 0 < partial < ALL["contacts"]
        yield importer, go, partial, others
    finally:
        go.touch()
        stop(importer, *others)


def whole(store) -> dict:
    """What the store holds of large_contacts(120), and whether its journal agrees with its contacts."""
    dangling = one(store, "SELECT COUNT(*) FROM import_row r LEFT JOIN contact c ON c.id = r.contact_id "
                          "WHERE c.id IS NULL")[0][0]
    runs = [json.loads(c) if isinstance(c, str) else c for c, in one(store, "SELECT counts FROM import_run")]
    return {"contacts": store.count("contact"), "rows": store.count("import_row"), "dangling": dangling,
            "imported": sum(r["imported"] for r in runs)}


@pytest.mark.timeout(180)
def test_a_reset_during_an_import_waits_for_it_then_refuses_and_a_second_reset_and_import_make_it_whole(store, tmp_path):
    with paused_import(store, tmp_path) as (importer, go, partial, others):   # the import holds the lock
        resetter = start(store, "reset", str(partial))  # confirmed on the partial count, as a user would
        others.append(resetter)
        expect(resetter, "waiting")
        time.sleep(0.5)                                 # it would have emptied the store by now
        assert store.count("contact") == partial
        go.touch()
        assert finish(importer, "done") == {"imported": 120, "updated": 0, "unchanged": 0, "not_imported": 0}
        assert "an import ran meanwhile" in expect(resetter, "refused: store now holds 138 contact(s), not the ")
        assert resetter.wait(timeout=60) == 0
    assert whole(store) == {**ALL, "dangling": 0, "imported": 120}      # the whole import, journaled
    assert reset_store(store, expected_contacts=138)["contacts"] == 138
    assert whole(store) == {"contacts": 0, "rows": 0, "dangling": 0, "imported": 0}
    again = import_contacts(store, large_contacts(120), run_id="R2", deliverable_id="D1", batch_rows=20)
    assert again.imported == 120 and whole(store) == {**ALL, "dangling": 0, "imported": 120}


@pytest.mark.timeout(180)
def test_two_imports_at_once_run_one_after_the_other(store, tmp_path):
    with paused_import(store, tmp_path) as (first, go, partial, others):
        second = start(store, "import", "D1", "-")     # the same deliverable: today's result is one import
        others.append(second)
        assert second.stdout.readline() == "ready\n", second.stderr.read()[-3000:]
        time.sleep(1.0)                                 # it would have committed batches by now
        assert store.count("contact") == partial
        go.touch()
        counts = [finish(first, "done"), finish(second, "done")]
    assert counts == [{"imported": 120, "updated": 0, "unchanged": 0, "not_imported": 0},
                      {"imported": 0, "updated": 0, "unchanged": 120, "not_imported": 0}]
    assert whole(store) == {**ALL, "dangling": 0, "imported": 120}


@pytest.mark.timeout(180)
def test_a_killed_import_releases_the_lock(store, tmp_path):
    importer = start(store, "import", "D1", str(tmp_path / "never"))
    try:
        expect(importer, "paused")
    finally:
        os.kill(importer.pid, signal.SIGKILL)
        stop(importer)
    partial = store.count("contact")
    assert 0 < partial < ALL["contacts"]
    waited: list[bool] = []
    for _ in range(100):   # PostgreSQL ends the killed session once it sees the socket closed
        if store.dialect == "sqlite" or not one(store, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'")[0][0]:
            break
        time.sleep(0.1)
    assert reset_store(store, expected_contacts=partial, on_wait=lambda: waited.append(True))["contacts"] == partial
    assert waited == []
    result = import_contacts(store, large_contacts(120), run_id="R2", deliverable_id="D1", batch_rows=20)
    assert result.imported == 120 and whole(store) == {**ALL, "dangling": 0, "imported": 120}


def held(store) -> bool:
    """Whether someone holds the store's writers' lock, seen from outside."""
    if store.dialect == "postgresql":
        return one(store, f"SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {WRITER_LOCK} "
                          "AND granted")[0][0] > 0
    fd = os.open(lock_path(store), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def test_a_service_by_number_holds_the_lock_until_its_journal_entry(store, monkeypatch):
    from stx_migrate.migration.store import services

    import_contacts(store, large_contacts(10), run_id="R1", deliverable_id="D1")
    seen = []
    ts = services._ts

    def timestamp(conn, value):   # the first transaction's, then twice the journal entry's
        seen.append(held(store))
        return ts(conn, value)

    monkeypatch.setattr(services, "_ts", timestamp)
    rows = frame(dict(CONTACT_NR="1000"), dataset="in")
    assert services.run_service("inactivate", store, rows, run_id="S", service_id="s1").counts()["updated"] == 1
    assert seen == [True] * 3 and not held(store)


@pytest.mark.timeout(60)
def test_an_import_started_inside_another_ones_run_is_refused_not_left_waiting_for_itself(store):
    def nested(done: int, total: int) -> None:
        import_contacts(store, large_contacts(3, name="inner"), run_id="inner", deliverable_id="inner")

    with pytest.raises(RuntimeError, match="would wait for it for ever"):
        import_contacts(store, large_contacts(10), run_id="R1", deliverable_id="D1", batch_rows=5, on_batch=nested)
    assert not held(store)
    assert import_contacts(store, large_contacts(10), run_id="R2", deliverable_id="D1").imported == 5   # the rest


def test_the_lock_file_is_beside_the_sqlite_file_and_an_in_memory_store_has_none(tmp_path):
    from sqlalchemy import create_engine

    from stx_migrate.migration.store.store import ContactStore

    assert lock_path(ContactStore(create_engine(f"sqlite:///{tmp_path}/env.sqlite"))) == f"{tmp_path}/env.sqlite.writer-lock"
    assert lock_path(ContactStore(create_engine("sqlite://"))) is None


@pytest.mark.timeout(180)
def test_an_import_that_must_wait_for_another_says_so_once_then_runs_after_it(store, tmp_path):
    waited: list[int] = []
    with paused_import(store, tmp_path) as (first, go, partial, _):

        def waiting() -> None:   # what the import task logs; here it also lets the first import go on
            waited.append(store.count("contact"))
            go.touch()

        second = import_contacts(store, large_contacts(120), run_id="R2", deliverable_id="D1", batch_rows=20,
                                 on_wait=waiting)
        assert finish(first, "done") == {"imported": 120, "updated": 0, "unchanged": 0, "not_imported": 0}
    assert waited == [partial]                        # once, while the first import held the lock mid-run
    assert (second.imported, second.unchanged) == (0, 120)   # it ran after the first one, whole
    assert whole(store) == {**ALL, "dangling": 0, "imported": 120}
    alone: list[int] = []
    import_contacts(store, large_contacts(120), run_id="R3", deliverable_id="D1", on_wait=lambda: alone.append(1))
    assert alone == []                                # nobody else writing: no wait, nothing said
