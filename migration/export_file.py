"""Contacts with their contact numbers in the template layout, ready to edit and send back as an UPDATE.

The first step of update-as-a-service in the SecuTix procedure ("ask for an Excel list of the
contacts with their IDs, edit it, send it back"). From an emulated store's contacts, or from a
SecuTix export file in the template layout. Every row is an UPDATE on its CONTACT_NR, so the file
edited and returned is an update request as it stands (``stx-migrate service update``).
"""
from __future__ import annotations

import pandas as pd

from .errors import InputError
from .format import extended_format


def contacts_for_update(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """``frame``'s contacts as UPDATE rows in the template layout, sorted by contact number."""
    codes = extended_format().layout()
    out = frame.reindex(columns=codes, fill_value="").fillna("").astype("str")
    missing = out["CONTACT_NR"].str.strip() == ""
    if missing.any():
        raise InputError("a contact without a contact number cannot be updated by number", file=origin,
                         row=str(frame.index[int(missing.to_numpy().argmax())]), column="CONTACT_NR")
    out["OPERATION"] = "UPDATE"
    order = pd.to_numeric(out["CONTACT_NR"], errors="coerce")
    out = out.iloc[order.argsort(kind="stable").to_numpy()]
    out.index = pd.Index([f"export:{i}" for i in range(1, len(out) + 1)], dtype="str", name="source_ref")
    return out
