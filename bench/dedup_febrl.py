"""The public FEBRL benchmark sets as SecuTix contacts, with their truth (bench/data/febrl/README.md).

``febrl_contacts(name)`` returns ``(contacts, identity)``: a SecuTix frame (every layout column,
``str``, index ``febrl:<rec_id>``) and the true identity of each row (``rec-N`` of
``rec-N-org`` / ``rec-N-dup-k``). ``name`` is ``febrl1``, ``febrl2`` or ``febrl4`` (4A and 4B
stacked, deduplicated as one file). ``soc_sec_id`` is left out: a ticketing contact has none.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from stx_migrate.migration.format import extended_format

DATA = Path(__file__).resolve().parent / "data" / "febrl"
SETS = {"febrl1": ["dataset1.csv"], "febrl3": ["dataset3.csv"], "febrl2": ["dataset2.csv"], "febrl4": ["dataset4a.csv", "dataset4b.csv"]}


def febrl_raw(name: str) -> pd.DataFrame:
    """The FEBRL columns as text ("" = missing), indexed by ``rec_id``."""
    frames = [pd.read_csv(DATA / file, dtype=str, skipinitialspace=True, keep_default_na=False) for file in SETS[name]]
    raw = pd.concat(frames, ignore_index=True)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw.apply(lambda c: c.str.strip())
    return raw.set_index("rec_id")


def febrl_contacts(name: str) -> tuple[pd.DataFrame, pd.Series]:
    raw = febrl_raw(name)
    n = len(raw)
    contacts = pd.DataFrame({code: pd.Series([""] * n, dtype="str") for code in extended_format().layout(with_role=True)})
    dob = raw["date_of_birth"]
    valid = dob.str.fullmatch(r"\d{8}")
    mapped = {
        "FIRSTNAME": raw["given_name"],
        "LASTNAME": raw["surname"],
        "LINE1": (raw["street_number"] + " " + raw["address_1"]).str.strip(),
        "LINE2": raw["address_2"],
        "TOWN": raw["suburb"],
        "ZIPCODE": raw["postcode"],
        "DEPARTMENT": raw["state"],
        # SecuTix dates are dd.mm.yyyy; a mistyped date that is not 8 digits stays as typed
        "BIRTHDATE": (dob.str.slice(6, 8) + "." + dob.str.slice(4, 6) + "." + dob.str.slice(0, 4)).where(valid, dob),
        "COUNTRY": pd.Series(["AU"] * n, index=raw.index),
    }
    for code, values in mapped.items():
        contacts[code] = values.to_numpy(dtype=object)
    contacts = contacts.astype("str")
    contacts.index = pd.Index("febrl:" + raw.index.to_series(), name="source_ref")
    identity = pd.Series(raw.index.str.extract(r"^(rec-\d+)")[0].to_numpy(), index=contacts.index, name="identity")
    return contacts, identity
