"""The store's contacts as a SecuTix frame (for dedup against an environment, and for tests).

One row per active or inactive contact, OPERATION ``UPDATE``; the address shown is
the main one (else billing, else shipping) with ADDR_TYPE listing every use that
address serves; a relay carries its structure's name fields; criteria are written
``CODE=e1|e2`` one criterion per CRITnn column (in criterion-code order).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..format import extended_format
from .bulk import fetch_frame
from .columns import ADDRESS_FIELDS, AUTH_COLUMNS, CONTACT_FIELDS, MEAN_COLUMNS, USE_BITS, auth_col, db, mean_col

if TYPE_CHECKING:   # store.py opens connections and reads through this module: no import back at run time
    from .store import ContactStore

STRUCTURE_NAME_FIELDS = ["OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2"]


def _frame(conn, sql: str, columns: list[str]) -> pd.DataFrame:
    return fetch_frame(conn, sql, columns)


def export_frame(store: ContactStore) -> pd.DataFrame:
    layout = extended_format().layout()
    fields = [db(c) for c in CONTACT_FIELDS]
    with store.engine.connect() as c:
        contacts = _frame(c, f"SELECT c.id, c.contact_nr, i.code, c.organization, c.kind, c.structure_id, {', '.join('c.' + f for f in fields)} "
                             f"FROM contact c JOIN institution i ON i.id = c.institution_id WHERE c.status <> 'anonymized' ORDER BY c.id",
                          ["id", "CONTACT_NR", "INSTITUTION", "ORGANIZATION", "kind", "structure_id"] + CONTACT_FIELDS)
        addresses = _frame(c, f"SELECT contact_id, uses, {', '.join(db(f) for f in ADDRESS_FIELDS)} FROM address",
                           ["id", "uses"] + ADDRESS_FIELDS)
        means = _frame(c, f"SELECT id, {', '.join(mean_col(m) for m in MEAN_COLUMNS)} FROM contact "
                          f"WHERE status <> 'anonymized'", ["id"] + MEAN_COLUMNS)
        consents = _frame(c, f"SELECT id, {', '.join(auth_col(a) for a in AUTH_COLUMNS)} FROM contact "
                             f"WHERE status <> 'anonymized'", ["id"] + AUTH_COLUMNS)
        joined_elements = ("string_agg(e.code, '|' ORDER BY e.code)" if store.dialect == "postgresql"
                           else "group_concat(e.code, '|')")
        order = "" if store.dialect == "postgresql" else " ORDER BY a.contact_id, c.code, e.code"
        crit = _frame(c, f"SELECT contact_id, code, {joined_elements.replace('e.code', 'element')} FROM ("
                         f"SELECT a.contact_id, c.code, e.code AS element FROM criterion_assignment a "
                         f"JOIN criterion c ON c.id = a.criterion_id JOIN criterion_element e ON e.id = a.element_id{order}) x "
                         f"GROUP BY contact_id, code", ["id", "code", "element"])
        admin = _frame(c, "SELECT contact_id, code, number FROM admin_number", ["id", "code", "number"])
    out = contacts.set_index("id")
    out["OPERATION"] = "UPDATE"
    if out["BIRTHDATE"].notna().any():
        out["BIRTHDATE"] = pd.to_datetime(out["BIRTHDATE"], errors="coerce").dt.strftime("%d.%m.%Y")
    # a relay shows its structure's name fields (secutix-format §7 matching and dedup look at them)
    names = out[STRUCTURE_NAME_FIELDS]
    relay = out["kind"] == "relay"
    for f in STRUCTURE_NAME_FIELDS:
        out.loc[relay, f] = out.loc[relay, "structure_id"].map(names[f])
    if len(addresses):  # one line per use an address serves, as the file shows uses
        addresses = pd.concat([addresses[(addresses["uses"].astype("int64") & bit) != 0].assign(addr_type=use)
                               for use, bit in USE_BITS.items()], ignore_index=True)
        addresses["rank"] = addresses["addr_type"].map({"M": 0, "B": 1, "S": 2})
        addresses = addresses.sort_values(["id", "rank"])
        parts = addresses[ADDRESS_FIELDS].astype("object").fillna("").astype("str")
        key = parts[ADDRESS_FIELDS[0]]
        for f in ADDRESS_FIELDS[1:]:
            key = key + "\x1f" + parts[f]
        addresses["key"] = key
        first = addresses.drop_duplicates("id")
        same = addresses.merge(first[["id", "key"]], on=["id", "key"])
        uses = same.assign(v=1).pivot(index="id", columns="addr_type", values="v")  # (id, use) is unique
        uses = uses.reindex(index=out.index, columns=["M", "B", "S"]).fillna(0)
        types = pd.Series("", index=out.index, dtype="str")
        for use in ("M", "B", "S"):
            types = types + np.where(uses[use].to_numpy() > 0, use, "")
        first = first.set_index("id")
        for f in ADDRESS_FIELDS:
            out[f] = first[f].reindex(out.index)
        out["ADDR_TYPE"] = types.replace("MBS", "")
    means = means.set_index("id")
    for col in MEAN_COLUMNS:
        if means[col].notna().any():
            out[col] = means[col].reindex(out.index)
    consents = consents.set_index("id")
    for col in AUTH_COLUMNS:
        granted = consents[col].reindex(out.index)
        out[col] = pd.Series(np.where(granted.astype(bool), "TRUE", "FALSE"), index=out.index).where(granted.notna())
    if len(crit):
        joined = crit.sort_values(["id", "code"]).reset_index(drop=True)
        joined["cell"] = joined["code"] + "=" + joined["element"]
        joined["n"] = joined.groupby("id").cumcount() + 1
        joined = joined[joined["n"] <= 50]
        wide = joined.pivot(index="id", columns="n", values="cell")
        for n in wide.columns:
            out[f"CRIT{int(n):02d}"] = wide[n].reindex(out.index)
    if len(admin):
        first_admin = admin.sort_values(["id", "code"]).drop_duplicates("id").set_index("id")
        out["ADMIN_NUMBER"] = (first_admin["code"] + "=" + first_admin["number"]).reindex(out.index)
    out["NB_EMPLOYEES"] = pd.array(out["NB_EMPLOYEES"], dtype="Int64").astype("str").fillna("")
    frame = pd.DataFrame({code: (out[code] if code in out.columns else "") for code in layout}, index=out.index)
    frame = frame.astype("object").where(frame.notna(), "").astype("str")
    frame.index = pd.Index((store.name + ":" + out["CONTACT_NR"].astype("str")).to_numpy(), dtype="str", name="source_ref")
    return frame
