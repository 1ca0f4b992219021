"""Emptying a store of what imports and services put in it (``stx-migrate env reset``), its set-up kept.

Removed: contacts with their addresses, administrative numbers and criteria, and the import
journal (``import_run``, ``import_row``: the idempotence keys that would make a re-import count
its rows ``unchanged``); number ranges go back to their first number. Kept: institutions,
organizations, code lists, types, criteria and their elements, the ranges' bounds (what
``env setup`` writes). All in one transaction: the store is emptied, or left as it was.

It first takes the store's writers' lock (``writers.py``), on SQLite as on PostgreSQL: a reset
asked while an import runs waits for the import to end (never lands between two of its
batches), then refuses if the contact count is no longer the one confirmed.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import Connection
from sqlalchemy.exc import NotSupportedError

from ..errors import GuardRefused
from .store import ContactStore
from .writers import writers_lock

# the journal first, the contacts last: contacts are what other rows point to
JOURNAL = ("import_row", "import_run")
CONTACT_DATA = ("criterion_assignment", "admin_number", "address", "contact")
COUNTED = {"contacts": "contact", "addresses": "address", "admin numbers": "admin_number",
           "criteria": "criterion_assignment", "import runs": "import_run", "import rows": "import_row"}


def reset_store(store: ContactStore, expected_contacts: int | None = None, on_wait: Callable[[], None] | None = None,
                on_locked: Callable[[], None] | None = None) -> dict[str, int]:
    """Empty ``store`` of imported data (see the module); returns the rows removed, by kind.

    ``expected_contacts``: the count the user confirmed; if the store holds another number
    by the time the writers' lock is taken (an import ran meanwhile), nothing is removed.
    ``on_wait()``: called once if an import (or another reset) holds the lock; the reset then waits for it.
    ``on_locked()``: called once the lock is held and the count confirmed, before the store is touched
    (a wait given up, or a count that changed meanwhile: never).
    """
    with _connection(store) as conn, writers_lock(store, conn, on_wait):   # before the transaction, always
        counts = _reset(store, conn, expected_contacts, on_locked)
        if store.dialect == "sqlite":   # still under the lock: no import's batches land in the WAL meanwhile
            _checkpoint(store)
    return counts


def _reset(store: ContactStore, conn: Connection, expected_contacts: int | None,
           on_locked: Callable[[], None] | None) -> dict[str, int]:
    with store.transaction(conn) as c:
        counts = {what: c.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one() for what, table in COUNTED.items()}
        if expected_contacts is not None and counts["contacts"] != expected_contacts:
            raise GuardRefused(f"{store.name} now holds {counts['contacts']} contact(s), not the {expected_contacts} "
                               "confirmed (an import ran meanwhile?): nothing removed; run the reset again")
        if on_locked:
            on_locked()
        _empty(c, store.dialect, JOURNAL)
        _empty(c, store.dialect, CONTACT_DATA)
        if store.dialect == "sqlite":
            _nothing_points_at_contacts(c)
        c.exec_driver_sql("UPDATE contact_number_range SET next_value = first")
    return counts


@contextlib.contextmanager
def _connection(store: ContactStore) -> Iterator[Connection]:
    """The reset's connection. SQLite: foreign keys off, for this connection only (checked once at the end
    instead): row by row, their cascades took 13 s of a million contacts' reset, against 0.2 s without."""
    conn = store.engine.connect()
    try:
        if store.dialect == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")   # outside a transaction only
        yield conn
    finally:
        if store.dialect == "sqlite":
            try:
                conn.rollback()
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
            except Exception:
                conn.invalidate()   # never hand a connection without foreign keys back to the pool
        conn.close()


def _nothing_points_at_contacts(c: Connection) -> None:
    """SQLite: what the foreign keys would have refused: a row of a table the reset does not empty still
    pointing at a removed contact (a table this tool does not know). The transaction is then rolled back."""
    dangling = sorted({row[0] for row in c.exec_driver_sql("PRAGMA foreign_key_check") if row[2] == "contact"})
    if dangling:
        raise GuardRefused(f"{', '.join(dangling)}: it holds foreign keys to the contacts the reset removes "
                           "(a table this tool does not empty): nothing removed")


def _empty(c: Connection, dialect: str, tables: tuple[str, ...]) -> None:
    if dialect == "postgresql":   # one TRUNCATE: the tables pointing at contact go with it (never CASCADE: a
        try:                      # table we do not know about must stop the reset)
            c.exec_driver_sql("TRUNCATE " + ", ".join(tables))
        except NotSupportedError as e:   # "cannot truncate a table referenced in a foreign key constraint"
            detail = getattr(getattr(e.orig, "diag", None), "message_detail", None) or "another table"
            raise GuardRefused(f"{detail.rstrip('.')}: it holds foreign keys to the contacts the reset removes "
                               "(a table this tool does not empty): nothing removed") from None
    else:
        for table in tables:
            c.exec_driver_sql(f"DELETE FROM {table}")


def _checkpoint(store: ContactStore) -> None:
    """SQLite: copy the emptied pages into the file and truncate the WAL, so the removed people do not linger there."""
    with store.engine.connect() as c:
        c.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
