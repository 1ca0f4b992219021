"""Small hand-written SecuTix frames for the dedup tests (fictional people)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from stx_migrate.migration.format import extended_format

LAYOUT = extended_format().layout()
BENCH = Path(__file__).resolve().parents[2] / "bench"


def frame(rows: list[dict], prefix: str = "clients") -> pd.DataFrame:
    """A SecuTix frame: every layout column, "" where not given, index ``prefix:1…``."""
    data = pd.DataFrame([{c: str(r.get(c, "")) for c in LAYOUT} for r in rows], columns=LAYOUT, dtype="str")
    data.index = pd.Index([r.get("_ref", f"{prefix}:{i + 1}") for i, r in enumerate(rows)], dtype="str", name="source_ref")
    return data


def person(**fields) -> dict:
    base = dict(INSTITUTION="DEMO", ORGANIZATION="DEMO", OPERATION="INSERT", TITLE="MR", FIRSTNAME="Jean",
                LASTNAME="Dupont", BIRTHDATE="14.03.1962", EMAIL1="jean.dupont@example.fr",
                CELLPHONE="+33 6 12 34 56 78", LINE1="12 rue Victor-Hugo", ZIPCODE="69002", TOWN="Lyon", COUNTRY="FR")
    base.update(fields)
    return base


def labelled_module():
    """bench/dedup_labelled.py, imported from its path (bench/ is not a package)."""
    spec = importlib.util.spec_from_file_location("dedup_labelled", BENCH / "dedup_labelled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
