"""The decide half of planning an import: what each row of a round does to the store, for all rows at once.

Pure functions (no database): the engine (``importer.py``) looks things up in the
store (:class:`Keys` → :class:`Lookups`) and hands the answers in.

Vocabulary:
- a row's **kind**: individual, structure or relay (for UPDATE, the stored kind);
- a row's **outcome**: ``insert``, ``update`` (maybe ``unchanged`` once applied),
  ``matched`` (an INSERT of a structure already there by the structure match key) or ``error``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..text_arrays import (all_empty, as_str, given_cells, in_values, int_take, join_text, large_text, nonempty, positions,
                           scatter, str_of, str_take, to_bool, value_codes)
from .catalogue import MATCH_FIELDS, MATCH_SEPARATOR, Catalogue
from .codevalues import first_of, parse_admin, parse_criteria
from .columns import AUTH_COLUMNS, PERSON_FIELDS, STRUCTURE_FIELDS
from .round_findings import RoundErrors, findings_of, part_where

NEW_KINDS = ["", "individual", "structure", "relay"]   # by person + 2 × structure
OUTCOMES = ["error", "matched", "insert", "update"]


@dataclass
class Keys:
    """What the engine must look up for a round of rows."""

    op: pd.Series            # INSERT | UPDATE | other
    kind: pd.Series          # INSERT rows: individual | structure | relay | "" (no name)
    contact_nr: pd.Series
    match_key: pd.Series     # rows with OFFICIAL_NAME: the §7 key, else ""


def derive_keys(rows: pd.DataFrame) -> Keys:
    idx = rows.index
    op = large_text(rows["OPERATION"])
    op = pc.if_else(pc.equal(op, ""), "INSERT", pc.utf8_upper(op))   # (pandas' str.upper on Arrow strings)
    person = given_cells(large_text(rows["FIRSTNAME"])) | given_cells(large_text(rows["LASTNAME"]))
    structure = given_cells(large_text(rows["OFFICIAL_NAME"]))
    kind = str_of(NEW_KINDS, person + 2 * structure)
    return Keys(op=pd.Series(as_str(op), index=idx, name="OPERATION"), kind=pd.Series(kind, index=idx),
                contact_nr=rows["CONTACT_NR"], match_key=pd.Series(as_str(_match_key(rows, structure)), index=idx))


def match_keys(rows: pd.DataFrame) -> pd.Series:
    """The §7 structure identity: the 10 fields exactly as given, joined (no normalisation, Q13)."""
    return pd.Series(as_str(_match_key(rows)), index=rows.index)


def _match_key(rows: pd.DataFrame, where: np.ndarray | None = None) -> pa.Array:
    """The match keys as Arrow; with ``where``, only those rows are joined, the others get ""."""
    fields = [large_text(s if s.dtype == "str" else s.astype("str")) for s in (rows[f] for f in MATCH_FIELDS)]
    if where is None:
        return join_text(fields, MATCH_SEPARATOR)
    pos = np.flatnonzero(where)
    return scatter(len(rows), pos, join_text([f.take(pos) for f in fields], MATCH_SEPARATOR))


@dataclass
class Lookups:
    """The store's answers for one round (frames indexed by the looked-up key)."""

    contacts: pd.DataFrame     # index contact_nr; columns id, kind, status, structure_id
    structures: pd.DataFrame   # index match_key; columns id, contact_nr (structures not anonymized)


@dataclass
class Decision:
    outcome: pd.Series                 # insert | update | matched | error
    kind: pd.Series                    # the contact kind the row writes
    target_id: pd.Series               # Int64: existing contact (update / matched)
    structure_id: pd.Series            # Int64: relay's structure when it exists already
    new_structure: pd.Series           # bool: this row creates its relay's structure
    first_creator: pd.Series           # bool: first row of the round with a new structure key
    criteria: pd.DataFrame             # row, target (self|structure), criterion_id, element_id (NA = clear)
    admin: pd.DataFrame                # row, target, code, number ("=" = clear)
    errors: pd.DataFrame               # findings (error)
    warnings: pd.DataFrame             # findings (warning)
    # the row position (in the decided rows) of each criteria / admin line: targets without a text lookup
    criteria_rows: np.ndarray | None = None
    admin_rows: np.ndarray | None = None


def decide_rows(rows: pd.DataFrame, keys: Keys, found: Lookups, cat: Catalogue, *, taken_numbers: pd.Series) -> Decision:
    """Decide every row's outcome, target and the criteria/admin numbers it sets.

    ``taken_numbers``: bool per row, True when an INSERT's CONTACT_NR is already used
    (in the store or by an earlier row of this import).

    Masks are numpy arrays over the rows (``keys`` and ``taken_numbers`` are aligned with
    ``rows``), string tests run in Arrow, and lookups are Arrow hash lookups.
    """
    idx = rows.index
    err = RoundErrors(rows)
    warnings: list[tuple] = []   # findings parts, as findings_of takes them
    op = large_text(keys.op)
    is_insert, is_update = to_bool(pc.equal(op, "INSERT")), to_bool(pc.equal(op, "UPDATE"))
    err.add(~(is_insert | is_update), "IMPORT_UNKNOWN_OPERATION", "OPERATION", rows["OPERATION"])
    err.add(~in_values(large_text(rows["INSTITUTION"]), cat.institutions), "IMPORT_UNKNOWN_INSTITUTION", "INSTITUTION",
            rows["INSTITUTION"])

    # UPDATE: the stored contact
    nr = large_text(keys.contact_nr)
    has_nr = nonempty(nr)
    stored = np.where(has_nr, positions(nr, found.contacts.index), -1)   # line of found.contacts, -1: none
    stored_id = int_take(found.contacts["id"], stored)
    err.add(is_update & ~has_nr, "IMPORT_CONTACT_NR_MISSING", "CONTACT_NR")
    err.add(is_update & stored_id.isna(), "IMPORT_CONTACT_NOT_FOUND", "CONTACT_NR", keys.contact_nr)
    anonymized = to_bool(pc.equal(str_take(found.contacts["status"], stored), "anonymized"))
    err.add(is_update & anonymized, "IMPORT_CONTACT_ANONYMIZED", "CONTACT_NR", keys.contact_nr)
    kind = large_text(keys.kind)
    if not is_insert.all():  # other rows have the stored contact's kind
        kind = pc.if_else(pa.array(is_insert), kind, pc.fill_null(str_take(found.contacts["kind"], stored), ""))
    k = _kind_codes(kind)
    is_individual, is_structure, is_relay = k == 0, k == 1, k == 2
    structural = is_structure | is_relay

    # INSERT: name rule and numbers
    err.add(is_insert & to_bool(pc.equal(kind, "")), "IMPORT_NO_NAME", "LASTNAME")
    err.add(is_insert & taken_numbers.to_numpy(dtype=bool) & has_nr, "IMPORT_CONTACT_NR_TAKEN", "CONTACT_NR",
            keys.contact_nr)

    # §7: structures already in the store, or first seen in this round
    mk = large_text(keys.match_key)
    has_key = nonempty(mk)
    known_structure = np.where(has_key, positions(mk, found.structures.index), -1)
    existing = int_take(found.structures["id"], known_structure)
    exists = ~existing.isna()
    matched = is_insert & is_structure & has_key & exists
    if matched.any():
        matched_nr = pc.fill_null(str_take(found.structures["contact_nr"], known_structure), "")
        err.add(matched & has_nr & to_bool(pc.not_equal(matched_nr, nr), null=True), "IMPORT_STRUCTURE_NR_CONFLICT",
                "CONTACT_NR", keys.contact_nr)
    relay_update = is_update & is_relay & has_key
    err.add(relay_update & ~exists, "IMPORT_STRUCTURE_MISSING", "OFFICIAL_NAME", rows["OFFICIAL_NAME"])

    # codes the environment must know (only where they apply)
    for col, known, code in (("STRUCT_TYPE", cat.structure_types, "IMPORT_UNKNOWN_STRUCT_TYPE"),
                             ("COMMUNITY_TYPE", cat.community_types, "IMPORT_UNKNOWN_COMMUNITY_TYPE")):
        v = large_text(rows[col])
        if not all_empty(v):
            err.add(structural & given_cells(v) & ~in_values(v, known), code, col, rows[col])

    criteria, criteria_rows = parse_criteria(rows, k, cat, err, warnings)
    admin, admin_rows = parse_admin(rows, k, is_insert, cat, err, warnings)
    warnings += _not_applicable(rows, is_individual, is_structure, is_relay, is_insert)

    failed = err.failed
    ok = ~failed
    # a structure new in this round is created by the first row with its key; later rows share it
    creators = ok & is_insert & structural & has_key & ~exists
    first = np.zeros(len(rows), dtype=bool)
    at = np.flatnonzero(creators)
    if len(at):
        first[at[first_of(value_codes(mk.take(at)))[1]]] = True
    matched = ok & (matched | (creators & ~first & is_structure))
    outcome = str_of(OUTCOMES, np.select([failed, matched, is_insert, is_update], [0, 1, 2, 3], 0))
    target_id = existing.copy()
    target_id[~matched] = pd.NA
    target_id[is_update] = stored_id[is_update]
    structure_id = existing.copy()
    structure_id[~((is_insert & is_relay) | relay_update)] = pd.NA
    if len(criteria):
        kept = ok[criteria_rows]
        criteria, criteria_rows = criteria[kept], criteria_rows[kept]
    if len(admin):
        kept = ok[admin_rows]
        admin, admin_rows = admin[kept], admin_rows[kept]
    return Decision(outcome=pd.Series(outcome, index=idx), kind=pd.Series(as_str(kind), index=idx, name=keys.kind.name),
                    target_id=pd.Series(target_id, index=idx, name="id"),
                    structure_id=pd.Series(structure_id, index=idx, name="id"),
                    new_structure=pd.Series(first & is_relay, index=idx), first_creator=pd.Series(first, index=idx),
                    criteria=criteria, admin=admin, errors=err.findings(),
                    warnings=findings_of(rows, [part_where(w, ok[w[0]]) for w in warnings]),
                    criteria_rows=np.asarray(criteria_rows, dtype=np.int64), admin_rows=np.asarray(admin_rows, dtype=np.int64))


def resolve_round_structures(keys: Keys, d: Decision, self_ids: pd.Series, structure_ids: pd.Series) -> None:
    """Point later rows of a round at the structure its first row creates (in place)."""
    first = np.flatnonzero(d.first_creator.to_numpy(dtype=bool))
    if not len(first):
        return
    kind, outcome = large_text(d.kind), large_text(d.outcome)
    in_round_match = to_bool(pc.equal(outcome, "matched")) & d.target_id.isna().to_numpy()
    relay_join = (to_bool(pc.equal(outcome, "insert")) & to_bool(pc.equal(kind, "relay")) & ~d.new_structure.to_numpy(dtype=bool)
                  & d.structure_id.isna().to_numpy())
    joining = np.flatnonzero(in_round_match | relay_join)
    if not len(joining):
        return
    # the id each first row created: its own (a structure) or its new structure's (a relay)
    labels = large_text(d.first_creator.index).take(first)
    created = np.where(to_bool(pc.equal(kind.take(first), "structure")), _id_of(self_ids, labels), _id_of(structure_ids, labels))
    mk = large_text(keys.match_key)
    via_key = pd.array(np.full(len(mk), np.nan), dtype="Int64")
    via_key[joining] = pd.array(created, dtype="Int64").take(positions(mk.take(joining), mk.take(first)), allow_fill=True)
    for name, mask in (("target_id", in_round_match), ("structure_id", relay_join)):
        if mask.any():
            values = getattr(d, name)
            array = values.array.copy()
            array[mask] = via_key[mask]
            setattr(d, name, pd.Series(array, index=values.index, name=values.name))


def _id_of(ids: pd.Series, labels: pa.Array) -> np.ndarray:
    """``ids`` (indexed by row label) at ``labels``, as float (NaN: none), as ``reindex`` gives them."""
    return np.append(ids.to_numpy(dtype=float), np.nan)[positions(labels, ids.index)]   # -1 → the NaN


def _not_applicable(rows: pd.DataFrame, is_individual: np.ndarray, is_structure: np.ndarray, is_relay: np.ndarray,
                    is_insert: np.ndarray) -> list[tuple]:
    """Warnings (findings parts) for values given in columns that do not apply to the row's kind."""
    person_only = [c for c in PERSON_FIELDS if c not in STRUCTURE_FIELDS] + AUTH_COLUMNS
    structure_only = [c for c in STRUCTURE_FIELDS if c not in PERSON_FIELDS and c != "OFFICIAL_NAME"] + ["ADMIN_NUMBER"]
    relay_update = is_relay & ~is_insert
    update = ~is_insert
    masks = {}
    for col in person_only:  # FIRSTNAME/LASTNAME decide the kind on INSERT: only an UPDATE of a structure ignores them
        masks[col] = is_structure & (update if col in ("FIRSTNAME", "LASTNAME") else True)
    for col in structure_only:
        masks[col] = is_individual | relay_update
    masks["OFFICIAL_NAME"] = is_individual
    parts = []
    for col, applies_not in masks.items():
        if not applies_not.any():
            continue
        v = large_text(rows[col])
        if all_empty(v):  # most columns are empty throughout: no pass over them
            continue
        pos = np.flatnonzero(applies_not & given_cells(v))
        if len(pos):
            parts.append((pos, "IMPORT_FIELD_NOT_APPLICABLE", col, v.take(pos)))
    return parts


def _kind_codes(kind: pa.Array) -> np.ndarray:
    """0 individual, 1 structure, 2 relay, -1 none."""
    return positions(kind, pa.array(["individual", "structure", "relay"], pa.large_string()))
