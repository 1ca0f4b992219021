"""Insert-only rounds (new contacts, no UPDATE row): the store's rows built in Arrow and bulk-loaded as they are.

A round without UPDATE rows needs none of the stage's merge logic (keep / clear /
append, "did it change"): every value is a new value. So instead of building the stage
(``stage.build_stage``) and transforming it with INSERT … SELECT, the final rows of every
table are built here, column by column in Arrow, straight from the round's rows and
decisions, and loaded into the store tables: PostgreSQL ``COPY`` into the tables
themselves, SQLite through a scratch file (``bulk.write_scratch``). The rows are exactly
those ``apply.apply_stage`` would write for the same round (tests compare both paths).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection

from . import bulk
from .models import CONTACT_KINDS, CONTACT_STATUSES
from ..dates import parse_birthdates
from ..format.catalogue import CLEAR
from ..text_arrays import nonempty
from .columns import (ADDRESS_FIELDS, AUTH_COLUMNS, CONTACT_FIELDS, FIELDS_OF_KIND, MEAN_COLUMNS, NEW_STRUCTURE_FIELDS, auth_col,
                      db, mean_col)
from .decide import Decision, Keys
from .stage import use_bits

STRING = pa.large_string()
NULL_STRING = pa.scalar(None, STRING)


@dataclass
class NewContacts:
    """A round's new contacts, as the next plans must see them before they are written (``batches.InFlight``)."""

    contact_nr: pd.api.extensions.ExtensionArray  # str (Arrow-backed: handed over without a Python string each)
    ids: np.ndarray                                # int64
    kinds: pd.api.extensions.ExtensionArray       # str
    structure_ids: np.ndarray                      # float64 (NaN: none)
    match_keys: pd.api.extensions.ExtensionArray  # str ("" unless a structure)


def _strings(s: pd.Series) -> pa.Array:
    """A string column as Arrow (a missing cell reads as empty, like "")."""
    arr = pa.array(s.array, type=STRING, from_pandas=True)
    return pc.fill_null(arr, "") if arr.null_count else arr


def _keep(arr: pa.Array, keep: np.ndarray) -> pa.Array:
    """``arr`` where ``keep``, null elsewhere ("" is null too: nothing to write)."""
    keep = keep & nonempty(arr)
    return arr if keep.all() else pc.if_else(pa.array(keep), arr, NULL_STRING)


def _int_column(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None or valid.all() else ~valid
    return pa.array(values.astype(np.int64, copy=False), type=pa.int64(), mask=mask)


def _constant(value: str, n: int) -> pa.Array:
    return pa.array([value], STRING).take(pa.array(np.zeros(n, dtype=np.int32)))


def _scattered(values: pd.Series, where: np.ndarray) -> tuple[np.ndarray, pa.Array]:
    """``values`` given for the rows ``where`` is true, in row order: (row → its value's index or 0, the values)."""
    if len(values) != int(where.sum()):
        raise RuntimeError("insert-only plan: allocations do not match the rows they serve")
    return np.maximum(np.cumsum(where) - 1, 0), pa.array(values.to_numpy(dtype=object) if len(values) else [""],
                                                       type=STRING)


def new_contact_tables(rows: pd.DataFrame, keys: Keys, d: Decision, *, self_ids: pd.Series, self_numbers: pd.Series,
                       structure_ids: pd.Series, structure_numbers: pd.Series, institution_ids: pd.Series,
                       row_keys: np.ndarray, run_id: str, deliverable_id: str,
                       now: str) -> tuple[dict[str, pa.Table], NewContacts]:
    """Store table → its new rows (Arrow), in load order (contacts first, in id order), and what they create.

    ``row_keys``: the journal key of each of ``rows``. The other arguments are those of
    ``stage.build_stage`` (a round whose outcomes are insert, matched or error only).
    """
    n, index = len(rows), rows.index
    insert = (d.outcome == "insert").to_numpy(dtype=bool)
    kind = _strings(d.kind)
    creates = insert & d.new_structure.to_numpy(dtype=bool)  # relay rows that create their structure
    own_nr = _strings(rows["CONTACT_NR"])
    needs_nr = insert & ~nonempty(own_nr)

    # ids and numbers by row position (batches._allocate gives them to these rows, in row order)
    self_id = np.full(n, -1, dtype=np.int64)
    self_id[insert] = self_ids.to_numpy(dtype=np.int64)
    struct_new = np.full(n, -1, dtype=np.int64)
    struct_new[creates] = structure_ids.to_numpy(dtype=np.int64)
    if len(self_ids) != int(insert.sum()) or len(structure_ids) != int(creates.sum()):
        raise RuntimeError("insert-only plan: allocations do not match the rows they serve")
    nr_rank, nr_values = _scattered(self_numbers, needs_nr)
    struct_rank, struct_values = _scattered(structure_numbers, creates)
    joined = d.structure_id.to_numpy(dtype="float64", na_value=np.nan)   # an existing structure a relay joins
    relay = pc.equal(kind, "relay").to_numpy(zero_copy_only=False)
    struct_of_relay = np.where(creates, struct_new, np.where(np.isnan(joined), -1, joined).astype(np.int64))
    institution = institution_ids.to_numpy(dtype="float64", na_value=np.nan)

    # the contacts written: every insert row (its own contact), then the structures relay rows create
    own_pos, new_pos = np.flatnonzero(insert), np.flatnonzero(creates)
    src = np.concatenate([own_pos, new_pos])
    is_new_structure = np.concatenate([np.zeros(len(own_pos), bool), np.ones(len(new_pos), bool)])
    out_id = np.concatenate([self_id[own_pos], struct_new[new_pos]])
    order = np.argsort(out_id, kind="stable")  # id order: the store appends them, a structure before its relays
    src, is_new_structure, out_id = src[order], is_new_structure[order], out_id[order]
    m = len(src)
    take = pa.array(src)
    new_structure = pa.array(is_new_structure)
    out_kind = pc.if_else(new_structure, "structure", kind.take(take))
    out_nr = pc.if_else(new_structure, struct_values.take(pa.array(struct_rank[src])),
                        pc.if_else(pa.array(needs_nr[src]), nr_values.take(pa.array(nr_rank[src])), own_nr.take(take)))

    # source columns with "" already null (nothing to write); INSERT: '=' clears nothing (secutix-format §3)
    values = {col: _strings(rows[col]) for col in CONTACT_FIELDS + ADDRESS_FIELDS + MEAN_COLUMNS + AUTH_COLUMNS}
    values["BIRTHDATE"] = pa.array(parse_birthdates(rows["BIRTHDATE"]).array, type=STRING, from_pandas=True)
    remark = values["REMARK"]     # '||' appends to nothing
    values["REMARK"] = pc.if_else(pc.starts_with(remark, "||"), pc.utf8_slice_codeunits(remark, 2), remark)
    given = {col: nonempty(v) & pc.not_equal(v, CLEAR).to_numpy(zero_copy_only=False) for col, v in values.items()}
    values = {col: v if given[col].all() else pc.if_else(pa.array(given[col]), v, NULL_STRING)
              for col, v in values.items()}

    of_kind = {k: pc.equal(kind, k).to_numpy(zero_copy_only=False) for k in FIELDS_OF_KIND}
    contact: dict[str, pa.Array] = {
        "id": pa.array(out_id),
        "contact_nr": out_nr,
        "institution_id": _int_column(np.nan_to_num(institution[src], nan=-1), ~np.isnan(institution[src])),
        "organization": _keep(_strings(rows["ORGANIZATION"]).take(take), np.ones(m, bool)),
        "kind": out_kind,
        "status": _constant("active", m),
    }
    for col in CONTACT_FIELDS:
        applies = np.logical_or.reduce([of_kind[k] for k, fields in FIELDS_OF_KIND.items() if col in fields])[src]
        applies = np.where(is_new_structure, col in NEW_STRUCTURE_FIELDS, applies)
        v = values[col].take(take)
        contact[db(col)] = v if applies.all() else pc.if_else(pa.array(applies), v, NULL_STRING)
    for code in MEAN_COLUMNS:  # a structure a relay row creates gets the row's means too
        contact[mean_col(code)] = values[code].take(take)
    person = (of_kind["individual"] | of_kind["relay"])[src] & ~is_new_structure
    for col in AUTH_COLUMNS:  # consents: TRUE granted, any other value refused, nothing = NULL
        if not given[col].any():
            contact[auth_col(col)] = pa.nulls(m, pa.int64())
            continue
        granted = pc.fill_null(pc.equal(values[col], "TRUE"), False).to_numpy(zero_copy_only=False)
        contact[auth_col(col)] = _int_column(granted[src].astype(np.int64), person & given[col][src])
    sid = np.where(is_new_structure, -1, struct_of_relay[src])
    contact["structure_id"] = _int_column(sid, (sid >= 0) & relay[src] & ~is_new_structure)
    is_structure = pc.equal(out_kind, "structure").to_numpy(zero_copy_only=False)
    match_keys = _strings(keys.match_key).take(take)
    contact["match_key"] = _keep(match_keys, is_structure)
    for c in ("created_run", "updated_run"):
        contact[c] = _constant(run_id, m)
    for c in ("created_at", "updated_at"):
        contact[c] = _constant(now, m)
    tables = {"contact": pa.table(contact)}

    # addresses: one row per contact with any address value, with the uses it serves (empty ADDR_TYPE: all three)
    addr_type = _strings(rows["ADDR_TYPE"])
    uses = use_bits(pc.if_else(pc.or_(pc.equal(addr_type, ""), pc.equal(addr_type, CLEAR)), "MSB", addr_type))
    has_address = np.logical_or.reduce([given[c] for c in ADDRESS_FIELDS])[src]
    a_src = pa.array(src[has_address])
    address = {"contact_id": pa.array(out_id[has_address]), "uses": pa.array(uses[src[has_address]])}
    for col in ADDRESS_FIELDS:
        address[db(col)] = values[col].take(a_src)
    tables["address"] = pa.table(address)

    # administrative numbers and criteria: to the row's own contact or to the structure it creates
    structure_of_row = np.where(creates, struct_new, -1)  # a relay joining a structure leaves it as it is

    def targets(lines: pd.DataFrame, at: np.ndarray | None) -> np.ndarray:
        """Each line's contact id (−1: none) from its row (``at``: its position, when the decision kept it) and
        target (self | structure)."""
        p = at if at is not None and len(at) == len(lines) else index.get_indexer(lines["row"])
        is_self = pc.equal(pa.array(lines["target"].array, type=STRING, from_pandas=True), "self")
        return np.where(pc.fill_null(is_self, False).to_numpy(zero_copy_only=False), self_id[p], structure_of_row[p])

    admin = d.admin
    if len(admin):
        number = admin["number"].to_numpy(dtype=object)
        frame = pd.DataFrame({"contact_id": targets(admin, d.admin_rows), "code": admin["code"].to_numpy(dtype=object),
                              "number": number})
        frame = frame[(frame["contact_id"] >= 0).to_numpy() & (number != CLEAR)]
        frame = frame.drop_duplicates(["contact_id", "code"], keep="last")
        if len(frame):
            tables["admin_number"] = pa.table({"contact_id": pa.array(frame["contact_id"].to_numpy(np.int64)),
                                               "code": pa.array(frame["code"].to_numpy(object), type=STRING),
                                               "number": pa.array(frame["number"].to_numpy(object), type=STRING)})
    crit = d.criteria
    if len(crit):
        element = crit["element_id"].to_numpy(dtype="float64", na_value=np.nan)
        criterion = crit["criterion_id"].to_numpy(dtype="float64", na_value=np.nan)
        tid = targets(crit, d.criteria_rows)
        keep = (tid >= 0) & ~np.isnan(element)  # no element: "clear this criterion", nothing to clear on INSERT
        lines = (tid[keep], element[keep].astype(np.int64), criterion[keep].astype(np.int64))
        # in key order (contact, element), each line once: the lines come criterion column after column, and the
        # table (keyed by contact and element) then takes them as an append, not a walk per column
        # (SQLite, 2.7M lines at 1M: 2.0 → 1.3 s CPU on the writer)
        order = np.lexsort(lines[::-1])
        contact_id, element_id, criterion_id = (v[order] for v in lines)
        first = np.ones(len(order), dtype=bool)
        first[1:] = (np.diff(contact_id) != 0) | (np.diff(element_id) != 0) | (np.diff(criterion_id) != 0)
        if first.any():
            tables["criterion_assignment"] = pa.table({"contact_id": pa.array(contact_id[first]),
                                                       "element_id": pa.array(element_id[first]),
                                                       "criterion_id": pa.array(criterion_id[first])})

    # the journal: one line per applied row
    journal = pa.array(own_pos)
    journal_rows = pa.table({
        "row_key": pa.array(np.asarray(row_keys, dtype=object)[own_pos], type=STRING),
        "run_id": _constant(run_id, len(own_pos)),
        "deliverable_id": _constant(deliverable_id, len(own_pos)),
        "source_ref": pa.array(index.astype("str").array, type=STRING, from_pandas=True).take(journal),
        "contact_id": pa.array(self_id[own_pos]),
        "action": _constant("insert", len(own_pos))})
    # in key order: the store's index on the random row_key then takes a batch in one pass, not a leaf at random
    # per row (SQLite, 660k rows in 100k batches: the journal's INSERT 2.1 → 1.4 s of CPU)
    tables["import_row"] = journal_rows.take(pc.sort_indices(journal_rows["row_key"]))
    tables = {t: rows_ for t, rows_ in tables.items() if rows_.num_rows}
    check_rows(tables)
    created = NewContacts(contact_nr=_str_array(tables["contact"]["contact_nr"] if "contact" in tables else pa.array([], STRING)),
                          ids=out_id, kinds=_str_array(out_kind),
                          structure_ids=np.where(sid >= 0, sid, np.nan).astype("float64"),
                          match_keys=_str_array(match_keys))
    return tables, created


def _str_array(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """Arrow text as pandas' ``str`` array, without a copy (nulls read as "")."""
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return pd.array(pc.fill_null(values.cast(STRING), ""), dtype="str")


def check_rows(tables: dict[str, pa.Table]) -> None:
    """What the store's constraints would check of these rows, checked here for the whole round.

    SQLite imports of new contacts only run with foreign keys and CHECK constraints off
    (``importer.py``: their per-row checks cost more than the inserts); this and
    ``_check_parents`` (the references that leave the round) stand in for them.
    """
    contact = tables.get("contact")
    ids = contact["id"] if contact is not None else pa.array([], pa.int64())
    if contact is not None and not (pc.all(pc.is_in(contact["kind"], value_set=pa.array(CONTACT_KINDS, STRING))).as_py()
                                    and pc.all(pc.is_in(contact["status"],
                                                        value_set=pa.array(CONTACT_STATUSES, STRING))).as_py()):
        raise RuntimeError("insert-only plan: a contact of unknown kind or status")
    if "address" in tables:
        uses = tables["address"]["uses"]
        if not pc.all(pc.and_(pc.greater_equal(uses, 1), pc.less_equal(uses, 7))).as_py():
            raise RuntimeError("insert-only plan: an address serving no use")
    for table, rows in tables.items():
        if table in ("contact", "import_row"):
            continue
        child = rows["contact_id"]
        if child.null_count or not pc.all(pc.is_in(child, value_set=ids)).as_py():
            raise RuntimeError(f"insert-only plan: a {table} row points at no contact of its round")


@dataclass
class Prepared:
    """A round's new rows, ready to load: CSV text per table (PostgreSQL) or one scratch file (SQLite)."""

    columns: dict[str, list[str]]               # table → the columns loaded, in load order
    csv: dict[str, object] | None = None        # PostgreSQL: table → CSV payload for COPY
    scratch: str | None = None                  # SQLite: the scratch file of every table but WRITER_SCRATCH's
    constants: dict[str, dict[str, str]] | None = None  # SQLite: table → column → its one value (bound, not copied)
    deferred: dict[str, pa.Table] | None = None  # SQLite: tables the writer puts into a scratch file of its own

    def discard(self) -> None:
        """The plan was dropped before being written: delete what it left on disk."""
        if self.scratch:
            bulk.discard_scratch(self.scratch)


def prepare(conn: Connection, tables: dict[str, pa.Table]) -> Prepared:
    """Make ``tables`` ready to load; pure work, done while planning (on the planner's thread when planning ahead).

    SQLite: the scratch file is written here (``bulk.write_scratch``), without the columns
    that hold no value (they stay NULL); the writer attaches it, and writes the tables of
    ``WRITER_SCRATCH`` into a scratch file of its own.
    """
    if conn.dialect.name == "postgresql":
        return Prepared({t: rows.column_names for t, rows in tables.items()},
                        csv={t: bulk.csv_of_arrow(rows) for t, rows in tables.items()})
    constants = {t: _constants(rows) for t, rows in tables.items()}
    kept = {t: rows.select([name for name, col in zip(rows.column_names, rows.columns)
                            if col.null_count < len(col) and name not in constants[t]])
            for t, rows in tables.items()}
    planned = {t: rows for t, rows in kept.items() if t not in WRITER_SCRATCH}
    return Prepared({t: rows.column_names for t, rows in kept.items()}, constants=constants,
                    scratch=bulk.write_scratch(conn.engine.url.database, planned) if planned else None,
                    deferred={t: rows for t, rows in kept.items() if t in WRITER_SCRATCH})


# SQLite: tables loaded into a scratch file by the writer's thread, not the planner's. Planning ahead, the
# planner is the slower of the two (1M dev import: ~1.7-2.5 s per 100k batch against ~1.4-2.1 s of writing,
# the writer waiting for each plan); the criterion lines (2.7M at 1M, ~1.6 s of ADBC ingest) even that out
WRITER_SCRATCH = ("criterion_assignment",)


def _constants(rows: pa.Table) -> dict[str, object]:
    """Columns that hold one value in every row (the run, its time, status, often the institution and
    organization): bound once in the INSERT, not written and read back row by row."""
    out = {}
    for name, col in zip(rows.column_names, rows.columns):
        if len(col) < 2 or col.null_count or col[0] != col[len(col) - 1]:  # cheap test first
            continue
        if pc.count_distinct(col).as_py() == 1:
            out[name] = col[0].as_py()
    return out


def write_final(conn: Connection, prepared: Prepared) -> None:
    """Load prepared rows: COPY into the tables (PostgreSQL), scratch file + INSERT … SELECT (SQLite)."""
    if prepared.csv is not None:
        for table, columns in prepared.columns.items():
            bulk.copy_csv(conn, table, columns, prepared.csv[table])
        return
    schema = bulk.attach_scratch(conn, prepared.scratch) if prepared.scratch else None
    own = _attach_deferred(conn, prepared.deferred) if prepared.deferred else None
    checked = bool(conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one())
    for table, columns in prepared.columns.items():
        source = own if prepared.deferred and table in prepared.deferred else schema
        constants = prepared.constants.get(table, {}) if prepared.constants else {}
        cols = ", ".join(columns + list(constants))
        vals = ", ".join([f"CAST({c} AS INTEGER)" if c == "nb_employees" else c for c in columns] + ["?"] * len(constants))
        conn.exec_driver_sql(f"INSERT INTO main.{table} ({cols}) SELECT {vals} FROM {source}.{table}",
                             tuple(constants.values()))
        if not checked:
            _check_parents(conn, source, table, columns, constants)


def _attach_deferred(conn: Connection, tables: dict[str, pa.Table]) -> str:
    """SQLite: the writer's own scratch file of ``tables``, attached to its transaction (deleted when it ends)."""
    path = bulk.write_scratch(conn.engine.url.database, tables)
    try:
        return bulk.attach_scratch(conn, path)
    except BaseException:
        bulk.discard_scratch(path)
        raise


# foreign keys off: what each loaded table points at outside its round (children → their contact: check_rows)
PARENTS = {("contact", "structure_id"): ("contact", "AND p.kind = 'structure'"),
           ("contact", "institution_id"): ("institution", ""),
           ("criterion_assignment", "element_id"): ("criterion_element", "")}


def _check_parents(conn: Connection, schema: str, table: str, columns: list[str], constants: dict) -> None:
    """Foreign keys off: a relay's structure, a contact's institution, an assignment's element exist."""
    for (checked_table, column), (parent, extra) in PARENTS.items():
        if checked_table != table:
            continue
        missing = f"NOT EXISTS (SELECT 1 FROM main.{parent} p WHERE p.id = v.v {extra})"
        if column in constants:  # bound, not in the scratch file
            sql, params = f"SELECT COUNT(*) FROM (SELECT ? AS v) v WHERE v.v IS NOT NULL AND {missing}", (constants[column],)
        elif column in columns:
            sql, params = (f"SELECT COUNT(*) FROM (SELECT DISTINCT {column} AS v FROM {schema}.{table} "
                           f"WHERE {column} IS NOT NULL) v WHERE {missing}"), ()
        else:
            continue
        count = conn.exec_driver_sql(sql, params).scalar_one()
        if count:
            raise RuntimeError(f"insert-only plan: {count} {table}.{column} value(s) point at nothing")
