"""Insert-only rounds (new contacts, no UPDATE row): the store's rows built in pandas and bulk-loaded as they are.

A round without UPDATE rows needs none of the stage's merge logic (keep / clear /
append, "did it change"): every staged value is a new value. So instead of loading
the stage and transforming it with INSERT … SELECT, the final rows of every table are
built here and loaded straight into the store tables: PostgreSQL ``COPY`` into the
tables themselves, SQLite through a scratch file (``bulk.load_scratch``). The rows are
exactly those ``apply.apply_stage`` would write for the same stage (tests compare both
paths on the same input).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from . import bulk
from .plan import ADDRESS_FIELDS, AUTH_COLUMNS, CLEAR, CONTACT_FIELDS, MEAN_COLUMNS, Stage, auth_col, db, mean_col

CONTACT_COLUMNS = [db(c) for c in CONTACT_FIELDS]
ADDRESS_COLUMNS = [db(c) for c in ADDRESS_FIELDS]


def _given(s: pd.Series) -> np.ndarray:
    return ((s != "") & (s != CLEAR) & s.notna()).to_numpy(dtype=bool)


def final_rows(stage: Stage, *, run_id: str, deliverable_id: str, now: str) -> dict[str, pd.DataFrame]:
    """Store table → its new rows, in the order they must be loaded (contacts before their children)."""
    s = stage.contacts
    ids = s["target_id"]
    contact = pd.DataFrame({"id": ids, "contact_nr": s["contact_nr"], "institution_id": s["institution_id"],
                            "organization": s["organization"], "kind": s["kind"], "status": "active"})
    for c in CONTACT_COLUMNS:
        contact[c] = s[c]
    for c in AUTH_COLUMNS:  # consents: TRUE granted, any other value refused, nothing = NULL
        value = s[auth_col(c)]
        granted = pd.array((value == "TRUE").to_numpy(dtype=bool).astype("int64"), dtype="Int64")
        granted[~_given(value)] = pd.NA
        contact[auth_col(c)] = granted
    contact["structure_id"] = s["structure_id"]
    contact["match_key"] = s["match_key"]
    contact["created_run"] = contact["updated_run"] = run_id
    contact["created_at"] = contact["updated_at"] = now
    # structures first: a relay's foreign key points at a structure of the same round
    contact = contact.iloc[np.argsort((s["kind"] != "structure").to_numpy(), kind="stable")]

    tables = {"contact": contact, "address": _addresses(s), "communication_mean": _typed(s, MEAN_COLUMNS, mean_col)}
    admin = stage.admin
    if len(admin):
        admin = admin[(admin["number"] != CLEAR).to_numpy()].drop_duplicates(["target_id", "code"], keep="last")
        tables["admin_number"] = pd.DataFrame({"contact_id": admin["target_id"], "code": admin["code"],
                                               "number": admin["number"]})
    crit = stage.criteria
    if len(crit):
        crit = crit[crit["element_id"].notna().to_numpy()]
        tables["criterion_assignment"] = pd.DataFrame({"contact_id": crit["target_id"], "element_id": crit["element_id"],
                                                       "criterion_id": crit["criterion_id"]})
    own = (s["role"] == "self").to_numpy()
    tables["import_row"] = pd.DataFrame({"row_key": s["row_key"][own], "run_id": run_id, "deliverable_id": deliverable_id,
                                         "source_ref": s["source_ref"][own], "contact_id": ids[own], "action": "insert"})
    return {t: f.reset_index(drop=True) for t, f in tables.items() if len(f)}


def _addresses(s: pd.DataFrame) -> pd.DataFrame:
    """One row per new address, with the uses it serves (ADDR_TYPE; the plan made empty mean all three)."""
    new = s[s["has_new_address"].to_numpy() == 1]
    if not len(new):
        return pd.DataFrame()
    out = pd.DataFrame({"contact_id": new["target_id"], "uses": new["addr_uses"]})
    for c in ADDRESS_COLUMNS:
        out[c] = new[c]
    return out.sort_values("contact_id", kind="stable")


def _typed(s: pd.DataFrame, codes: list[str], column_of) -> pd.DataFrame:
    """(contact, type, value) for each given value of the per-type columns (means, consents)."""
    parts = []
    for code in codes:
        col = column_of(code)
        given = _given(s[col])
        if given.any():
            parts.append(pd.DataFrame({"contact_id": s["target_id"][given], "mean_type": code, "value": s[col][given]}))
    if not parts:
        return pd.DataFrame({"contact_id": pd.Series([], dtype="Int64"), "mean_type": pd.Series([], dtype="str"),
                             "value": pd.Series([], dtype="str")})
    return pd.concat(parts, ignore_index=True).sort_values(["contact_id", "mean_type"], kind="stable")


def prepare(conn: Connection, tables: dict[str, pd.DataFrame]) -> dict[str, tuple[list[str], object]]:
    """Table → (columns, payload) ready to load: CSV text for COPY (PostgreSQL), an Arrow table (SQLite).

    Pure work, done while planning (on the planner's thread when the engine plans ahead).
    """
    if conn.dialect.name == "postgresql":
        return {t: (list(rows.columns), bulk.csv_payload(rows)) for t, rows in tables.items()}
    return {t: (list(rows.columns), bulk.arrow_table(rows)) for t, rows in tables.items()}


def write_final(conn: Connection, prepared: dict[str, tuple[list[str], object]]) -> None:
    """Load prepared rows: COPY into the tables (PostgreSQL), scratch file + INSERT … SELECT (SQLite)."""
    if conn.dialect.name == "postgresql":
        for table, (columns, payload) in prepared.items():
            bulk.copy_csv(conn, table, columns, payload)
        return
    schema = bulk.load_scratch(conn, {t: payload for t, (_, payload) in prepared.items()})
    for table, (columns, _) in prepared.items():
        cols = ", ".join(columns)
        vals = ", ".join(f"CAST({c} AS INTEGER)" if c == "nb_employees" else c for c in columns)
        conn.exec_driver_sql(f"INSERT INTO main.{table} ({cols}) SELECT {vals} FROM {schema}.{table}")
