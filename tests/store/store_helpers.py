"""Helpers of the store tests (a module of its own: test files import it by name)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from stx_migrate.migration.format import extended_format
from stx_migrate.migration.reference import Criterion, ReferenceData

REFERENCE = ReferenceData(
    titles=frozenset({"MR", "MRS", "UNDEFINED"}),
    languages=frozenset({"fr", "en"}),
    structure_types=frozenset({"COMPANY", "SCHOOL"}),
    community_types=frozenset({"CE"}),
    admin_number_codes=frozenset({"SIRET", "VAT"}),
    criteria={
        "PREFCOL": Criterion(contact_type="individual", elements=frozenset({"Red", "Green", "Blue"})),
        "SECTOR": Criterion(contact_type="structure", elements=frozenset({"BANK", "SCHOOL"})),
        "SEGMENT": Criterion(contact_type="both", elements=frozenset({"ABO", "VIP"})),
    },
)



def frame(*rows: dict, dataset: str = "t") -> pd.DataFrame:
    """A SecuTix frame from a few rows given as {column: value}; INSTITUTION/ORGANIZATION default to DEMO."""
    layout = extended_format().layout()
    data = [{"INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", **r} for r in rows]
    for r in data:
        unknown = set(r) - set(layout)
        assert not unknown, unknown
    out = pd.DataFrame({c: pd.Series([r.get(c, "") for r in data], dtype="str") for c in layout})
    out.index = pd.Index([f"{dataset}:{i}" for i in range(1, len(rows) + 1)], dtype="str", name="source_ref")
    return out


def one(store, sql: str, **params):
    from sqlalchemy import text

    with store.engine.connect() as c:
        return c.execute(text(sql), params).all()


def large_contacts(n: int, name: str = "big") -> pd.DataFrame:
    """n rows: individuals with numbers, individuals without (auto-numbered), relays of 40 shared structures."""
    i = np.arange(n)
    base = frame(dict(LASTNAME="x"))
    rows = pd.DataFrame({c: pd.Series([base[c].iloc[0]] * n, dtype="str") for c in base.columns})
    numbers = pd.Series((i + 1_000).astype(str), dtype="str")
    rows["CONTACT_NR"] = numbers.where(i % 10 != 3, "")                       # 10 % allocated by the store
    rows["LASTNAME"] = "Name" + pd.Series(i.astype(str), dtype="str")
    relay = i % 7 == 0
    rows["OFFICIAL_NAME"] = pd.Series(np.where(relay, "Company " + (i % 40).astype(str), ""), dtype="str")
    rows["TOWN"] = pd.Series(np.where(relay, "Lyon", ""), dtype="str")
    rows["EMAIL1"] = "p" + pd.Series(i.astype(str), dtype="str") + "@example.com"
    rows["CRIT01"] = "SEGMENT=ABO"
    rows.index = pd.Index(f"{name}:" + pd.Series((i + 1).astype(str), dtype="str"), name="source_ref")
    return rows
