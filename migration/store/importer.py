"""The import engine: a SecuTix frame of valid rows → the contact store, transactional and idempotent.

Contract (docs/store.md):
- rows are applied in batches of ``batch_rows``, one transaction per batch; the run's
  own journal entry (``import_run``) is written in a last transaction of its own;
- every applied row is journaled in ``import_row`` under ``row_key`` =
  blake2b(deliverable_id, source_ref), in the same transaction as its changes: a re-run
  of the same deliverable skips those rows (counted ``unchanged``), so it creates and
  changes nothing; a killed run leaves whole batches only, and the re-run completes it;
- the run holds the store's writers' lock from before its first batch to after its journal
  entry (``writers.py``): another import, a service or ``env reset`` waits for it to end;
- each row ends in exactly one count: ``imported`` (INSERT), ``updated`` (UPDATE that
  changed something), ``unchanged`` (UPDATE that changed nothing, a structure §7 found
  already there, or a row a previous run of this deliverable applied) or
  ``not_imported`` (a finding of severity error says why). CONFIG rows are counted
  apart (``config_rows``): they configure, they are not contacts.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, text

from ..errors import InputError
from ..findings import concat_findings, empty_findings
from .batches import BatchPlan, InFlight, deliverable_journaled, journaled, plan_batch, row_keys, timestamp, write_batch  # noqa: F401 (row_keys: services)
from .codevalues import resolve_config_rows
from .store import ContactStore
from .writers import WRITER_LOCK, writers_lock

DEFAULT_BATCH_ROWS = 100_000  # 1M new contacts into SQLite: 50k → 100k per batch took 41 → 33 s (docs/store.md)


@dataclass
class ImportResult:
    run_id: str
    deliverable_id: str
    rows_in: int = 0
    config_rows: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    not_imported: int = 0
    findings: pd.DataFrame = field(default_factory=empty_findings)

    def counts(self) -> dict[str, int]:
        return {"imported": self.imported, "updated": self.updated, "unchanged": self.unchanged,
                "not_imported": self.not_imported}

    def reasons(self) -> dict[str, int]:
        """Codes of rows not imported → count (errors only; warnings keep their row)."""
        errors = self.findings[self.findings["severity"] == "error"]
        return {str(k): int(v) for k, v in errors["code"].value_counts().sort_index().items()}


def import_contacts(store: ContactStore, contacts: pd.DataFrame, *, run_id: str, deliverable_id: str,
                    batch_rows: int = DEFAULT_BATCH_ROWS, operation: str = "import",
                    on_batch: Callable[[int, int], None] | None = None, plan_ahead: bool = True,
                    on_wait: Callable[[], None] | None = None, writer: Connection | None = None) -> ImportResult:
    """Apply ``contacts`` (a SecuTix frame of valid rows, index source_ref) to ``store``.

    See the module docstring for the transaction, idempotence and counting contract.
    ``on_batch(done_rows, total_rows)`` is called after each committed batch (progress).
    ``plan_ahead``: plan the next batch on a second connection and thread while the
    current one is written (the database releases the GIL); the result is the same.
    ``on_wait()`` is called once if another import, a service or a reset holds the store's
    writers' lock: this import then waits for it to end (say so: a silent wait looks like a hang).
    ``writer``: a connection on which the caller already holds the writers' lock (a service that
    looked its contacts up under it); None: the import takes the lock on a connection of its own.
    """
    if batch_rows <= 0:
        raise ValueError("batch_rows must be positive")
    duplicated = contacts.index.duplicated()
    if duplicated.any():  # the journal keys rows by source_ref: a file must name each row once
        raise InputError("the same source_ref names two rows", row=str(contacts.index[duplicated][0]))
    frame, n_config = resolve_config_rows(contacts)
    result = ImportResult(run_id=run_id, deliverable_id=deliverable_id, rows_in=len(contacts), config_rows=n_config)
    bounds = _batch_bounds(len(frame), batch_rows)  # the same with or without planning ahead: the same ids
    names = {"run_id": run_id, "deliverable_id": deliverable_id}

    def run(writer: Connection) -> None:
        started = datetime.now(timezone.utc)  # not while it waited for another writer
        findings = _write_batches(store, writer, frame, bounds, names, result, operation=operation, started=started,
                                  on_batch=on_batch, plan_ahead=plan_ahead)
        result.findings = concat_findings(findings)
        _record_run(store, result, operation, started)

    if writer is not None:
        run(writer)
        return result
    writer = store.engine.connect()  # one connection for every batch: PostgreSQL holds the import's lock on it
    try:
        # the whole run, its journal entry included: a reset or another import waits for it to end (writers.py);
        # taken first, before any transaction (SQLite: never wait for it while holding BEGIN IMMEDIATE)
        with writers_lock(store, writer, on_wait):
            run(writer)
    finally:
        writer.close()
    return result


def _write_batches(store: ContactStore, writer: Connection, frame: pd.DataFrame, bounds: list[tuple[int, int]],
                   names: dict, result: ImportResult, *, operation: str, started: datetime,
                   on_batch: Callable[[int, int], None] | None, plan_ahead: bool) -> list[pd.DataFrame]:
    """Every batch, one transaction each, counted into ``result``; the findings. The caller holds the writers' lock."""
    findings: list[pd.DataFrame] = []
    total = len(frame)
    planner = _Planner(store, frame, names) if plan_ahead and len(bounds) > 1 else None
    unchecked = store.dialect == "sqlite" and not _has_updates(frame)
    checkpointer = _Checkpointer(store, writer) if planner and store.dialect == "sqlite" else None
    batch = (0, 0)
    try:
        if unchecked:  # new contacts only: insert_only.py checks the rows instead, set-wise
            _row_checks(writer, on=False)
        ahead: tuple[Future, object] | None = None
        if planner:  # the first batch too: its fence is taken before the planner reads anything
            fence = _fence(writer)
            writer.rollback()
            ahead = (planner.submit(bounds[0], InFlight()), fence)
        for i, (start, stop) in enumerate(bounds):
            batch = (start, stop)
            with store.transaction(writer) as conn:
                _lock(conn)
                plan = _planned_ahead(conn, ahead)
                if ahead is not None and plan is None:
                    planner.forget()
                ahead = None
                if plan is None:  # not planned ahead, or another writer committed since the plan was made
                    plan = plan_batch(conn, frame.iloc[start:stop], store.catalogue(conn), InFlight(), **names)
                try:
                    if planner and i + 1 < len(bounds):  # we hold the write lock: nobody else commits until we do
                        ahead = (planner.submit(bounds[i + 1], InFlight.of(plan)), _fence(conn))
                    counts = write_batch(conn, plan, findings=findings, **names)
                except BaseException:
                    plan.discard()  # its scratch file, if not attached yet
                    raise
            if checkpointer:
                checkpointer.after_commit()
            result.imported += counts.imported
            result.updated += counts.updated
            result.unchanged += counts.unchanged
            result.not_imported += counts.not_imported
            if on_batch:
                on_batch(stop, total)
    except Exception as error:  # never a silent half: the journal says what was applied and why it stopped
        _record_run(store, result, operation, started, failure=_failure(error, frame, batch))
        raise
    finally:
        if planner:
            _discard_pending(ahead)
            planner.close()
        if checkpointer:
            checkpointer.close()
        if unchecked:
            _row_checks(writer, on=True)  # the pool hands this connection out again
    return findings


def _record_run(store: ContactStore, result: ImportResult, operation: str, started: datetime,
                failure: dict | None = None) -> None:
    """The run's journal entry: its counts, and for a failed run ``status: failed`` with where and why.

    A failed run's committed batches stay, journaled row by row: a re-run of the same
    deliverable skips them and applies the rest (docs/store.md). A failure to write the
    entry itself (the database is gone) never hides the import's own error.
    """
    counts = result.counts() if failure is None else {**result.counts(), "status": "failed", **failure}
    try:
        with store.transaction() as conn:
            conn.execute(text("INSERT INTO import_run (run_id, deliverable_id, operation, started_at, finished_at, counts) "
                              "VALUES (:run, :deliverable, :op, :started, :finished, :counts)"),
                         {"run": result.run_id, "deliverable": result.deliverable_id, "op": operation,
                          "started": _ts(conn, started), "finished": _ts(conn, datetime.now(timezone.utc)),
                          "counts": json.dumps(counts)})
    except Exception:
        if failure is None:
            raise


def _failure(error: Exception, frame: pd.DataFrame, batch: tuple[int, int]) -> dict:
    """Why a run stopped, without personal data: the error's type and where it was raised, the batch's rows."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "-packages" not in f.filename] or frames  # the innermost line of our code
    last = ours[-1] if ours else None
    where = f"{'/'.join(Path(last.filename).parts[-3:])}:{last.lineno} {last.name}" if last else ""
    start, stop = batch
    rows = f"{frame.index[start]} … {frame.index[stop - 1]}" if stop > start else ""
    return {"error": type(error).__name__, "where": where, "batch_rows": rows,
            "code": getattr(error, "problem", "") if isinstance(error, InputError) else ""}


def _batch_bounds(total: int, batch_rows: int) -> list[tuple[int, int]]:
    """(start, stop) of each batch; the first and last are a quarter of the others.

    Planning ahead, nothing overlaps the first batch's planning nor the last batch's
    writing: small ones start the pipeline sooner and drain it faster.
    """
    edge = max(1, batch_rows // 4) if total > 2 * batch_rows else batch_rows
    sizes = [edge]
    left = total - edge
    while left > 0:
        sizes.append(min(batch_rows, left))
        left -= sizes[-1]
    if len(sizes) > 2 and sizes[-1] > edge:  # split the tail: its last part small
        sizes[-1:] = [sizes[-1] - edge, edge]
    bounds, start = [], 0
    for size in sizes:
        bounds.append((start, min(start + size, total)))
        start += size
    return [b for b in bounds if b[1] > b[0]]


def _has_updates(frame: pd.DataFrame) -> bool:
    return bool((frame["OPERATION"].str.upper() == "UPDATE").any())


def _row_checks(writer: Connection, *, on: bool) -> None:
    """SQLite: switch the writer's per-row foreign-key and CHECK enforcement (outside a transaction only).

    An import without UPDATE rows writes only new contacts (``insert_only.py``), whose rows
    ``insert_only.check_rows`` checks for the whole round (kinds, uses, children → contacts
    of the round) and ``_check_parents`` set-wise (structures, institutions, elements):
    SQLite's checks row by row cost more than the inserts themselves (docs/store.md).
    """
    flag = "ON" if on else "OFF"
    try:
        writer.rollback()
        raw = writer.connection.driver_connection
        raw.execute(f"PRAGMA foreign_keys={flag}")
        raw.execute(f"PRAGMA ignore_check_constraints={'OFF' if on else 'ON'}")
    except Exception:
        writer.invalidate()  # never hand out a connection whose enforcement is unknown
        raise


class _Checkpointer:
    """SQLite: copies each committed batch from the WAL into the store file on a thread of its own.

    The writer's commits would otherwise do it (``wal_autocheckpoint``), in the writer's
    thread, the import's busiest; a PASSIVE checkpoint never blocks the writer or the
    planner. The import ends with the store file up to date, as a commit would leave it.
    """

    def __init__(self, store: ContactStore, writer: Connection):
        self.store, self.writer = store, writer
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stx-checkpoint")
        self.raw = None
        self.pending: Future | None = None
        writer.connection.driver_connection.execute("PRAGMA wal_autocheckpoint=0")

    def after_commit(self) -> None:
        if self.pending is None or self.pending.done():  # one at a time; a later one catches up
            self.pending = self.pool.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        if self.raw is None:  # opened on the checkpoint thread: SQLite connections stay on theirs
            self.raw = self.store.engine.raw_connection()
        self.raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def close(self) -> None:
        try:
            self.pool.submit(self._checkpoint).result()
        except Exception:  # nothing is lost: the WAL stays for SQLite's next checkpoint; never hide the import's error
            pass
        finally:
            if self.raw is not None:
                self.pool.submit(self.raw.close).result()
            self.pool.shutdown(wait=True)
            try:
                self.writer.connection.driver_connection.execute("PRAGMA wal_autocheckpoint=1000")  # SQLite's default
            except Exception:
                self.writer.invalidate()


class _Planner:
    """Plans batches ahead on its own thread and read-only connection (SQLite: a deferred, non-locking BEGIN)."""

    def __init__(self, store: ContactStore, frame: pd.DataFrame, names: dict):
        self.store, self.frame, self.names = store, frame, names
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stx-plan")
        self.conn: Connection | None = None
        # no journal row of this deliverable when first asked: its rows need no lookup, while only we write
        self.new_deliverable: bool | None = None

    def forget(self) -> None:
        """Someone else wrote (a plan was dropped): ask the journal again. Called while the planner is idle."""
        self.new_deliverable = None

    def submit(self, bounds: tuple[int, int], overlay: InFlight) -> Future:
        return self.pool.submit(self._plan, bounds, overlay)

    def _plan(self, bounds: tuple[int, int], overlay: InFlight) -> BatchPlan:
        if self.conn is None:  # opened on the planner's thread: SQLite connections stay on theirs
            self.conn = self.store.engine.connect().execution_options(stx_read_only=True)
        with self.conn.begin() as tx:
            try:
                if self.new_deliverable is None:
                    self.new_deliverable = not deliverable_journaled(self.conn, self.names["deliverable_id"])
                return plan_batch(self.conn, self.frame.iloc[bounds[0]:bounds[1]],
                                  self.store.catalogue(self.conn), overlay, new_deliverable=self.new_deliverable,
                                  **self.names)
            finally:
                tx.rollback()  # reads only (and temporary tables): end the snapshot

    def close(self) -> None:
        if self.conn is not None:
            self.pool.submit(self.conn.close).result()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _planned_ahead(conn: Connection, ahead: tuple[Future, object] | None) -> BatchPlan | None:
    """The plan made ahead, if the store changed only by our own batches since (else None: plan again)."""
    if ahead is None:
        return None
    future, fence = ahead
    plan = future.result()  # the planner's error, if any, ends the import here (this transaction rolls back)
    if _unchanged_since(conn, fence):
        return plan
    plan.discard()
    return None


def _discard_pending(ahead: tuple[Future, object] | None) -> None:
    """The import ends with a plan made but not written (an error): wait for it, delete its scratch files."""
    if ahead is None:
        return
    try:
        plan = ahead[0].result()
    except BaseException:  # the planner's own error: the import's error is already on its way
        return
    plan.discard()


def _fence(conn: Connection):
    """Taken inside a batch's transaction: lets the next batch tell whether anyone else wrote in between.

    SQLite: ``data_version`` changes when another connection commits (imports and resets wait
    for the writers' lock, but ``env setup`` or a hand-made write does not). PostgreSQL: no other
    writer can, the import holds ``WRITER_LOCK`` for its whole run (``_lock`` waits for it).
    """
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA data_version").scalar_one()
    return None


def _unchanged_since(conn: Connection, fence) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql("PRAGMA data_version").scalar_one() == fence
    return True


def _ts(conn: Connection, value: datetime):
    return timestamp(conn, value)


def _lock(conn: Connection) -> None:
    """One writer at a time (SQLite: BEGIN IMMEDIATE already holds the write lock).

    PostgreSQL: also waits for an import (it holds ``WRITER_LOCK`` on its session from start
    to end, writers.py; the same session takes it again at once).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")
        conn.exec_driver_sql("LOCK TABLE contact IN SHARE ROW EXCLUSIVE MODE")


def _journaled(conn: Connection, keys: pd.Series) -> pd.Series:
    """True for rows an earlier run of this deliverable applied."""
    return journaled(conn, keys)
