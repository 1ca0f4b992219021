"""Planning an import in pandas: what each row does to the store, decided for all rows at once.

Pure functions (no database): the engine (``importer.py``) looks things up in the
store, hands the answers in, and turns the plan into set-based SQL (``apply.py``).

Vocabulary:
- a row's **kind**: individual, structure or relay (spec §4; for UPDATE, the stored kind);
- a row's **outcome**: ``insert``, ``update`` (maybe ``unchanged`` once applied),
  ``matched`` (an INSERT of a structure that §7 finds already there) or ``error``;
- the **stage**: one line per contact written (a relay row that creates its
  structure writes two: the relay, role ``self``, and the structure, role ``structure``),
  with NULL = keep and ``=`` = clear, already routed by kind.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import FINDING_COLUMNS, empty_findings
from .codes import message_of, severity_of
from .models import AUTHORIZATION_CHANNELS, MEAN_TYPES, USE_BITS
from .catalogue import MATCH_FIELDS, MATCH_SEPARATOR, Catalogue

CLEAR = "="
PERSON_FIELDS = ["TITLE", "LETTER_SALUTATION", "ADDR_SALUTATION", "FUNCTION", "REMARK", "FIRSTNAME", "LASTNAME",
                 "BIRTHDATE", "PREF_LANG"]
STRUCTURE_FIELDS = ["OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2", "STRUCT_TYPE", "COMMUNITY_TYPE", "NB_EMPLOYEES",
                    "WEB_SITE", "PREF_LANG", "REMARK"]
NEW_STRUCTURE_FIELDS = [f for f in STRUCTURE_FIELDS if f != "REMARK"]   # a relay row's remark is the relay's
CONTACT_FIELDS = list(dict.fromkeys(PERSON_FIELDS + STRUCTURE_FIELDS))
ADDRESS_FIELDS = ["LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN", "TOWN_COMPLEMENT", "DEPARTMENT", "COUNTRY"]
MEAN_COLUMNS = list(MEAN_TYPES)
AUTH_COLUMNS = list(AUTHORIZATION_CHANNELS)
CODEVALUE_COLUMNS = ["ADMIN_NUMBER"] + [f"CRIT{i:02d}" for i in range(1, 51)]
FIELDS_OF_KIND = {"individual": PERSON_FIELDS, "relay": PERSON_FIELDS, "structure": STRUCTURE_FIELDS}


def db(code: str) -> str:
    """Stage/table column name of a file column."""
    return code.lower()


def mean_col(code: str) -> str:
    """The contact column (and stage column) of a communication mean."""
    return code.lower()


def auth_col(code: str) -> str:
    """The contact column (and stage column) of a consent channel."""
    return "consent_" + code.lower()


# --- whole-file steps --------------------------------------------------------------------------
def resolve_config_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Apply CONFIG rows (spec §3.2) and drop them: returns (data rows, number of CONFIG rows).

    Per CodeValue column, the code a CONFIG row sets is carried forward to the next
    CONFIG row; a data cell holding only a value (or only ``=``) gets ``CODE=`` in front.
    """
    op = frame["OPERATION"].str.upper()
    is_config = op == "CONFIG"
    n_config = int(is_config.sum())
    if not n_config:
        return frame, 0
    frame = frame.copy()
    for col in [c for c in CODEVALUE_COLUMNS if c in frame.columns]:
        code = frame[col].where(is_config & (frame[col] != "")).ffill()
        cell = frame[col]
        bare = (~is_config) & code.notna() & (cell != "") & ((~cell.str.contains("=", regex=False)) | (cell == CLEAR))
        frame.loc[bare, col] = code[bare] + "=" + cell[bare]
    return frame[~is_config], n_config


# --- per-round steps ---------------------------------------------------------------------------
@dataclass
class Keys:
    """What the engine must look up for a round of rows."""

    op: pd.Series            # INSERT | UPDATE | other
    kind: pd.Series          # INSERT rows: individual | structure | relay | "" (no name)
    contact_nr: pd.Series
    match_key: pd.Series     # rows with OFFICIAL_NAME: the §7 key, else ""


def derive_keys(rows: pd.DataFrame) -> Keys:
    idx = rows.index
    op = _arrow(rows["OPERATION"])
    op = pc.if_else(pc.equal(op, ""), "INSERT", pc.utf8_upper(op))   # (pandas' str.upper on Arrow strings)
    person = _given_cells(_arrow(rows["FIRSTNAME"])) | _given_cells(_arrow(rows["LASTNAME"]))
    structure = _given_cells(_arrow(rows["OFFICIAL_NAME"]))
    kind = _str_of(NEW_KINDS, person + 2 * structure)
    return Keys(op=pd.Series(_str(op), index=idx, name="OPERATION"), kind=pd.Series(kind, index=idx),
                contact_nr=rows["CONTACT_NR"], match_key=pd.Series(_str(_match_key(rows, structure)), index=idx))


def match_keys(rows: pd.DataFrame) -> pd.Series:
    """The §7 structure identity: the 10 fields exactly as given, joined (no normalisation, Q13)."""
    return pd.Series(_str(_match_key(rows)), index=rows.index)


def _match_key(rows: pd.DataFrame, where: np.ndarray | None = None) -> pa.Array:
    """The match keys as Arrow; with ``where``, only those rows are joined, the others get ""."""
    fields = [_arrow(s if s.dtype == "str" else s.astype("str")) for s in (rows[f] for f in MATCH_FIELDS)]
    if where is None:
        return _join(fields, MATCH_SEPARATOR)
    pos = np.flatnonzero(where)
    return _scatter(len(rows), pos, _join([f.take(pos) for f in fields], MATCH_SEPARATOR))


def isin(values, allowed) -> np.ndarray:
    """Fast membership for string data (pandas' Arrow ``isin`` builds one scalar per allowed value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    allowed = pa.array(np.asarray(list(allowed) if not isinstance(allowed, (pd.Index, pd.Series, np.ndarray)) else allowed,
                                  dtype=object), type=pa.large_string(), from_pandas=True)
    return pc.is_in(arr, value_set=allowed).to_numpy(zero_copy_only=False).astype(bool)


def _given(s: pd.Series) -> pd.Series:
    return (s != "") & (s != CLEAR)


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


class _Errors:
    """First error per row wins (rows keep one place in the log).

    The checks run in priority order; each keeps only the rows no earlier check failed, as
    positions with their column and value, and the findings are built once, at the end.
    """

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows
        self.failed = np.zeros(len(rows), dtype=bool)
        self.parts: list[tuple] = []    # (positions, code, column, value), one per code

    def add(self, mask: np.ndarray, code: str, column: str, value: pd.Series | str = "") -> None:
        """``mask``: bool per row; ``value``: a str, or a Series of the rows (the failing rows' cells are logged)."""
        pos = np.flatnonzero(mask & ~self.failed)
        if len(pos):
            self.failed[pos] = True
            self.parts.append((pos, code, column, value if isinstance(value, str) else _arrow(value).take(pos)))

    def add_at(self, pos: np.ndarray, code: str, column: pa.Array | str, value: pa.Array | str) -> None:
        """Rows at ``pos`` (ascending), with a column and value each (or one str for all)."""
        keep = ~self.failed[pos]
        if keep.any():
            self.failed[pos[keep]] = True
            self.parts.append(_part_where((pos, code, column, value), keep))

    def findings(self) -> pd.DataFrame:
        # the log lists a round's errors code by code, codes in the order of their first row
        # (each check has a code of its own: one part per code)
        return _findings(self.rows, sorted(self.parts, key=lambda part: part[0][0]))


def _part_where(part: tuple, keep: np.ndarray) -> tuple:
    """The lines of a findings part (positions, code, column, value) where ``keep``."""
    pos, code, column, value = part
    mask = pa.array(keep)
    return (pos[keep], code, column if isinstance(column, str) else column.filter(mask),
            value if isinstance(value, str) else value.filter(mask))


def _findings(rows: pd.DataFrame, parts: list[tuple]) -> pd.DataFrame:
    """Findings (one line per position, parts in order) from parts (positions, code, column, value);
    ``column`` and ``value`` are a str or an Arrow array with one entry per position."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return empty_findings()
    pos = np.concatenate([p[0] for p in parts])

    def joined(values: list) -> pa.Array:
        return pa.concat_arrays([_repeat(v, len(p[0])) if isinstance(v, str) else v for p, v in zip(parts, values)])

    columns = {
        "source_ref": _arrow(rows.index).take(pos),
        "contact_nr": pc.fill_null(_arrow(rows["CONTACT_NR"]).take(pos), ""),
        "column": joined([p[2] for p in parts]),
        "code": joined([p[1] for p in parts]),
        "severity": joined([severity_of(p[1]).value for p in parts]),
        "message": joined([message_of(p[1]) for p in parts]),
        "value": pc.fill_null(joined([p[3] for p in parts]), ""),
    }
    return pd.DataFrame({name: _str(columns[name]) for name in FINDING_COLUMNS})


def decide_rows(rows: pd.DataFrame, keys: Keys, found: Lookups, cat: Catalogue, *, taken_numbers: pd.Series) -> Decision:
    """Decide every row's outcome, target and the criteria/admin numbers it sets.

    ``taken_numbers``: bool per row, True when an INSERT's CONTACT_NR is already used
    (in the store or by an earlier row of this import).

    Masks are numpy arrays over the rows (``keys`` and ``taken_numbers`` are aligned with
    ``rows``), string tests run in Arrow, and lookups are Arrow hash lookups.
    """
    idx = rows.index
    err = _Errors(rows)
    warnings: list[tuple] = []   # findings parts, as _findings takes them
    op = _arrow(keys.op)
    is_insert, is_update = _np(pc.equal(op, "INSERT")), _np(pc.equal(op, "UPDATE"))
    err.add(~(is_insert | is_update), "IMPORT_UNKNOWN_OPERATION", "OPERATION", rows["OPERATION"])
    err.add(~_isin(_arrow(rows["INSTITUTION"]), cat.institutions), "IMPORT_UNKNOWN_INSTITUTION", "INSTITUTION",
            rows["INSTITUTION"])

    # UPDATE: the stored contact
    nr = _arrow(keys.contact_nr)
    has_nr = _nonempty(nr)
    stored = np.where(has_nr, _positions(nr, found.contacts.index), -1)   # line of found.contacts, -1: none
    stored_id = _int_take(found.contacts["id"], stored)
    err.add(is_update & ~has_nr, "IMPORT_CONTACT_NR_MISSING", "CONTACT_NR")
    err.add(is_update & stored_id.isna(), "IMPORT_CONTACT_NOT_FOUND", "CONTACT_NR", keys.contact_nr)
    anonymized = _np(pc.equal(_str_take(found.contacts["status"], stored), "anonymized"))
    err.add(is_update & anonymized, "IMPORT_CONTACT_ANONYMIZED", "CONTACT_NR", keys.contact_nr)
    kind = _arrow(keys.kind)
    if not is_insert.all():  # other rows have the stored contact's kind
        kind = pc.if_else(pa.array(is_insert), kind, pc.fill_null(_str_take(found.contacts["kind"], stored), ""))
    k = _kind_codes(kind)
    is_individual, is_structure, is_relay = k == 0, k == 1, k == 2
    structural = is_structure | is_relay

    # INSERT: name rule and numbers
    err.add(is_insert & _np(pc.equal(kind, "")), "IMPORT_NO_NAME", "LASTNAME")
    err.add(is_insert & taken_numbers.to_numpy(dtype=bool) & has_nr, "IMPORT_CONTACT_NR_TAKEN", "CONTACT_NR",
            keys.contact_nr)

    # §7: structures already in the store, or first seen in this round
    mk = _arrow(keys.match_key)
    has_key = _nonempty(mk)
    known_structure = np.where(has_key, _positions(mk, found.structures.index), -1)
    existing = _int_take(found.structures["id"], known_structure)
    exists = ~existing.isna()
    matched = is_insert & is_structure & has_key & exists
    if matched.any():
        matched_nr = pc.fill_null(_str_take(found.structures["contact_nr"], known_structure), "")
        err.add(matched & has_nr & _np(pc.not_equal(matched_nr, nr), null=True), "IMPORT_STRUCTURE_NR_CONFLICT",
                "CONTACT_NR", keys.contact_nr)
    relay_update = is_update & is_relay & has_key
    err.add(relay_update & ~exists, "IMPORT_STRUCTURE_MISSING", "OFFICIAL_NAME", rows["OFFICIAL_NAME"])

    # codes the environment must know (only where they apply)
    for col, known, code in (("STRUCT_TYPE", cat.structure_types, "IMPORT_UNKNOWN_STRUCT_TYPE"),
                             ("COMMUNITY_TYPE", cat.community_types, "IMPORT_UNKNOWN_COMMUNITY_TYPE")):
        v = _arrow(rows[col])
        if not _blank(v):
            err.add(structural & _given_cells(v) & ~_isin(v, known), code, col, rows[col])

    criteria, criteria_rows = _parse_criteria(rows, k, cat, err, warnings)
    admin, admin_rows = _parse_admin(rows, k, is_insert, cat, err, warnings)
    warnings += _not_applicable(rows, is_individual, is_structure, is_relay, is_insert)

    failed = err.failed
    ok = ~failed
    # a structure new in this round is created by the first row with its key; later rows share it
    creators = ok & is_insert & structural & has_key & ~exists
    first = np.zeros(len(rows), dtype=bool)
    at = np.flatnonzero(creators)
    if len(at):
        first[at[_first_of(_codes(mk.take(at)))[1]]] = True
    matched = ok & (matched | (creators & ~first & is_structure))
    outcome = _str_of(OUTCOMES, np.select([failed, matched, is_insert, is_update], [0, 1, 2, 3], 0))
    target_id = existing.copy()
    target_id[~matched] = pd.NA
    target_id[is_update] = stored_id[is_update]
    structure_id = existing.copy()
    structure_id[~((is_insert & is_relay) | relay_update)] = pd.NA
    criteria = criteria[ok[criteria_rows]] if len(criteria) else criteria
    admin = admin[ok[admin_rows]] if len(admin) else admin
    return Decision(outcome=pd.Series(outcome, index=idx), kind=pd.Series(_str(kind), index=idx, name=keys.kind.name),
                    target_id=pd.Series(target_id, index=idx, name="id"),
                    structure_id=pd.Series(structure_id, index=idx, name="id"),
                    new_structure=pd.Series(first & is_relay, index=idx), first_creator=pd.Series(first, index=idx),
                    criteria=criteria, admin=admin, errors=err.findings(),
                    warnings=_findings(rows, [_part_where(w, ok[w[0]]) for w in warnings]))


def resolve_round_structures(keys: Keys, d: Decision, self_ids: pd.Series, structure_ids: pd.Series) -> None:
    """Point later rows of a round at the structure its first row creates (in place)."""
    first = np.flatnonzero(d.first_creator.to_numpy(dtype=bool))
    if not len(first):
        return
    kind, outcome = _arrow(d.kind), _arrow(d.outcome)
    in_round_match = _np(pc.equal(outcome, "matched")) & d.target_id.isna().to_numpy()
    relay_join = (_np(pc.equal(outcome, "insert")) & _np(pc.equal(kind, "relay")) & ~d.new_structure.to_numpy(dtype=bool)
                  & d.structure_id.isna().to_numpy())
    joining = np.flatnonzero(in_round_match | relay_join)
    if not len(joining):
        return
    # the id each first row created: its own (a structure) or its new structure's (a relay)
    labels = _arrow(d.first_creator.index).take(first)
    created = np.where(_np(pc.equal(kind.take(first), "structure")), _id_of(self_ids, labels), _id_of(structure_ids, labels))
    mk = _arrow(keys.match_key)
    via_key = pd.array(np.full(len(mk), np.nan), dtype="Int64")
    via_key[joining] = pd.array(created, dtype="Int64").take(_positions(mk.take(joining), mk.take(first)), allow_fill=True)
    for name, mask in (("target_id", in_round_match), ("structure_id", relay_join)):
        if mask.any():
            values = getattr(d, name)
            array = values.array.copy()
            array[mask] = via_key[mask]
            setattr(d, name, pd.Series(array, index=values.index, name=values.name))


def _id_of(ids: pd.Series, labels: pa.Array) -> np.ndarray:
    """``ids`` (indexed by row label) at ``labels``, as float (NaN: none), as ``reindex`` gives them."""
    return np.append(ids.to_numpy(dtype=float), np.nan)[_positions(labels, ids.index)]   # -1 → the NaN


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
        v = _arrow(rows[col])
        if _blank(v):  # most columns are empty throughout: no pass over them
            continue
        pos = np.flatnonzero(applies_not & _given_cells(v))
        if len(pos):
            parts.append((pos, "IMPORT_FIELD_NOT_APPLICABLE", col, v.take(pos)))
    return parts


def _cells(rows: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Non-empty cells of ``columns``, column after column: (number in ``columns``, row position, cell)."""
    numbers, positions, cells = [], [], []
    for j, col in enumerate(columns):
        if col not in rows.columns:
            continue
        a = _arrow(rows[col])
        if _blank(a):
            continue
        pos = np.flatnonzero(_nonempty(a))
        numbers.append(np.full(len(pos), j))
        positions.append(pos)
        cells.append(a.take(pos))
    if not positions:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), pa.array([], pa.large_string())
    return np.concatenate(numbers), np.concatenate(positions), pa.concat_arrays(cells)


def _split_codevalue(cells: pa.Array) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """``CODE=value`` cells → (has a code, code, value); a cell without ``=``, or ``=`` alone, has neither ("")."""
    has_code = _np(pc.match_substring(cells, "=")) & _np(pc.not_equal(cells, CLEAR))
    # every cell split once at its first "=" (the others as "=", so each gives two parts)
    parts = pc.split_pattern(pc.if_else(pa.array(has_code), cells, CLEAR), "=", max_splits=1)
    return has_code, pc.list_element(parts, 0), pc.list_element(parts, 1)


def _first_of(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (ascending) and where each first occurs (for row positions of cells in column
    order: each row and its first cell)."""
    return np.unique(keys, return_index=True)


def _parse_criteria(rows: pd.DataFrame, kind: np.ndarray, cat: Catalogue, err: _Errors, warnings: list[tuple]):
    """CRITnn cells → ((row, target, criterion_id, element_id), row position of each line); element NA means
    'clear this criterion'. Errors go to ``err``, warnings to ``warnings``.

    A file's criteria cells take few distinct values: each distinct cell is parsed and looked
    up once, and its cells reach the result through integer codes.
    """
    columns = CODEVALUE_COLUMNS[1:]
    col, pos, cells = _cells(rows, columns)
    if not len(pos):
        return pd.DataFrame({"row": pd.Series([], dtype="str"), "target": pd.Series([], dtype="str"),
                             "criterion_id": pd.Series([], dtype="Int64"),
                             "element_id": pd.Series([], dtype="Int64")}), np.zeros(0, dtype=np.int64)
    encoded = pc.dictionary_encode(cells)
    cell, distinct = encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary
    column_names = pa.array(columns, pa.large_string())

    # per distinct cell: code, criterion, clear, elements
    has_code, code, value = _split_codevalue(distinct)
    crit = np.where(has_code, _positions(code, cat.criteria["criterion_code"]) if len(cat.criteria) else -1, -1)
    known = crit >= 0
    clear = known & _np(pc.equal(value, CLEAR))
    listed = np.flatnonzero(known & ~clear)
    lists = pc.split_pattern(value.take(listed), "|")
    parent = listed[pc.list_parent_indices(lists).to_numpy()]   # the distinct cell of each element
    element = pc.list_flatten(lists)
    if len(cat.elements):  # (criterion, element) → id through one joined key
        known_keys = cat.elements["criterion_code"] + "\x1f" + cat.elements["element_code"]
        at = _positions(_join([code.take(parent), element], "\x1f"), known_keys)
        element_ids = cat.elements["element_id"].to_numpy(dtype=np.int64)[np.maximum(at, 0)]
    else:
        at = np.full(len(element), -1)
        element_ids = np.zeros(len(element), dtype=np.int64)
    good = at >= 0
    n_good = np.bincount(parent[good], minlength=len(distinct))
    good_start = np.cumsum(n_good) - n_good            # elements are grouped by distinct cell, in order
    good_ids = element_ids[good]
    bad_parent, first_bad = _first_of(parent[~good])
    bad_shown = _scatter(len(distinct), bad_parent, _join(
        [code.take(bad_parent), element.filter(pa.array(~good)).take(first_bad)], "="))
    has_bad = np.zeros(len(distinct), dtype=bool)
    has_bad[bad_parent] = True

    # per cell: warnings and errors show the row's first cell of the case (in column order)
    bare = ~has_code[cell]
    if bare.any():
        rows_at, first = _first_of(pos[bare])
        warnings.append((rows_at, "IMPORT_NO_CONFIG_CODE", "", distinct.take(cell[bare][first])))
    for mask, code_, shown in ((has_code[cell] & ~known[cell], "IMPORT_UNKNOWN_CRITERION", code),
                               (has_bad[cell], "IMPORT_UNKNOWN_CRITERION_ELEMENT", bad_shown)):
        if mask.any():
            rows_at, first = _first_of(pos[mask])
            err.add_at(rows_at, code_, column_names.take(col[mask][first]), shown.take(cell[mask][first]))

    # spec §4: the criterion's contact type decides who gets it
    contact_type = np.full(len(distinct), -1)
    if len(cat.criteria):
        contact_type[known] = _positions(_arrow(cat.criteria["contact_type"].astype("str")),
                                         ["individual", "structure", "both"])[crit[known]]
    ct, rk = contact_type[cell], kind[pos]   # 0 individual, 1 structure, 2 both | 0 individual, 1 structure, 2 relay
    target = np.select([((rk == 0) | (rk == 2)) & ((ct == 0) | (ct == 2)), (rk == 1) & ((ct == 1) | (ct == 2)),
                        (rk == 2) & (ct == 1)], [1, 1, 2], 0)
    # the lines: each known element of each value cell, then each clearing cell
    values, clears = (known & ~clear)[cell] & (n_good[cell] > 0), clear[cell]
    misfit = np.concatenate([np.flatnonzero(values & (target == 0)), np.flatnonzero(clears & (target == 0))])
    if len(misfit):
        rows_at, first = _first_of(pos[misfit])
        warnings.append((rows_at, "IMPORT_CRITERION_NOT_FOR_TYPE", "", column_names.take(col[misfit[first]])))
    value_cells = np.flatnonzero(values & (target > 0))
    count = n_good[cell[value_cells]]
    line_cell = np.repeat(value_cells, count)
    nth = np.arange(len(line_cell)) - np.repeat(np.cumsum(count) - count, count)
    clear_cells = np.flatnonzero(clears & (target > 0))
    lines = np.concatenate([line_cell, clear_cells])
    element_id = pd.arrays.IntegerArray(
        np.concatenate([good_ids[good_start[cell[line_cell]] + nth], np.zeros(len(clear_cells), dtype=np.int64)]),
        np.concatenate([np.zeros(len(line_cell), dtype=bool), np.ones(len(clear_cells), dtype=bool)]))
    line_rows = pos[lines]
    if len(lines):
        row, line_target = _str(_arrow(rows.index).take(line_rows)), _str_of(TARGETS, target[lines])
    else:  # no lines: object columns, as building the frame from empty object arrays always gave
        row, line_target = np.array([], dtype=object), np.array([], dtype=object)
    out = pd.DataFrame({"row": row, "target": line_target,
                        "criterion_id": pd.array(cat.criteria["criterion_id"], dtype="Int64").take(crit[cell[lines]])
                        if len(lines) else pd.array([], dtype="Int64"),
                        "element_id": element_id})
    return out, line_rows


def _parse_admin(rows: pd.DataFrame, kind: np.ndarray, is_insert: np.ndarray, cat: Catalogue, err: _Errors,
                 warnings: list[tuple]):
    """ADMIN_NUMBER → ((row, target, code, number), row position of each line); number ``=`` clears that code."""
    _, pos, cells = _cells(rows, ["ADMIN_NUMBER"])
    if not len(pos):
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in ("row", "target", "code", "number")}), pos
    has_code, code, number = _split_codevalue(cells)
    if not has_code.all():
        warnings.append((pos[~has_code], "IMPORT_NO_CONFIG_CODE", "ADMIN_NUMBER", cells.filter(pa.array(~has_code))))
    rk = kind[pos]   # a structure's own number; a relay INSERT's goes to its structure
    target = np.select([rk == 1, (rk == 2) & is_insert[pos]], [1, 2], 0)
    applies = has_code & (target > 0)
    known = _isin(code, cat.admin_number_types)
    unknown = applies & ~known
    if unknown.any():
        err.add_at(pos[unknown], "IMPORT_UNKNOWN_ADMIN_NUMBER_TYPE", "ADMIN_NUMBER", code.filter(pa.array(unknown)))
    keep = applies & known
    # each line keeps its cell's number among the non-empty cells, indexed as filtering a frame of the cells
    # by has_code, then target, then known gives it (pandas keeps a RangeIndex where it can)
    index = _kept(pd.RangeIndex(len(pos)), has_code, (target > 0)[has_code], known[applies])
    at, keep_mask = pos[keep], pa.array(keep)
    out = pd.DataFrame({"row": _str(_arrow(rows.index).take(at)), "target": _str_of(TARGETS, target[keep]),
                        "code": _str(code.filter(keep_mask)), "number": _str(number.filter(keep_mask))}, index=index)
    return out, at


# --- Arrow helpers of the decide step --------------------------------------------------------------
NEW_KINDS = ["", "individual", "structure", "relay"]   # by person + 2 × structure
OUTCOMES = ["error", "matched", "insert", "update"]
TARGETS = ["", "self", "structure"]


def _arrow(values) -> pa.Array:
    """A ``str`` Series or Index as one Arrow large_string array (no copy for pandas' Arrow-backed ``str``)."""
    array = values.array if isinstance(values, (pd.Series, pd.Index)) else values
    if isinstance(array, pd.arrays.ArrowStringArray):
        out = pa.array(array)
        if isinstance(out, pa.ChunkedArray):  # a column read block by block, or concatenated frames
            out = out.chunk(0) if out.num_chunks == 1 else out.combine_chunks()
    else:
        out = pa.array(np.asarray(array, dtype=object), type=pa.large_string(), from_pandas=True)
    return out if out.type == pa.large_string() else out.cast(pa.large_string())


def _str(values: pa.Array) -> pd.api.extensions.ExtensionArray:
    """Arrow strings as pandas ``str``."""
    return pd.array(values, dtype="str")


def _str_of(choices: list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``choices[codes]`` as pandas ``str`` (no Python string per row)."""
    return _str(pa.array(choices, pa.large_string()).take(np.asarray(codes)))


def _np(mask: pa.Array, null: bool = False) -> np.ndarray:
    """An Arrow boolean result as a numpy bool array (``null`` for missing cells, as pandas compares them)."""
    return pc.fill_null(mask, null).to_numpy(zero_copy_only=False)


def _blank(a: pa.Array) -> bool:
    """True when every cell is "" (read off the offsets: no pass over the cells)."""
    if a.null_count or not len(a):
        return not len(a)
    offsets = np.frombuffer(a.buffers()[1], dtype=np.int64)
    return bool(offsets[a.offset + len(a)] == offsets[a.offset])


def _nonempty(a: pa.Array) -> np.ndarray:
    """Cells other than "" (a missing cell counts as given, as pandas' ``!=`` has it)."""
    if a.null_count:
        return _np(pc.not_equal(a, ""), null=True)
    return pc.binary_length(a).to_numpy() > 0


def _given_cells(a: pa.Array) -> np.ndarray:
    """``_given`` in Arrow: neither "" nor ``=`` (by length: only one-character cells are compared)."""
    if a.null_count:
        return _np(pc.and_(pc.not_equal(a, ""), pc.not_equal(a, CLEAR)), null=True)
    length = pc.binary_length(a).to_numpy()
    given = length > 0
    one = np.flatnonzero(length == 1)
    given[one] = _np(pc.not_equal(a.take(one), CLEAR))
    return given


def _isin(a: pa.Array, values) -> np.ndarray:
    return _np(pc.is_in(a, value_set=pa.array(list(values), pa.large_string())))


def _positions(values: pa.Array, keys) -> np.ndarray:
    """Where each value is among ``keys`` (-1: not there): an Arrow hash lookup."""
    if not len(keys):
        return np.full(len(values), -1, dtype=np.int64)
    if not isinstance(keys, pa.Array):
        keys = _arrow(keys) if isinstance(keys, (pd.Series, pd.Index)) else pa.array(list(keys), pa.large_string())
    return pc.fill_null(pc.index_in(values, value_set=keys), -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _codes(values: pa.Array) -> np.ndarray:
    """Integer codes of the values (equal values, equal codes)."""
    return pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False)


def _kind_codes(kind: pa.Array) -> np.ndarray:
    """0 individual, 1 structure, 2 relay, -1 none."""
    return _positions(kind, pa.array(["individual", "structure", "relay"], pa.large_string()))


def _int_take(values: pd.Series, at: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``values[at]`` as Int64 (NA where ``at`` is -1)."""
    return pd.array(values, dtype="Int64").take(at, allow_fill=True)


def _str_take(values: pd.Series, at: np.ndarray) -> pa.Array:
    """``values[at]`` as Arrow strings (null where ``at`` is -1)."""
    return _arrow(values.astype("str")).take(pa.array(at, mask=at < 0))


def _scatter(n: int, pos: np.ndarray, values: pa.Array) -> pa.Array:
    """``n`` strings: ``values`` at ``pos``, "" elsewhere."""
    at = np.zeros(n, dtype=np.int64)
    at[pos] = np.arange(1, len(pos) + 1)
    return pa.concat_arrays([pa.array([""], pa.large_string()), values]).take(at)


def _join(arrays: list[pa.Array], separator: str) -> pa.Array:
    return pc.binary_join_element_wise(*arrays, pa.scalar(separator, pa.large_string()))


def _repeat(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.large_string()), n)


def _kept(index: pd.Index, *masks: np.ndarray) -> pd.Index:
    """The index a frame on ``index`` keeps through ``frame[mask1][mask2]…`` (a RangeIndex stays one where it can)."""
    frame = pd.DataFrame(index=index)
    for mask in masks:
        frame = frame[mask]
    return frame.index


# --- the stage -----------------------------------------------------------------------------------
@dataclass
class Stage:
    contacts: pd.DataFrame                  # one line per contact written
    criteria: pd.DataFrame                  # target_id, criterion_id, element_id (NA = clear)
    admin: pd.DataFrame                     # target_id, code, number
    row_targets: pd.DataFrame = field(default_factory=pd.DataFrame)  # row → self / structure ids


def use_bits(addr_types) -> np.ndarray:
    """ADDR_TYPE letters (a Series or an Arrow array) → the ``address.uses`` bit set (M 1, S 2, B 4)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = addr_types if isinstance(addr_types, (pa.Array, pa.ChunkedArray)) else \
        pa.array(addr_types.array, type=pa.large_string(), from_pandas=True)
    bits = np.zeros(len(arr), dtype=np.int64)
    for use, bit in USE_BITS.items():
        bits |= np.where(pc.fill_null(pc.match_substring(arr, use), False).to_numpy(zero_copy_only=False), bit, 0)
    return bits


_use_bits = use_bits


_DMY = r"^(?P<d>\d{2})[./-](?P<m>\d{2})[./-](?P<y>(?:19|20)\d{2})$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def parse_birthdates(s: pd.Series) -> pd.Series:
    """``dd.mm.yyyy`` / ``dd/mm/yyyy`` / ``dd-mm-yyyy`` → ISO ``yyyy-mm-dd`` (``=`` kept, invalid → NULL).

    The usual cell (two-digit day and month, a year of 1900-2099) is checked and turned
    around in Arrow; any other cell is parsed by pandas, once per distinct value.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    given = _given(s)
    if not given.any():
        return s.where(s == CLEAR, "")
    arr = pa.array(s.fillna("").array, type=pa.large_string(), from_pandas=True)
    parts = pc.extract_regex(arr, _DMY)
    d, m, y = (pc.struct_field(parts, f) for f in ("d", "m", "y"))
    day, month, year = (pc.fill_null(pc.cast(x, pa.int64()), 0).to_numpy(zero_copy_only=False) for x in (d, m, y))
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    fast = parts.is_valid().to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    out = pc.if_else(pa.array(fast), pc.binary_join_element_wise(y, m, d, pa.scalar("-", pa.large_string())), "").to_numpy(zero_copy_only=False)
    rest = given.to_numpy(dtype=bool) & ~fast
    if rest.any():
        out = np.asarray(out, dtype=object)
        out[rest] = _parse_dates_slowly(s[rest]).to_numpy(dtype=object)
    result = pd.Series(out, index=s.index, dtype="str")
    return result.where(given, s.where(s == CLEAR, ""))


def _parse_dates_slowly(s: pd.Series) -> pd.Series:
    """pandas' parse of the cells the fast path leaves (each distinct cell once); invalid → ""."""
    codes, uniques = pd.factorize(s)
    u = pd.Series(uniques, dtype="str")
    norm = u.str.replace("/", ".", regex=False).str.replace("-", ".", regex=False)
    parsed = pd.to_datetime(norm, format="%d.%m.%Y", errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%d").fillna("").astype("str")
    return pd.Series(iso.to_numpy(dtype=object)[codes], index=s.index, dtype="str")


def build_stage(rows: pd.DataFrame, keys: Keys, d: Decision, *, self_ids: pd.Series, self_numbers: pd.Series,
                structure_ids: pd.Series, structure_numbers: pd.Series, institution_ids: pd.Series) -> Stage:
    """The stage frames for the rows whose outcome is insert or update.

    ``self_ids``/``self_numbers``: id and number of each INSERT row's own contact;
    ``structure_ids``/``structure_numbers``: id and number of the structures new relays create.
    """
    live = d.outcome.isin(["insert", "update"])
    r = rows[live]
    if not len(r):
        return Stage(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    ins = d.outcome[live] == "insert"
    kind = d.kind[live]
    target = d.target_id[live].where(~ins, self_ids.reindex(r.index).astype("Int64"))
    structure = d.structure_id[live].where(~d.new_structure[live], structure_ids.reindex(r.index).astype("Int64"))
    contact_nr = r["CONTACT_NR"].where(~ins | (r["CONTACT_NR"] != ""), self_numbers.reindex(r.index).fillna("").astype("str"))
    base = {
        "source_ref": r.index.astype("str"),
        "op": np.where(ins, "I", "U"),
        "role": "self",
        "kind": kind.to_numpy(),
        "target_id": pd.array(target, dtype="Int64"),
        "structure_id": pd.array(structure.where(kind == "relay"), dtype="Int64"),
        "contact_nr": contact_nr.to_numpy(),
        "institution_id": pd.array(institution_ids.reindex(r.index), dtype="Int64"),
        "organization": r["ORGANIZATION"].array,
        "match_key": keys.match_key[live].where(kind == "structure", "").array,
    }
    # only the columns the stage needs are touched (a SecuTix frame has 94), and only where a cell must change
    values = {col: r[col] for col in CONTACT_FIELDS + ADDRESS_FIELDS + MEAN_COLUMNS + AUTH_COLUMNS}
    values["BIRTHDATE"] = parse_birthdates(values["BIRTHDATE"])
    addr_types = r["ADDR_TYPE"].where(_given(r["ADDR_TYPE"]), "MSB")
    # INSERT: '=' clears nothing (spec §3); '||' appends to nothing
    ins_mask = ins.to_numpy()
    for col, v in values.items():
        clear = ins_mask & (v == CLEAR).to_numpy(dtype=bool)
        if clear.any():
            values[col] = v.mask(clear, "")
    remark = values["REMARK"]
    append = ins_mask & remark.str.startswith("||").to_numpy(dtype=bool)
    if append.any():
        values["REMARK"] = remark.mask(append, remark.str.slice(2))
    of_kind = {k: (kind == k).to_numpy(dtype=bool) for k in FIELDS_OF_KIND}  # one comparison per kind, not per field
    for col in CONTACT_FIELDS:
        applies = np.logical_or.reduce([of_kind[k] for k, fields in FIELDS_OF_KIND.items() if col in fields])
        v = values[col]
        base[db(col)] = v.array if applies.all() or not (~applies & (v != "").to_numpy(dtype=bool)).any() \
            else v.where(applies, "").array
    for col in ADDRESS_FIELDS:
        base[db(col)] = values[col].array
    base["addr_uses"] = _use_bits(addr_types)
    for col in MEAN_COLUMNS:
        base[mean_col(col)] = values[col].array
    person = of_kind["individual"] | of_kind["relay"]
    for col in AUTH_COLUMNS:
        v = values[col]
        base[auth_col(col)] = v.array if person.all() else v.where(person, "").array
    base = pd.DataFrame(base)

    # the structures new relay rows create: structure fields, language, address and means
    creates = d.new_structure[live].to_numpy(dtype=bool)
    extra = base[creates].copy()
    if len(extra):
        src = {col: v[creates] for col, v in values.items()}
        src_index = r.index[creates]
        extra["role"] = "structure"
        extra["kind"] = "structure"
        extra["target_id"] = pd.array(structure_ids.reindex(src_index), dtype="Int64")
        extra["structure_id"] = pd.array([pd.NA] * len(extra), dtype="Int64")
        extra["contact_nr"] = structure_numbers.reindex(src_index).astype("str").to_numpy()
        extra["match_key"] = keys.match_key[live][creates].array
        for col in CONTACT_FIELDS:
            extra[db(col)] = src[col].array if col in NEW_STRUCTURE_FIELDS else ""
        for col in AUTH_COLUMNS:
            extra[auth_col(col)] = ""
    contacts = pd.concat([base, extra], ignore_index=True) if len(extra) else base
    addr = contacts[[db(c) for c in ADDRESS_FIELDS]]
    contacts["has_address"] = (addr != "").any(axis=1).astype("int64")
    contacts["has_new_address"] = ((addr != "") & (addr != CLEAR)).any(axis=1).astype("int64")

    # a relay INSERT that joins an existing structure leaves it as it is (the first row wins)
    structure_target = structure.where(d.new_structure[live] | ~ins)
    row_targets = pd.DataFrame({"self": pd.array(target, dtype="Int64"),
                                "structure": pd.array(structure_target, dtype="Int64")}, index=r.index)
    crit = d.criteria
    if len(crit):
        crit = crit[isin(crit["row"], r.index)]
        tid = np.where(crit["target"] == "self", crit["row"].map(row_targets["self"]), crit["row"].map(row_targets["structure"]))
        crit = pd.DataFrame({"target_id": pd.array(tid, dtype="Int64"), "criterion_id": crit["criterion_id"].array,
                             "element_id": crit["element_id"].array})
        crit = crit[crit["target_id"].notna()].drop_duplicates(["target_id", "element_id", "criterion_id"])
    admin = d.admin
    if len(admin):
        admin = admin[isin(admin["row"], r.index)]
        tid = np.where(admin["target"] == "self", admin["row"].map(row_targets["self"]), admin["row"].map(row_targets["structure"]))
        admin = pd.DataFrame({"target_id": pd.array(tid, dtype="Int64"), "code": admin["code"].array,
                              "number": admin["number"].array})
        admin = admin[admin["target_id"].notna()]
    return Stage(contacts=contacts, criteria=crit, admin=admin, row_targets=row_targets)
