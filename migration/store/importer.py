"""The import engine: a SecuTix frame of valid rows → the contact store, transactional and idempotent.

Contract (docs/store.md):
- rows are applied in batches of ``batch_rows``, one transaction per batch; the run's
  own journal entry (``import_run``) is written in a last transaction of its own;
- every applied row is journaled in ``import_row`` under ``row_key`` =
  blake2b(deliverable_id, source_ref), in the same transaction as its changes: a re-run
  of the same deliverable skips those rows (counted ``unchanged``), so it creates and
  changes nothing; a killed run leaves whole batches only, and the re-run completes it;
- each row ends in exactly one count: ``imported`` (INSERT), ``updated`` (UPDATE that
  changed something), ``unchanged`` (UPDATE that changed nothing, a structure §7 found
  already there, or a row a previous run of this deliverable applied) or
  ``not_imported`` (a finding of severity error says why). CONFIG rows are counted
  apart (``config_rows``): they configure, they are not contacts.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from ..errors import InputError
from ..findings import concat_findings, empty_findings, findings_frame
from . import apply, bulk, insert_only
from .codes import message_of, severity_of
from .plan import Decision, isin, Keys, Lookups, build_stage, decide_rows, derive_keys, resolve_config_rows, resolve_round_structures
from .store import Catalogue, ContactStore

DEFAULT_AUTO_RANGE = ("auto", 100_000_000, 999_999_999_999)


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


def row_keys(deliverable_id: str, source_refs: pd.Index) -> np.ndarray:
    """The journal key of each row: blake2b-128 of deliverable id and source_ref (no personal value)."""
    base = hashlib.blake2b(deliverable_id.encode() + b"\x00", digest_size=16)
    keys = np.empty(len(source_refs), dtype=object)
    for i, ref in enumerate(source_refs.tolist()):  # a plain list: iterating an Arrow-backed index is slower
        h = base.copy()  # the prefix is hashed once
        h.update(ref.encode())
        keys[i] = h.hexdigest()
    return keys


def import_contacts(store: ContactStore, contacts: pd.DataFrame, *, run_id: str, deliverable_id: str,
                    batch_rows: int = 50_000, operation: str = "import",
                    on_batch: Callable[[int, int], None] | None = None) -> ImportResult:
    """Apply ``contacts`` (a SecuTix frame of valid rows, index source_ref) to ``store``.

    See the module docstring for the transaction, idempotence and counting contract.
    ``on_batch(done_rows, total_rows)`` is called after each committed batch (progress).
    """
    if batch_rows <= 0:
        raise ValueError("batch_rows must be positive")
    duplicated = contacts.index.duplicated()
    if duplicated.any():  # the journal keys rows by source_ref: a file must name each row once
        raise InputError("the same source_ref names two rows", row=str(contacts.index[duplicated][0]))
    started = datetime.now(timezone.utc)
    frame, n_config = resolve_config_rows(contacts)
    result = ImportResult(run_id=run_id, deliverable_id=deliverable_id, rows_in=len(contacts), config_rows=n_config)
    keys_all = pd.Series(row_keys(deliverable_id, frame.index), index=frame.index)
    findings: list[pd.DataFrame] = []
    total = len(frame)
    for start in range(0, total, batch_rows):
        batch = frame.iloc[start:start + batch_rows]
        with store.transaction() as conn:
            _lock(conn)
            catalogue = store.catalogue(conn)
            done = _journaled(conn, keys_all.iloc[start:start + batch_rows])
            result.unchanged += int(done.sum())
            todo = batch[~done.to_numpy()]
            for rows in _rounds(todo):
                _apply_round(conn, rows, keys_all, catalogue, result, findings, run_id=run_id,
                             deliverable_id=deliverable_id)
        if on_batch:
            on_batch(min(start + batch_rows, total), total)
    result.findings = concat_findings(findings)
    with store.transaction() as conn:
        conn.execute(text("INSERT INTO import_run (run_id, deliverable_id, operation, started_at, finished_at, counts) "
                          "VALUES (:run, :deliverable, :op, :started, :finished, :counts)"),
                     {"run": run_id, "deliverable": deliverable_id, "op": operation, "started": _ts(conn, started),
                      "finished": _ts(conn, datetime.now(timezone.utc)), "counts": json.dumps(result.counts())})
    return result


def _ts(conn: Connection, value: datetime):
    return value.isoformat(sep=" ") if conn.dialect.name == "sqlite" else value


def _lock(conn: Connection) -> None:
    """One writer at a time (SQLite: BEGIN IMMEDIATE already holds the write lock)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE contact IN SHARE ROW EXCLUSIVE MODE")


def _journaled(conn: Connection, keys: pd.Series) -> pd.Series:
    """True for rows an earlier run of this deliverable applied."""
    bulk.load_temp(conn, "stx_rowkeys", pd.DataFrame({"k": keys.to_numpy()}))
    found = {r[0] for r in conn.exec_driver_sql("SELECT r.row_key FROM import_row r JOIN stx_rowkeys k ON r.row_key = k.k")}
    return pd.Series(isin(keys.to_numpy(), list(found)), index=keys.index) if found else pd.Series(False, index=keys.index)


def _rounds(rows: pd.DataFrame):
    """Split rows so that no contact number appears twice in one round (later rows see earlier ones)."""
    if not len(rows):
        return
    nr = rows["CONTACT_NR"]
    occurrence = nr.groupby(nr).cumcount().where(nr != "", 0)
    if occurrence.max() == 0:
        yield rows
        return
    for k in range(int(occurrence.max()) + 1):
        yield rows[(occurrence == k).to_numpy()]


def _lookup(conn: Connection, keys: Keys) -> Lookups:
    numbers = keys.contact_nr[keys.contact_nr != ""].unique()
    bulk.load_temp(conn, "stx_numbers", pd.DataFrame({"k": pd.Series(numbers, dtype="str")}))
    contacts = bulk.fetch_frame(
        conn, "SELECT c.contact_nr, c.id, c.kind, c.status, c.structure_id FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k",
        ["contact_nr", "id", "kind", "status", "structure_id"]).set_index("contact_nr")
    match = keys.match_key[keys.match_key != ""].unique()
    if len(match):
        bulk.load_temp(conn, "stx_match", pd.DataFrame({"k": pd.Series(match, dtype="str")}))
        rows = conn.exec_driver_sql(
            "SELECT c.match_key, MIN(c.id), MIN(c.contact_nr) FROM contact c JOIN stx_match k ON c.match_key = k.k "
            "WHERE c.kind = 'structure' AND c.status <> 'anonymized' GROUP BY c.match_key").all()
    else:
        rows = []
    structures = pd.DataFrame(rows, columns=["match_key", "id", "contact_nr"]).set_index("match_key")
    return Lookups(contacts=contacts, structures=structures)


def _apply_round(conn: Connection, rows: pd.DataFrame, keys_all: pd.Series, catalogue: Catalogue, result: ImportResult,
                 findings: list[pd.DataFrame], *, run_id: str, deliverable_id: str) -> None:
    keys = derive_keys(rows)
    found = _lookup(conn, keys)
    taken = pd.Series(isin(keys.contact_nr, found.contacts.index), index=rows.index)
    d = decide_rows(rows, keys, found, catalogue, taken_numbers=taken)
    self_ids, self_numbers, structure_ids, structure_numbers = _allocate(conn, rows, d, findings)
    resolve_round_structures(keys, d, self_ids, structure_ids)
    stage = build_stage(rows, keys, d, self_ids=self_ids, self_numbers=self_numbers, structure_ids=structure_ids,
                        structure_numbers=structure_numbers, institution_ids=rows["INSTITUTION"].map(pd.Series(catalogue.institutions, dtype="Int64")))
    findings += [d.errors, d.warnings]
    now = _ts(conn, datetime.now(timezone.utc))
    has_updates = bool((d.outcome == "update").any())
    changed: set[int] = set()
    if len(stage.contacts):
        stage.contacts.insert(0, "row_key", keys_all.reindex(stage.contacts["source_ref"]).to_numpy())
        if has_updates:
            apply.load_stage(conn, stage.contacts, stage.criteria, stage.admin, has_updates=has_updates)
            changed = apply.apply_stage(conn, run_id=run_id, now=now, deliverable_id=deliverable_id, has_updates=has_updates)
        else:  # new contacts only: the final rows loaded as they are (insert_only.py)
            insert_only.write_final(conn, insert_only.final_rows(stage, run_id=run_id, deliverable_id=deliverable_id,
                                                                 now=now))
    updates = d.outcome == "update"
    row_changed = pd.Series(False, index=rows.index)
    if has_updates:
        targets = stage.row_targets.reindex(rows.index)
        row_changed = updates & (targets["self"].isin(changed) | targets["structure"].isin(changed)).fillna(False)
        apply.touch_contacts(conn, changed, run_id=run_id, now=now)
        unchanged_keys = keys_all.reindex(rows.index[updates & ~row_changed])
        if len(unchanged_keys):
            bulk.load_temp(conn, "stx_unchanged", pd.DataFrame({"k": unchanged_keys.to_numpy()}))
            conn.exec_driver_sql("UPDATE import_row SET action = 'unchanged' WHERE row_key IN (SELECT k FROM stx_unchanged)")
    matched = d.outcome == "matched"
    if matched.any():
        journal = pd.DataFrame({"row_key": keys_all.reindex(rows.index[matched]).to_numpy(), "run_id": run_id,
                                "deliverable_id": deliverable_id, "source_ref": rows.index[matched].astype("str"),
                                "contact_id": pd.array(d.target_id[matched], dtype="Int64"), "action": "matched"})
        bulk.insert_frame(conn, "import_row", journal)
    result.imported += int((d.outcome == "insert").sum())
    result.updated += int(row_changed.sum())
    result.unchanged += int((updates & ~row_changed).sum() + matched.sum())
    result.not_imported += int((d.outcome == "error").sum())


def _allocate(conn: Connection, rows: pd.DataFrame, d: Decision, findings: list[pd.DataFrame]):
    """Ids for every new contact; numbers for new contacts without CONTACT_NR and for new structures.

    Rows the automatic range cannot serve become errors (IMPORT_NUMBER_RANGE_EXHAUSTED).
    """
    inserts = d.outcome == "insert"
    need_self_nr = inserts & (rows["CONTACT_NR"] == "")
    need_structure = d.new_structure & inserts
    n_numbers = int(need_self_nr.sum() + need_structure.sum())
    numbers = _allocate_numbers(conn, n_numbers) if n_numbers else []
    if len(numbers) < n_numbers:
        short_self = need_self_nr & (need_self_nr.cumsum() > len(numbers))
        left = max(len(numbers) - int(need_self_nr.sum()), 0)
        short_structure = need_structure & (need_structure.cumsum() > left)
        short = short_self | short_structure
        code = "IMPORT_NUMBER_RANGE_EXHAUSTED"
        refs = pd.Series(rows.index[short], index=rows.index[short], dtype="str")
        findings.append(findings_frame(refs, rows["CONTACT_NR"][short], "CONTACT_NR", code, severity_of(code),
                                       message_of(code), ""))
        d.outcome = d.outcome.mask(short, "error")
        d.new_structure = d.new_structure & ~short
        d.first_creator = d.first_creator & ~short
        inserts, need_self_nr, need_structure = inserts & ~short, need_self_nr & ~short, need_structure & ~short
    n_self, n_struct = int(inserts.sum()), int(need_structure.sum())
    first_id = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM contact").scalar_one() + 1
    self_ids = pd.Series(np.arange(first_id, first_id + n_self, dtype=np.int64), index=rows.index[inserts])
    structure_ids = pd.Series(np.arange(first_id + n_self, first_id + n_self + n_struct, dtype=np.int64),
                              index=rows.index[need_structure])
    k = int(need_self_nr.sum())
    self_numbers = pd.Series(numbers[:k], index=rows.index[need_self_nr], dtype="str")
    structure_numbers = pd.Series(numbers[k:k + n_struct], index=rows.index[need_structure], dtype="str")
    return self_ids, self_numbers, structure_ids, structure_numbers


def _allocate_numbers(conn: Connection, n: int) -> list[str]:
    """Take ``n`` free numbers from the ``auto`` range (created on first use), skipping taken ones."""
    row = conn.exec_driver_sql("SELECT first, last, next_value FROM contact_number_range WHERE name = 'auto'").first()
    if row is None:
        name, first, last = DEFAULT_AUTO_RANGE
        conn.execute(text("INSERT INTO contact_number_range (name, purpose, first, last, next_value) "
                          "VALUES (:n, 'auto', :f, :l, :f)"), {"n": name, "f": first, "l": last})
        row = (first, last, first)
    _first, last, next_value = row
    taken_out: list[str] = []
    start = next_value
    while len(taken_out) < n and start <= last:
        want = n - len(taken_out)
        stop = min(start + want + 16, last + 1)
        candidates = pd.Series(np.arange(start, stop, dtype=np.int64).astype(str), dtype="str")
        bulk.load_temp(conn, "stx_numbers", pd.DataFrame({"k": candidates}))
        used = {r[0] for r in conn.exec_driver_sql("SELECT c.contact_nr FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k")}
        free = candidates[~candidates.isin(used)].tolist()[:want]
        taken_out += free
        start = int(free[-1]) + 1 if len(free) == want else stop
    conn.execute(text("UPDATE contact_number_range SET next_value = :v WHERE name = 'auto'"),
                 {"v": int(taken_out[-1]) + 1 if taken_out else start})
    return taken_out
