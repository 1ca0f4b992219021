"""The stage of an import round: one line per contact written, with NULL = keep and ``=`` = clear.

A relay row that creates its structure writes two lines: the relay (role ``self``) and
the structure (role ``structure``); every value is already routed by kind.
``apply.py`` and ``insert_only.py`` turn the stage into set-based SQL.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..dates import parse_birthdates
from ..format.catalogue import CLEAR
from ..text_arrays import is_given, text_isin
from .columns import (ADDRESS_FIELDS, AUTH_COLUMNS, CONTACT_FIELDS, FIELDS_OF_KIND, MEAN_COLUMNS, NEW_STRUCTURE_FIELDS,
                      USE_BITS, auth_col, db, mean_col)
from .decide import Decision, Keys

@dataclass
class Stage:
    contacts: pd.DataFrame                  # one line per contact written
    criteria: pd.DataFrame                  # target_id, criterion_id, element_id (NA = clear)
    admin: pd.DataFrame                     # target_id, code, number
    row_targets: pd.DataFrame = field(default_factory=pd.DataFrame)  # row → self / structure ids


def use_bits(addr_types) -> np.ndarray:
    """ADDR_TYPE letters (a Series or an Arrow array) → the ``address.uses`` bit set (M 1, S 2, B 4)."""
    arr = addr_types if isinstance(addr_types, (pa.Array, pa.ChunkedArray)) else \
        pa.array(addr_types.array, type=pa.large_string(), from_pandas=True)
    bits = np.zeros(len(arr), dtype=np.int64)
    for use, bit in USE_BITS.items():
        bits |= np.where(pc.fill_null(pc.match_substring(arr, use), False).to_numpy(zero_copy_only=False), bit, 0)
    return bits


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
    addr_types = r["ADDR_TYPE"].where(is_given(r["ADDR_TYPE"]), "MSB")
    # INSERT: '=' clears nothing (secutix-format §3); '||' appends to nothing
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
    base["addr_uses"] = use_bits(addr_types)
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
        crit = _on_targets(crit, r.index, row_targets, ["criterion_id", "element_id"])
        crit = crit.drop_duplicates(["target_id", "element_id", "criterion_id"])
    admin = d.admin
    if len(admin):
        admin = _on_targets(admin, r.index, row_targets, ["code", "number"])
    return Stage(contacts=contacts, criteria=crit, admin=admin, row_targets=row_targets)


def _on_targets(lines: pd.DataFrame, live: pd.Index, row_targets: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Criteria or admin-number lines of the ``live`` rows with their target contact's id instead of
    (row, target); lines whose target has no id are dropped."""
    lines = lines[text_isin(lines["row"], live)]
    tid = np.where(lines["target"] == "self", lines["row"].map(row_targets["self"]), lines["row"].map(row_targets["structure"]))
    out = pd.DataFrame({"target_id": pd.array(tid, dtype="Int64"), **{c: lines[c].array for c in columns}})
    return out[out["target_id"].notna()]
