"""Why a pair is proposed for review, and in which order a reviewer sees the pairs.

* evidence: per field, the comparison level and its learned weight in bits
  (``similar +6.1``), so a reviewer sees what agreed and what did not;
* order: pairs that touch the same clusters form one group (deciding one may settle the next),
  groups by impact — the number of records the group's merges would join — then by probability.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .cluster import connected_components
from .compare import field_bits
from .levels import FIELDS, LEVELS, person_levels
from .model import PersonModel
from .records import INDIVIDUAL, Records

EVIDENCE_COLUMNS = [f.replace("_", " ") for f in FIELDS]


def pair_evidence(rec: Records, model: PersonModel | None, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """One row per pair: ``level ±bits`` per field (persons); empty cells for structures or no model."""
    out = pd.DataFrame({c: pd.Series([""] * len(a), dtype="str") for c in EVIDENCE_COLUMNS})
    people = np.flatnonzero(rec.kind[a] == INDIVIDUAL) if model is not None else np.empty(0, np.int64)
    if not len(people):
        return out
    pa, pb = a[people], b[people]
    levels, _ = person_levels(rec, pa, pb)     # the levels only: the rules do not change them
    bits = field_bits(model, rec, pa, pb, levels)
    for field, column in zip(FIELDS, EVIDENCE_COLUMNS):
        names = np.asarray(LEVELS[field], dtype=object)[levels[field]]
        text = [f"{n} {w:+.1f}" if lv else "missing" for n, w, lv in zip(names, bits[field], levels[field])]
        out.loc[people, column] = text
    return out


def review_order(label_left: np.ndarray, label_right: np.ndarray, score: np.ndarray, cluster_size: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(order, group, impact)``: the reviewing order of the pairs, each pair's group number
    (1 = the first group shown) and the group's impact (records its merges would join)."""
    n = len(score)
    if not n:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    codes, uniques = pd.factorize(np.concatenate([label_left, label_right]))
    codes = np.asarray(codes, dtype=np.int64)
    comp = connected_components(len(uniques), codes[:n], codes[n:])
    pair_comp = comp[codes[:n]]
    sizes = cluster_size[np.asarray(uniques, dtype=np.int64)]
    impact_of_comp = np.bincount(comp, weights=sizes, minlength=len(uniques)).astype(np.int64)
    impact = impact_of_comp[pair_comp]
    best = pd.Series(score).groupby(pair_comp).transform("max").to_numpy()
    order = np.lexsort((-score, pair_comp, -best, -impact))
    first_seen = pd.factorize(pair_comp[order])[0] + 1
    group = np.empty(n, dtype=np.int64)
    group[order] = first_seen
    return order, group, impact
