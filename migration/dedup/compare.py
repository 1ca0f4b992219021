"""Scoring candidate pairs: a match probability per pair, and whether a SecuTix rule forces the merge.

Persons: Fellegi–Sunter weights learned from the data being deduplicated (:mod:`.model`, EM
over the candidate pairs' comparison levels of :mod:`.levels`), with the contact rules as fixed
penalties (a first name's other-sex form, titles of both sexes). Structures: few, and decided
by SecuTix's own notions (same name, administrative number, relay), so their weights stay
fixed bits: name exact +6, similar +3, different −8; administrative number equal +8, different
−10; e-mail +4/−0.5; phone +3/−0.5; address +3 / same postcode +0.5 / different −1.5; different
relays −20 (two relays of one company are two SecuTix contacts: a rule, not evidence).

SecuTix's own rules are not scored: the same contact number, or the same 10 structure fields
(secutix-format §7), is a merge (probability 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from .. import forked
from .blocking import Pairs
from .households import applied_rules
from .levels import FIELDS, distinct_pairs, overlap_levels, person_levels, pick, rule_bits
from .model import TF_FIELDS, PersonModel, estimate_u, fit, tf_bits
from .records import INDIVIDUAL, STRUCTURE, Records

W_PRIOR_STRUCTURE = -6.0
W_ORG = {"exact": 6.0, "similar": 3.0, "different": -8.0}
W_ADMIN = {"equal": 8.0, "different": -10.0, "missing": 0.0}
W_RELAY_DIFFERENT = -20.0  # two relays of one company are two SecuTix contacts, never a duplicate (a rule, like two sexes)
W_ADDRESS = {"same": 3.0, "same_zip": 0.5, "different": -1.5, "missing": 0.0}


@dataclass
class Scored:
    """Per candidate pair: match probability, SecuTix-rule merge; and the persons' learned model."""

    score: np.ndarray
    forced: np.ndarray
    model: PersonModel | None
    bits: np.ndarray        # the weight behind the score (not saturated near 1: orders the strongest edges)
    rules: frozenset[str] = frozenset()   # the contact rules applied (households.applied_rules)


def score_pairs(rec: Records, pairs: Pairs, households: bool = True) -> Scored:
    """Score every candidate pair; persons by the model learned on these very pairs.

    The comparison levels are computed chunk by chunk (:data:`CHUNK_PAIRS`), every other chunk
    by a forked child on a big input (:mod:`migration.forked`): the temporaries of one chunk,
    not of every pair, are alive at once. Same result either way.
    """
    left, right = pairs.left, pairs.right
    bits = np.zeros(len(pairs), dtype=np.float64)
    forced = np.zeros(len(pairs), dtype=bool)
    for start in range(0, len(pairs), CHUNK_PAIRS):   # gathers of one chunk at a time
        a, b = left[start:start + CHUNK_PAIRS], right[start:start + CHUNK_PAIRS]
        forced[start:start + CHUNK_PAIRS] = ((rec.contact_nr[a] == rec.contact_nr[b]) & (rec.contact_nr[a] >= 0)) | (
            (rec.structure_key[a] == rec.structure_key[b]) & (rec.structure_key[a] >= 0))
    kind = rec.kind[left]
    model = None
    ind = np.flatnonzero(kind == INDIVIDUAL)
    applied: set[str] = set()
    if len(ind):
        levels, rules, u = _levels_in_chunks(rec, left, right, ind)
        applied = applied_rules(rec, levels, rules, households)
        fixed = _compact(rule_bits(rules, applied))
        del rules
        model = fit(levels, u, fixed)
        for start in range(0, len(ind), CHUNK_PAIRS):
            part = slice(start, start + CHUNK_PAIRS)
            rows = ind[part]
            bits[rows] = person_bits(model, rec, left[rows], right[rows], {f: levels[f][part] for f in FIELDS}, fixed[part])
        del levels, fixed
    st = np.flatnonzero(kind == STRUCTURE)
    if len(st):
        bits[st] = _structure_weight(rec, left[st], right[st])
    bits[forced] = 60.0
    return Scored(probability(bits), forced, model, bits, frozenset(applied))


# Pairs compared at once: the level computation's temporaries (a few dozen arrays per pair) stay
# at a few hundred MB whatever the input; larger chunks gain nothing measurable.
CHUNK_PAIRS = 1_000_000


def _levels_in_chunks(rec: Records, left: np.ndarray, right: np.ndarray,
                      ind: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Levels (int8) and where each contact rule holds (bool) for the pairs ``ind``; and the
    model's starting ``u`` (:func:`estimate_u`, seeded: the same wherever it runs)."""
    starts = list(range(0, len(ind), CHUNK_PAIRS))

    def chunks(mine: list[int]) -> list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
        out = []
        for start in mine:
            rows = ind[start:start + CHUNK_PAIRS]
            levels, rules = person_levels(rec, left[rows], right[rows])
            out.append(({f: levels[f].astype(np.int8, copy=False) for f in FIELDS}, rules))
        return out

    if len(rec) < forked.PARALLEL_MIN_ROWS or len(starts) < 2:
        parts, u = chunks(starts), estimate_u(rec)
    else:   # every other chunk in the child: both sides get the same mix of pairs; the child, which
        # has no more chunks than this process and the last (partial) one when they are even, samples u
        even, (odd, u) = forked.run_jobs([partial(chunks, starts[0::2]), lambda: (chunks(starts[1::2]), estimate_u(rec))])
        parts = [None] * len(starts)
        parts[0::2], parts[1::2] = even, odd
        del even, odd
    levels, rules = ({k: np.concatenate([p[i][k] for p in parts]) for k in parts[0][i]} for i in (0, 1))
    return levels, rules, u


def _compact(fixed: np.ndarray) -> np.ndarray:
    """The rules' bits as float32 when that is exact (whole bits are): half the memory, the same sums."""
    small = fixed.astype(np.float32)
    return small if np.array_equal(small, fixed) else fixed


def person_bits(model: PersonModel, rec: Records, a: np.ndarray, b: np.ndarray, levels: dict[str, np.ndarray],
                fixed: np.ndarray) -> np.ndarray:
    """The pair's total weight in bits: prior + each field's level weight + term frequency + contact rules."""
    return model.prior + sum(field_bits(model, rec, a, b, levels).values()) + fixed


def field_bits(model: PersonModel, rec: Records, a: np.ndarray, b: np.ndarray,
               levels: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Bits per field per pair; an exact name also counts its term-frequency bits."""
    weights = model.weights()
    out = {}
    for field in FIELDS:
        bits = weights[field][levels[field]]
        if field in TF_FIELDS:
            codes = getattr(rec, TF_FIELDS[field])[a]
            bits = bits + np.where(levels[field] == 1, tf_bits(rec, field, codes), 0.0)
        out[field] = bits
    return out


def probability(bits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(bits, -60, 60)))


def _levels(conditions: list[tuple[np.ndarray, float]], default: float, n: int) -> np.ndarray:
    """The weight of the first condition that holds, per pair."""
    return pick(conditions, default, n, dtype=np.float64)


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
    by_level = np.array([weights["missing"], weights["equal"], weights["different"]])   # levels: missing, shared, different
    return by_level[overlap_levels(codes, a, b)]


def _address_weight(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    za, zb, sa, sb = rec.zip[a], rec.zip[b], rec.street[a], rec.street[b]
    return _levels([
        ((za < 0) | (zb < 0), W_ADDRESS["missing"]),
        ((za == zb) & (sa == sb) & (sa >= 0), W_ADDRESS["same"]),
        (za == zb, W_ADDRESS["same_zip"]),
    ], W_ADDRESS["different"], len(a))


def _similarity(texts: pd.Series, a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    out = np.zeros(len(a), dtype=np.float64)
    todo = np.flatnonzero((a >= 0) & (b >= 0))
    if not len(todo):
        return out
    pair_codes, inverse = distinct_pairs(a[todo], b[todo])
    x = texts.iloc[pair_codes[:, 0]].tolist()
    y = texts.iloc[pair_codes[:, 1]].tolist()
    out[todo] = process.cpdist(x, y, scorer=scorer, workers=-1)[inverse]
    return out
