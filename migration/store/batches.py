"""One batch of an import in two steps: plan it (reads and pandas), then write it (one transaction).

``plan_batch`` only reads the store; everything it decides is in the returned
:class:`BatchPlan`, and ``write_batch`` applies that plan inside the writer's transaction.
The split lets the engine plan the next batch on a second connection while the current
one is written (``importer.py``). Rows planned but not yet committed are seen by the
next plan through an :class:`InFlight` overlay: the contacts, structures, ids and
numbers those rows create, exactly what the store's lookups would return once they are
written. A batch with several rounds plans its later rounds over its earlier ones the
same way.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from ..findings import findings_frame
from . import apply, bulk, insert_only
from .codes import message_of, severity_of
from ..text_arrays import text_isin
from .catalogue import Catalogue
from .decide import Decision, Keys, Lookups, decide_rows, derive_keys, resolve_round_structures
from .stage import Stage, build_stage

DEFAULT_AUTO_RANGE = ("auto", 100_000_000, 999_999_999_999)


def timestamp(conn: Connection, value: datetime):
    return value.isoformat(sep=" ") if conn.dialect.name == "sqlite" else value


@dataclass
class InFlight:
    """What planned, not yet committed rounds create (the overlay of the store's lookups)."""

    contacts: list[pd.DataFrame] = field(default_factory=list)     # contact_nr, id, kind, status, structure_id
    structures: list[pd.DataFrame] = field(default_factory=list)   # match_key, id, contact_nr
    max_id: int = 0
    auto_range: tuple[int, int, int] | None = None                 # (first, last, next_value) after those rounds

    def add(self, stage: Stage, auto_range: tuple[int, int, int] | None) -> None:
        s = stage.contacts
        if len(s):
            new = s[(s["op"] == "I").to_numpy()]
            self.contacts.append(pd.DataFrame({"contact_nr": new["contact_nr"].astype("str").to_numpy(),
                                               "id": new["target_id"].to_numpy(), "kind": new["kind"].to_numpy(),
                                               "status": "active", "structure_id": new["structure_id"].to_numpy()}))
            created = new[(new["kind"] == "structure").to_numpy()]
            self.structures.append(pd.DataFrame({"match_key": created["match_key"].astype("str").to_numpy(),
                                                 "id": created["target_id"].to_numpy(),
                                                 "contact_nr": created["contact_nr"].astype("str").to_numpy()}))
            if len(new):
                self.max_id = max(self.max_id, int(new["target_id"].max()))
        if auto_range is not None:
            self.auto_range = auto_range

    def add_new(self, new: insert_only.NewContacts, auto_range: tuple[int, int, int] | None) -> None:
        """An insert-only round's new contacts (``insert_only.new_contact_tables``)."""
        if len(new.ids):
            self.contacts.append(pd.DataFrame({"contact_nr": new.contact_nr, "id": new.ids, "kind": new.kinds,
                                               "status": "active",
                                               "structure_id": pd.array(new.structure_ids, dtype="Int64")}))
            created = np.asarray(new.kinds == "structure", dtype=bool)
            self.structures.append(pd.DataFrame({"match_key": new.match_keys[created], "id": new.ids[created],
                                                 "contact_nr": new.contact_nr[created]}))
            self.max_id = max(self.max_id, int(new.ids.max()))
        if auto_range is not None:
            self.auto_range = auto_range

    @classmethod
    def of(cls, plan: "BatchPlan") -> "InFlight":
        """The overlay of a planned batch (for planning the next one while it is written)."""
        overlay = cls()
        for r in plan.rounds:
            if r.created is not None:
                overlay.add_new(r.created, r.auto_range)
            else:
                overlay.add(r.stage, r.auto_range)
        return overlay

    def numbers(self) -> pd.Series:
        """The contact numbers these rounds take (text; no Python string per number when they come from Arrow)."""
        return pd.concat([c["contact_nr"].astype("str") for c in self.contacts], ignore_index=True) if self.contacts \
            else pd.Series([], dtype="str")


@dataclass
class RoundPlan:
    rows: pd.DataFrame
    d: Decision
    stage: Stage
    findings: list[pd.DataFrame]
    auto_range: tuple[int, int, int] | None       # the range's state to write (None: untouched)
    final: insert_only.Prepared | None = None     # insert-only rounds: the rows, ready to load
    created: insert_only.NewContacts | None = None  # insert-only rounds: the contacts they create
    now: object = None


@dataclass
class BatchPlan:
    already: int                                  # rows a previous run of this deliverable applied
    rounds: list[RoundPlan]
    keys: pd.Series                               # the batch's journal keys (``row_keys``), by source_ref

    def discard(self) -> None:
        """The plan will not be written (planned again, or the import ended): delete its scratch files."""
        for r in self.rounds:
            if r.final is not None:
                r.final.discard()


def row_keys(deliverable_id: str, source_refs: pd.Index) -> np.ndarray:
    """The journal key of each row: blake2b-128 of deliverable id and source_ref (no personal value)."""
    base = hashlib.blake2b(deliverable_id.encode() + b"\x00", digest_size=16)
    keys = np.empty(len(source_refs), dtype=object)
    for i, ref in enumerate(source_refs.tolist()):  # a plain list: iterating an Arrow-backed index is slower
        h = base.copy()  # the prefix is hashed once
        h.update(ref.encode())
        keys[i] = h.hexdigest()
    return keys


def plan_batch(conn: Connection, batch: pd.DataFrame, catalogue: Catalogue, overlay: InFlight, *,
               run_id: str, deliverable_id: str, new_deliverable: bool = False) -> BatchPlan:
    """Plan ``batch`` reading the store through ``conn`` (nothing is written); ``overlay`` grows with its rounds.

    ``new_deliverable``: the journal holds no row of this deliverable but this import's
    own (``deliverable_journaled`` said so, and nobody wrote since): no row to look up.
    """
    keys = pd.Series(row_keys(deliverable_id, batch.index), index=batch.index)  # hashed here: on the planner's thread
    done = pd.Series(False, index=batch.index) if new_deliverable else journaled(conn, keys)
    todo = batch[~done.to_numpy()]
    plans = [_plan_round(conn, rows, keys, catalogue, overlay, run_id=run_id, deliverable_id=deliverable_id)
             for rows in _rounds(todo)]
    return BatchPlan(already=int(done.sum()), rounds=plans, keys=keys)


def deliverable_journaled(conn: Connection, deliverable_id: str) -> bool:
    """Whether any row of this deliverable is in the journal (one scan, instead of a lookup per row)."""
    return conn.execute(text("SELECT 1 FROM import_row WHERE deliverable_id = :d LIMIT 1"),
                        {"d": deliverable_id}).first() is not None


def journaled(conn: Connection, keys: pd.Series) -> pd.Series:
    """True for rows an earlier run of this deliverable applied."""
    bulk.load_temp(conn, "stx_rowkeys", pd.DataFrame({"k": keys.to_numpy()}))
    found = {r[0] for r in conn.exec_driver_sql("SELECT r.row_key FROM import_row r JOIN stx_rowkeys k ON r.row_key = k.k")}
    return pd.Series(text_isin(keys.to_numpy(), list(found)), index=keys.index) if found else pd.Series(False, index=keys.index)


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


def _plan_round(conn: Connection, rows: pd.DataFrame, journal_keys: pd.Series, catalogue: Catalogue,
                overlay: InFlight, *, run_id: str, deliverable_id: str) -> RoundPlan:
    keys = derive_keys(rows)
    found = _lookup(conn, keys, overlay)
    taken = pd.Series(text_isin(keys.contact_nr, found.contacts.index), index=rows.index)
    d = decide_rows(rows, keys, found, catalogue, taken_numbers=taken)
    findings: list[pd.DataFrame] = []
    self_ids, self_numbers, structure_ids, structure_numbers, auto_range = _allocate(conn, rows, d, findings, overlay)
    resolve_round_structures(keys, d, self_ids, structure_ids)
    ids = dict(self_ids=self_ids, self_numbers=self_numbers, structure_ids=structure_ids,
               structure_numbers=structure_numbers,
               institution_ids=rows["INSTITUTION"].map(pd.Series(catalogue.institutions, dtype="Int64")))
    findings += [d.errors, d.warnings]
    if not (d.outcome == "update").any():  # new contacts only: the final rows, ready to load (insert_only.py)
        now = timestamp(conn, datetime.now(timezone.utc))
        tables, created = insert_only.new_contact_tables(rows, keys, d, **ids,
                                                         row_keys=journal_keys.reindex(rows.index).to_numpy(),
                                                         run_id=run_id, deliverable_id=deliverable_id, now=str(now))
        overlay.add_new(created, auto_range)
        return RoundPlan(rows=rows, d=d, stage=Stage(*(pd.DataFrame() for _ in range(4))), findings=findings,
                         auto_range=auto_range, final=insert_only.prepare(conn, tables) if tables else None,
                         created=created, now=now)
    stage = build_stage(rows, keys, d, **ids)
    if len(stage.contacts):
        stage.contacts.insert(0, "row_key", journal_keys.reindex(stage.contacts["source_ref"]).to_numpy())
    overlay.add(stage, auto_range)
    return RoundPlan(rows=rows, d=d, stage=stage, findings=findings, auto_range=auto_range)


def _lookup(conn: Connection, keys: Keys, overlay: InFlight) -> Lookups:
    numbers = keys.contact_nr[keys.contact_nr != ""].unique()
    bulk.load_temp(conn, "stx_numbers", pd.DataFrame({"k": pd.Series(numbers, dtype="str")}))
    contacts = bulk.fetch_frame(
        conn, "SELECT c.contact_nr, c.id, c.kind, c.status, c.structure_id FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k",
        ["contact_nr", "id", "kind", "status", "structure_id"])
    if overlay.contacts:
        flying = pd.concat(overlay.contacts, ignore_index=True)
        flying = flying[text_isin(flying["contact_nr"], numbers)]
        # the store may already hold them (their batch committed meanwhile): one line per number
        contacts = pd.concat([contacts, flying], ignore_index=True).drop_duplicates("contact_nr")
    contacts = contacts.set_index("contact_nr")
    match = keys.match_key[keys.match_key != ""].unique()
    if len(match):
        bulk.load_temp(conn, "stx_match", pd.DataFrame({"k": pd.Series(match, dtype="str")}))
        rows = conn.exec_driver_sql(
            # the batch's keys drive the join (SQLite would otherwise walk the whole match-key index, for
            # the GROUP BY's order: a scan of every structure of the store, batch after batch)
            "SELECT c.match_key, MIN(c.id), MIN(c.contact_nr) FROM stx_match k CROSS JOIN contact c "
            "WHERE c.match_key = k.k AND c.kind = 'structure' AND c.status <> 'anonymized' GROUP BY c.match_key").all()
    else:
        rows = []
    structures = pd.DataFrame(rows, columns=["match_key", "id", "contact_nr"])
    if overlay.structures and len(match):
        flying = pd.concat(overlay.structures, ignore_index=True)
        flying = flying[text_isin(flying["match_key"], match)]
        structures = pd.concat([structures, flying], ignore_index=True).drop_duplicates("match_key")
    return Lookups(contacts=contacts, structures=structures.set_index("match_key"))


def _allocate(conn: Connection, rows: pd.DataFrame, d: Decision, findings: list[pd.DataFrame], overlay: InFlight):
    """Ids for every new contact; numbers for new contacts without CONTACT_NR and for new structures.

    Rows the automatic range cannot serve become errors (IMPORT_NUMBER_RANGE_EXHAUSTED).
    """
    inserts = d.outcome == "insert"
    need_self_nr = inserts & (rows["CONTACT_NR"] == "")
    need_structure = d.new_structure & inserts
    n_numbers = int(need_self_nr.sum() + need_structure.sum())
    own = rows["CONTACT_NR"][(inserts & (rows["CONTACT_NR"] != "")).to_numpy()].unique()  # numbers this round takes
    numbers, auto_range = _allocate_numbers(conn, n_numbers, overlay, own) if n_numbers else ([], None)
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
    first_id = max(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM contact").scalar_one(), overlay.max_id) + 1
    # the structures relays create take the lower ids: in id order, every structure comes before its relays
    # (SQLite appends rows in rowid order cheaply; a foreign key is met the moment its row lands)
    structure_ids = pd.Series(np.arange(first_id, first_id + n_struct, dtype=np.int64), index=rows.index[need_structure])
    self_ids = pd.Series(np.arange(first_id + n_struct, first_id + n_struct + n_self, dtype=np.int64),
                         index=rows.index[inserts])
    k = int(need_self_nr.sum())
    self_numbers = pd.Series(numbers[:k], index=rows.index[need_self_nr], dtype="str")
    structure_numbers = pd.Series(numbers[k:k + n_struct], index=rows.index[need_structure], dtype="str")
    return self_ids, self_numbers, structure_ids, structure_numbers, auto_range


def _allocate_numbers(conn: Connection, n: int, overlay: InFlight, own: np.ndarray) -> tuple[list[str], tuple[int, int, int]]:
    """Take ``n`` free numbers from the ``auto`` range (created on first use), skipping taken ones.

    Taken: in the store, by rounds planned but not written (``overlay``), or by an INSERT
    row of this very round that names it (``own``).

    Returns the numbers and the range's new state; ``write_batch`` stores it.
    """
    if overlay.auto_range is not None:
        first, last, next_value = overlay.auto_range
    else:
        row = conn.exec_driver_sql("SELECT first, last, next_value FROM contact_number_range WHERE name = 'auto'").first()
        first, last, next_value = row if row is not None else (DEFAULT_AUTO_RANGE[1], DEFAULT_AUTO_RANGE[2],
                                                                DEFAULT_AUTO_RANGE[1])
    flying = pd.concat([overlay.numbers(), pd.Series(own, dtype="str")], ignore_index=True)
    taken_out: list[str] = []
    start = next_value
    while len(taken_out) < n and start <= last:
        want = n - len(taken_out)
        stop = min(start + want + 16, last + 1)
        candidates = pd.Series(np.arange(start, stop, dtype=np.int64).astype(str), dtype="str")
        bulk.load_temp(conn, "stx_numbers", pd.DataFrame({"k": candidates}))
        used = {r[0] for r in conn.exec_driver_sql("SELECT c.contact_nr FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k")}
        free = candidates[~candidates.isin(used) & ~text_isin(candidates, flying)].tolist()[:want]
        taken_out += free
        start = int(free[-1]) + 1 if len(free) == want else stop
    return taken_out, (first, last, int(taken_out[-1]) + 1 if taken_out else start)


@dataclass
class Counts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    not_imported: int = 0


def write_batch(conn: Connection, plan: BatchPlan, *, run_id: str, deliverable_id: str,
                findings: list[pd.DataFrame]) -> Counts:
    """Apply a planned batch inside the caller's (writer's) transaction; returns its counts."""
    counts = Counts(unchanged=plan.already)
    for r in plan.rounds:
        _write_round(conn, r, plan.keys, counts, findings, run_id=run_id, deliverable_id=deliverable_id)
    return counts


def _write_round(conn: Connection, r: RoundPlan, keys: pd.Series, counts: Counts, findings: list[pd.DataFrame], *,
                 run_id: str, deliverable_id: str) -> None:
    rows, d, stage = r.rows, r.d, r.stage
    findings += r.findings
    if r.auto_range is not None:
        first, last, next_value = r.auto_range
        conn.execute(text("INSERT INTO contact_number_range (name, purpose, first, last, next_value) "
                          "VALUES (:n, 'auto', :f, :l, :v) ON CONFLICT (name) DO UPDATE SET next_value = excluded.next_value"),
                     {"n": DEFAULT_AUTO_RANGE[0], "f": first, "l": last, "v": next_value})
    now = r.now or timestamp(conn, datetime.now(timezone.utc))
    has_updates = bool((d.outcome == "update").any())
    changed: set[int] = set()
    if r.final is not None:
        insert_only.write_final(conn, r.final)
    elif len(stage.contacts):
        apply.load_stage(conn, stage.contacts, stage.criteria, stage.admin, has_updates=has_updates)
        changed = apply.apply_stage(conn, run_id=run_id, now=now, deliverable_id=deliverable_id, has_updates=has_updates)
    updates = d.outcome == "update"
    row_changed = pd.Series(False, index=rows.index)
    if has_updates:
        targets = stage.row_targets.reindex(rows.index)
        row_changed = updates & (targets["self"].isin(changed) | targets["structure"].isin(changed)).fillna(False)
        apply.touch_contacts(conn, changed, run_id=run_id, now=now)
        unchanged_keys = keys.reindex(rows.index[updates & ~row_changed])
        if len(unchanged_keys):
            bulk.load_temp(conn, "stx_unchanged", pd.DataFrame({"k": unchanged_keys.to_numpy()}))
            conn.exec_driver_sql("UPDATE import_row SET action = 'unchanged' WHERE row_key IN (SELECT k FROM stx_unchanged)")
    matched = d.outcome == "matched"
    if matched.any():
        journal = pd.DataFrame({"row_key": keys.reindex(rows.index[matched]).to_numpy(), "run_id": run_id,
                                "deliverable_id": deliverable_id, "source_ref": rows.index[matched].astype("str"),
                                "contact_id": pd.array(d.target_id[matched], dtype="Int64"), "action": "matched"})
        bulk.insert_frame(conn, "import_row", journal)
    counts.imported += int((d.outcome == "insert").sum())
    counts.updated += int(row_changed.sum())
    counts.unchanged += int((updates & ~row_changed).sum() + matched.sum())
    counts.not_imported += int((d.outcome == "error").sum())
