"""SQLite stores are created with 16 KB pages; a store created before keeps its own page size and works as before."""
from __future__ import annotations

import sqlite3

from store_helpers import REFERENCE, frame, one

from stx_migrate.migration.store import import_contacts, open_store, seed_reference_data

ROWS = [dict(CONTACT_NR=str(100 + i), LASTNAME=f"Name {i}", EMAIL1=f"p{i}@example.com", CRIT01="SEGMENT=ABO")
        for i in range(5)]


def page_size(path) -> int:
    with sqlite3.connect(path) as c:
        return c.execute("PRAGMA page_size").fetchone()[0]


def test_a_new_store_has_16k_pages_and_wal(tmp_path):
    path = tmp_path / "env.sqlite"
    store = open_store(f"sqlite:///{path}", name="dev")
    seed_reference_data(store, REFERENCE, institutions=["DEMO"])
    result = import_contacts(store, frame(*ROWS), run_id="r1", deliverable_id="d1")
    assert result.imported == 5
    assert one(store, "PRAGMA journal_mode") == [("wal",)]
    store.dispose()
    assert page_size(path) == 16384


def test_a_store_made_with_4k_pages_keeps_them_and_imports_once(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as c:  # as the code before made it: SQLite's default page size
        c.execute("PRAGMA page_size=4096")
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("CREATE TABLE placeholder (x)")
        c.execute("DROP TABLE placeholder")
    store = open_store(f"sqlite:///{path}", name="dev")
    seed_reference_data(store, REFERENCE, institutions=["DEMO"])
    contacts = frame(*ROWS)
    assert import_contacts(store, contacts, run_id="r1", deliverable_id="d1").imported == 5
    again = import_contacts(store, contacts, run_id="r2", deliverable_id="d1")
    assert again.counts() == {"imported": 0, "updated": 0, "unchanged": 5, "not_imported": 0}
    assert one(store, "SELECT COUNT(*), COUNT(DISTINCT email1) FROM contact") == [(5, 5)]
    store.dispose()
    assert page_size(path) == 4096
