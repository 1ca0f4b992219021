"""The store's writers' lock: one import, multi-transaction service or reset at a time, for its whole run.

An import commits batch by batch; what holds this lock (``import_contacts``, the services by
contact number, ``reset_store``) keeps every other holder out from its first batch to its
journal entry, so a reset never lands between two batches of an import (it waits, then its
count check refuses) and two imports run one after the other.

- PostgreSQL: a session advisory lock (``WRITER_LOCK``) on the holder's own connection, which
  every batch's transaction takes again (``importer._lock``; re-entrant on the same session).
- SQLite file: an OS lock (``fcntl.flock``) on ``<database>.writer-lock`` beside it, taken before
  any transaction, always first (a holder waiting for it holds no SQLite lock: it cannot deadlock
  against ``BEGIN IMMEDIATE``). The kernel releases it when the holder's process ends, even on
  SIGKILL. The file stays (removing it could let two holders lock two different files).
- SQLite in memory (no file): no lock. The database lives in one process's connection; no
  other process can reach it, so there is nothing to keep out.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator

from sqlalchemy import Connection

from .store import ContactStore

WRITER_LOCK = 4242002  # PostgreSQL advisory lock key of the store's writers (4242001: schema upgrades)
LOCK_SUFFIX = ".writer-lock"
_held = threading.local()   # the keys this thread holds


@contextlib.contextmanager
def writers_lock(store: ContactStore, conn: Connection, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the store's writers' lock while the block runs; ``conn`` (no transaction open) holds it on PostgreSQL.

    ``on_wait()`` is called once if another holder has it (then this waits for it to end).
    Taken again by the thread that holds it (an import started from another's ``on_batch``), it
    would wait for itself for ever: RuntimeError instead.
    """
    key = lock_path(store) if store.dialect == "sqlite" else store.engine.url.render_as_string()
    if key is None:
        yield
        return
    held = _held.__dict__.setdefault("keys", set())
    if key in held:
        raise RuntimeError(f"{store.name}: a writer started inside another's run into the same store would wait for it for ever")
    held.add(key)
    try:
        with _advisory(conn, on_wait) if store.dialect == "postgresql" else _flock(key, on_wait):
            yield
    finally:
        held.discard(key)


def lock_path(store: ContactStore) -> str | None:
    """``<database>.writer-lock`` of a SQLite file store (None: in memory)."""
    database = store.engine.url.database
    if not database or database == ":memory:" or store.engine.url.query.get("mode") == "memory":
        return None
    return os.path.abspath(database) + LOCK_SUFFIX


@contextlib.contextmanager
def _flock(path: str, on_wait: Callable[[], None] | None) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def _advisory(conn: Connection, on_wait: Callable[[], None] | None) -> Iterator[None]:
    if not conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({WRITER_LOCK})").scalar_one():
        conn.rollback()
        if on_wait:
            on_wait()
        conn.exec_driver_sql(f"SELECT pg_advisory_lock({WRITER_LOCK})")
    conn.commit()
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):   # never hide the holder's own error (_unlock discards a broken session)
            _unlock(conn)
        raise
    _unlock(conn)


def _unlock(conn: Connection) -> None:
    """Release the advisory lock: the pool keeps the session open, so the lock would outlive its holder."""
    try:
        conn.rollback()
        conn.exec_driver_sql(f"SELECT pg_advisory_unlock({WRITER_LOCK})")
        conn.commit()
    except Exception:  # a broken connection: discarding its session releases the lock too
        conn.invalidate()
        raise
