"""Scoring candidate pairs: field comparisons weighed as evidence (Fellegi–Sunter style).

Each field comparison falls in a level (exact, similar, abbreviated, different, missing) and
each level adds a weight in bits (log2 of how much likelier the level is for a true match
than for a non-match). The sum plus a prior gives the score ``1 / (1 + 2^-w)`` in 0..1.
The weights are set by hand, documented in docs/dedup.md and checked by the labelled
benchmark (bench/bench_dedup.py); the levels that separate the traps a careless matcher
merges are strongly negative: a different first name (spouses share address, phone and
e-mail), a female form of the same first name (Jean / Jeanne), a title of the other sex,
and two birth dates that differ (parent and child of the same name).

SecuTix's own rules are not scored: the same contact number, or the same 10 structure
fields (secutix-format §7), is a merge (score 1).
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Prefix

from .. import forked
from .blocking import RULE_PRIORITY, Pairs
from .records import COUPLE, INDIVIDUAL, STRUCTURE, Records

# Weights (bits). Individuals.
W_PRIOR_INDIVIDUAL = -9.25
W_FIRST = {"exact": 4.0, "similar": 3.0, "abbreviated": 1.5, "weak": -2.0, "different": -10.0, "missing": 0.0}
W_LAST = {"exact": 4.0, "similar": 2.5, "partial": 1.0, "different": -3.0, "missing": 0.0}
W_SEX_CONFLICT = -6.0
W_BIRTH = {"equal": 7.0, "same_year": 0.0, "different": -12.0, "missing": 0.0}
W_EMAIL = {"equal": 7.0, "different": -1.0, "missing": 0.0}
W_PHONE = {"equal": 4.0, "different": -1.0, "missing": 0.0}
W_ADDRESS = {"same": 3.0, "same_zip": 0.5, "different": -1.5, "missing": 0.0}
# Structures.
W_PRIOR_STRUCTURE = -6.0
W_ORG = {"exact": 6.0, "similar": 3.0, "different": -8.0}
W_ADMIN = {"equal": 8.0, "different": -10.0, "missing": 0.0}
W_RELAY_DIFFERENT = -10.0  # two relays of one company are two contacts, not a duplicate

# A first name and its female (or male) form are different people, not a typo.
_GENDER_SUFFIXES = ("E", "NE", "LE", "TE", "TTE", "ETTE", "A", "INE", "IA", "S")
# Short forms that are not prefixes (FR, DE).
NICKNAMES = {
    "HANS": "JOHANNES", "JOHANN": "JOHANNES", "SEPP": "JOSEF", "JOSEPH": "JOSEF", "FRITZ": "FRIEDRICH",
    "FRANZ": "FRANZISKUS", "HEINZ": "HEINRICH", "KLAUS": "NIKOLAUS", "GRETE": "MARGARETE", "LIESEL": "ELISABETH",
    "BETTINA": "ELISABETH", "SUSI": "SUSANNE", "UWE": "ULRICH", "URS": "URSUS", "RESI": "THERESIA",
    "FRED": "FREDERIC", "FREDO": "FREDERIC", "TITOU": "THIBAULT", "JOJO": "JOSEPH", "MANU": "EMMANUEL",
    "BABETTE": "ELISABETH", "ZAZA": "ISABELLE", "ISA": "ISABELLE", "BABETH": "ELISABETH", "NICO": "NICOLAS",
    "TONI": "ANTON", "TONY": "ANTOINE", "GUS": "AUGUSTE", "TOM": "THOMAS", "BEN": "BENJAMIN",
}


def score_pairs(rec: Records, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """``(score, forced)`` per pair: the match score in 0..1 and whether a SecuTix rule forces the merge.

    Every pair is scored on its own, so on a big input the second half of the pairs is scored
    by a forked child meanwhile (:mod:`migration.forked`); same scores either way.
    """
    half = len(pairs) // 2
    if len(rec) < forked.PARALLEL_MIN_ROWS or not half:
        return _score_pairs(rec, pairs)
    parts = forked.run_jobs([partial(_score_pairs, rec, _slice(pairs, 0, half)),
                             partial(_score_pairs, rec, _slice(pairs, half, len(pairs)))])
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _slice(pairs: Pairs, start: int, stop: int) -> Pairs:
    return Pairs(pairs.left[start:stop], pairs.right[start:stop], pairs.rule[start:stop])


def _score_pairs(rec: Records, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    score = np.zeros(len(pairs), dtype=np.float64)
    forced = np.zeros(len(pairs), dtype=bool)
    if not len(pairs):
        return score, forced
    left, right = pairs.left, pairs.right
    kind = rec.kind[left]

    same_nr = (rec.contact_nr[left] == rec.contact_nr[right]) & (rec.contact_nr[left] >= 0)
    same_structure = (rec.structure_key[left] == rec.structure_key[right]) & (rec.structure_key[left] >= 0)
    forced = same_nr | same_structure

    ind = np.flatnonzero(kind == INDIVIDUAL)
    if len(ind):
        score[ind] = _score(_individual_weight(rec, left[ind], right[ind]))
    st = np.flatnonzero(kind == STRUCTURE)
    if len(st):
        score[st] = _score(_structure_weight(rec, left[st], right[st]))
    score[forced] = 1.0
    return score, forced


def rule_names(pairs: Pairs) -> np.ndarray:
    """The name of the strongest rule that found each pair."""
    names = np.array([name for name, _ in sorted(RULE_PRIORITY.items(), key=lambda kv: kv[1])], dtype=object)
    return names[pairs.rule]


def _score(weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


def _levels(conditions: list[tuple[np.ndarray, float]], default: float, n: int) -> np.ndarray:
    """The weight of the first condition that holds, per pair."""
    out = np.full(n, default, dtype=np.float64)
    decided = np.zeros(n, dtype=bool)
    for cond, weight in conditions:
        take = cond & ~decided
        out[take] = weight
        decided |= cond
    return out


def _individual_weight(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = len(a)
    fa, fb, la, lb = rec.fn[a], rec.fn[b], rec.ln[a], rec.ln[b]
    swapped = (fa >= 0) & (la >= 0) & (fa == lb) & (la == fb) & (fa != la)
    first = _first_name_levels(rec, fa, fb)
    last = _last_name_levels(rec, la, lb)
    first = np.where(swapped, W_FIRST["exact"], first)
    last = np.where(swapped, W_LAST["exact"], last)

    sa, sb = rec.sex[a], rec.sex[b]
    sex = np.where((sa > 0) & (sb > 0) & (sa != sb) & (sa != COUPLE) & (sb != COUPLE), W_SEX_CONFLICT, 0.0)

    da, db = rec.dob[a], rec.dob[b]
    birth = _levels([
        ((da < 0) | (db < 0), W_BIRTH["missing"]),
        (da == db, W_BIRTH["equal"]),
        (rec.dob_year[a] == rec.dob_year[b], W_BIRTH["same_year"]),
    ], W_BIRTH["different"], n)

    return (W_PRIOR_INDIVIDUAL + first + last + sex + birth
            + _overlap_weight(rec.emails, a, b, W_EMAIL) + _overlap_weight(rec.phones, a, b, W_PHONE)
            + _address_weight(rec, a, b))


def _structure_weight(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = len(a)
    oa, ob = rec.org[a], rec.org[b]
    sim = _similarity(rec.org_text, oa, ob, JaroWinkler.normalized_similarity)
    org = _levels([(oa == ob, W_ORG["exact"]), (sim >= 0.92, W_ORG["similar"])], W_ORG["different"], n)
    xa, xb = rec.admin[a], rec.admin[b]
    admin = _levels([((xa < 0) | (xb < 0), W_ADMIN["missing"]), (xa == xb, W_ADMIN["equal"])], W_ADMIN["different"], n)
    # Relays: rows naming different contact persons, or a structure row and a structure + relay
    # row, are different SecuTix contacts (SecuTix shares the structure itself, secutix-format §7).
    has_a, has_b = (rec.fn[a] >= 0) | (rec.ln[a] >= 0), (rec.fn[b] >= 0) | (rec.ln[b] >= 0)
    same_person = (rec.fn[a] == rec.fn[b]) & (rec.ln[a] == rec.ln[b])
    relay = np.where((has_a != has_b) | (has_a & has_b & ~same_person), W_RELAY_DIFFERENT, 0.0)
    return (W_PRIOR_STRUCTURE + org + admin + relay
            + _overlap_weight(rec.emails, a, b, {"equal": 4.0, "different": -0.5, "missing": 0.0})
            + _overlap_weight(rec.phones, a, b, {"equal": 3.0, "different": -0.5, "missing": 0.0})
            + _address_weight(rec, a, b))


def _overlap_weight(codes: np.ndarray, a: np.ndarray, b: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    ca, cb = codes[a], codes[b]
    any_a, any_b = (ca >= 0).any(axis=1), (cb >= 0).any(axis=1)
    equal = np.zeros(len(a), dtype=bool)
    for i in range(ca.shape[1]):
        for j in range(cb.shape[1]):
            equal |= (ca[:, i] == cb[:, j]) & (ca[:, i] >= 0)
    return _levels([(equal, weights["equal"]), (~any_a | ~any_b, weights["missing"])], weights["different"], len(a))


def _address_weight(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    za, zb, sa, sb = rec.zip[a], rec.zip[b], rec.street[a], rec.street[b]
    return _levels([
        ((za < 0) | (zb < 0), W_ADDRESS["missing"]),
        ((za == zb) & (sa == sb) & (sa >= 0), W_ADDRESS["same"]),
        (za == zb, W_ADDRESS["same_zip"]),
    ], W_ADDRESS["different"], len(a))


def _first_name_levels(rec: Records, fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Weights of the first-name comparison, computed once per distinct pair of names."""
    n = len(fa)
    out = np.full(n, W_FIRST["missing"], dtype=np.float64)
    both = (fa >= 0) & (fb >= 0)
    out[both & (fa == fb)] = W_FIRST["exact"]
    todo = np.flatnonzero(both & (fa != fb))
    if not len(todo):
        return out
    pair_codes, inverse = _distinct_pairs(fa[todo], fb[todo])
    x = rec.fn_text.iloc[pair_codes[:, 0]].reset_index(drop=True)
    y = rec.fn_text.iloc[pair_codes[:, 1]].reset_index(drop=True)
    jw = process.cpdist(x.tolist(), y.tolist(), scorer=JaroWinkler.normalized_similarity, workers=-1)
    prefix = process.cpdist(x.tolist(), y.tolist(), scorer=Prefix.similarity, workers=-1)
    shorter = np.minimum(x.str.len().to_numpy(), y.str.len().to_numpy())
    ph_a, ph_b = _phonetic_of(rec.fn, rec.fn_ph, pair_codes[:, 0]), _phonetic_of(rec.fn, rec.fn_ph, pair_codes[:, 1])
    variant = np.zeros(len(x), dtype=bool)
    for suffix in _GENDER_SUFFIXES:
        variant |= ((x + suffix) == y).to_numpy() | ((y + suffix) == x).to_numpy()
    canon_x, canon_y = x.map(NICKNAMES).fillna(x), y.map(NICKNAMES).fillna(y)
    nickname = (canon_x == canon_y).to_numpy() | (canon_x == y).to_numpy() | (canon_y == x).to_numpy()
    is_prefix = (prefix == shorter) & ((shorter >= 3) | (shorter == 1))
    initials = _initials_match(x, y)
    level = _levels([
        (variant, W_FIRST["different"]),
        ((jw >= 0.90) | ((ph_a == ph_b) & (ph_a >= 0) & (jw >= 0.85)), W_FIRST["similar"]),
        (is_prefix | nickname | initials, W_FIRST["abbreviated"]),
        (jw >= 0.80, W_FIRST["weak"]),
    ], W_FIRST["different"], len(x))
    out[todo] = level[inverse]
    return out


def _initials_match(x: pd.Series, y: pd.Series) -> np.ndarray:
    """``JP`` against ``JEANPIERRE``: a 2–3 letter name made of the other's initials.

    Compound first names are compacted, so their initials are guessed from a list of the
    usual first parts (Jean-, Marie-, Anne-, Hans-, …).
    """
    def initials(s: pd.Series) -> pd.Series:
        pattern = r"^([JMAHKPLF])(?:EAN|ARIE|NNE|ANS|ARL|IERRE|OUIS|AUL|RANZ|NNA)(.).*$"
        return s.str.replace(pattern, r"\1\2", regex=True).where(s.str.match(pattern), "")

    ix, iy = initials(x), initials(y)
    return (((x == iy) & (iy != "")) | ((y == ix) & (ix != ""))).to_numpy()


def _phonetic_of(codes: np.ndarray, phonetic: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Phonetic code of each name code in ``wanted`` (looked up through any record holding it)."""
    holder = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    valid = codes >= 0
    holder[codes[valid]] = phonetic[valid]
    return holder[wanted]


def _last_name_levels(rec: Records, la: np.ndarray, lb: np.ndarray) -> np.ndarray:
    n = len(la)
    out = np.full(n, W_LAST["missing"], dtype=np.float64)
    both = (la >= 0) & (lb >= 0)
    out[both & (la == lb)] = W_LAST["exact"]
    todo = np.flatnonzero(both & (la != lb))
    if not len(todo):
        return out
    pair_codes, inverse = _distinct_pairs(la[todo], lb[todo])
    x = rec.ln_text.iloc[pair_codes[:, 0]].tolist()
    y = rec.ln_text.iloc[pair_codes[:, 1]].tolist()
    jw = process.cpdist(x, y, scorer=JaroWinkler.normalized_similarity, workers=-1)
    prefix = process.cpdist(x, y, scorer=Prefix.similarity, workers=-1)
    shorter = np.minimum([len(v) for v in x], [len(v) for v in y])
    ph_a, ph_b = _phonetic_of(rec.ln, rec.ln_ph, pair_codes[:, 0]), _phonetic_of(rec.ln, rec.ln_ph, pair_codes[:, 1])
    level = _levels([
        ((jw >= 0.88) | ((ph_a == ph_b) & (ph_a >= 0) & (jw >= 0.70)), W_LAST["similar"]),
        ((prefix == shorter) & (shorter >= 4), W_LAST["partial"]),   # Dupont / Dupont-Martin
    ], W_LAST["different"], len(x))
    out[todo] = level[inverse]
    return out


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) code pairs (n × 2) and, per input, its row among them (hashing, no sort)."""
    width = int(max(a.max(initial=0), b.max(initial=0))) + 1
    inverse, uniques = pd.factorize(a.astype(np.int64) * width + b.astype(np.int64))
    uniques = np.asarray(uniques, dtype=np.int64)
    return np.stack([uniques // width, uniques % width], axis=1), np.asarray(inverse, dtype=np.int64)


def _similarity(texts: pd.Series, a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    out = np.zeros(len(a), dtype=np.float64)
    todo = np.flatnonzero((a >= 0) & (b >= 0))
    if not len(todo):
        return out
    pair_codes, inverse = _distinct_pairs(a[todo], b[todo])
    x = texts.iloc[pair_codes[:, 0]].tolist()
    y = texts.iloc[pair_codes[:, 1]].tolist()
    out[todo] = process.cpdist(x, y, scorer=scorer, workers=-1)[inverse]
    return out
