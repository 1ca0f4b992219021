"""Fellegi–Sunter weights learned from the data being deduplicated (no labels), as Splink does.

For each field level, ``m`` = P(level | same person) and ``u`` = P(level | two different persons);
a level's weight is ``log2(m / u)`` bits, and a pair's match probability is
``1 / (1 + 2^-(log2(λ / (1 - λ)) + Σ weights))``, λ being the share of candidate pairs that
are matches.

* ``u``: the chance agreement of two random persons. The exact level's ``u`` is the sum of the
  squared value frequencies (exact, no sampling); the other levels are shared out from a seeded
  random sample of person pairs.
* ``m`` and λ: expectation–maximisation over the candidate pairs, ``u`` held fixed (estimated
  independently, it anchors the EM to "same person", not "same household"). The pairs are
  grouped by their pattern of levels first, so each iteration costs the distinct patterns.
* Term frequency: an exact first or last name counts ``log2(Σ f² / f_value)`` bits more (a rare
  name is stronger evidence than Martin or Jean), bounded to ±``TF_BOUND`` bits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .levels import FIELDS, LEVELS, person_levels
from .records import INDIVIDUAL, Records

SAMPLE_PAIRS = 200_000
EM_ITERATIONS = 40
EM_TOLERANCE = 1e-5
TF_BOUND = 4.0
TF_MIN_NAMES = 1000
TF_FIELDS = {"first_name": "fn", "last_name": "ln"}
_EXACT_CODES = {"first_name": "fn", "last_name": "ln", "birth_date": "dob"}
_FLOOR = 1e-6
# The EM's prior, worth PRIOR_PAIRS candidate pairs: it decides on a tiny input (a handful of
# rows), and the data outweigh it from a few thousand pairs on. m: a match mostly agrees;
# u: how candidate pairs of different persons compare (measured on the bundled generator's data).
PRIOR_PAIRS = 200.0
PRIOR_SHARE = 0.02
# field: (m, u), one share per comparison level
PRIORS: dict[str, tuple[list[float], list[float]]] = {
    "first_name": ([0.0, 0.85, 0.05, 0.03, 0.04, 0.03],
                   [0.0, 0.27, 0.006, 0.007, 0.003, 0.714]),
    "last_name": ([0.0, 0.85, 0.06, 0.03, 0.02, 0.04],
                  [0.0, 0.14, 0.03, 0.24, 0.005, 0.585]),
    "birth_date": ([0.0, 0.92, 0.04, 0.01, 0.03],
                   [0.0, 0.034, 0.032, 0.022, 0.912]),
    "address": ([0.0, 0.8, 0.06, 0.02, 0.04, 0.08],
                [0.0, 0.011, 0.014, 0.043, 0.327, 0.605]),
    "email": ([0.0, 0.9, 0.1],
              [0.0, 0.0025, 0.9975]),
    "phone": ([0.0, 0.95, 0.05],
              [0.0, 0.0045, 0.9955]),
}


@dataclass
class PersonModel:
    """Learned ``m`` and ``u`` per field level (index 0 = missing, unused), λ, the EM's iterations."""

    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    match_share: float
    iterations: int

    def weights(self) -> dict[str, np.ndarray]:
        """Bits per level (0 for missing)."""
        return {f: np.r_[0.0, np.log2(np.maximum(self.m[f][1:], _FLOOR) / np.maximum(self.u[f][1:], _FLOOR))]
                for f in FIELDS}

    @property
    def prior(self) -> float:
        share = min(max(self.match_share, 1e-9), 1 - 1e-9)
        return float(np.log2(share / (1 - share)))

    def table(self) -> list[dict]:
        """One row per field level: m, u, weight (for docs, logs and the review's legend)."""
        w = self.weights()
        return [{"field": f, "level": name, "m": round(float(self.m[f][i]), 5), "u": round(float(self.u[f][i]), 6),
                 "bits": round(float(w[f][i]), 2)} for f in FIELDS for i, name in enumerate(LEVELS[f]) if i]


def estimate_u(rec: Records, seed: int = 0) -> dict[str, np.ndarray]:
    """``u`` per level from the value frequencies (exact) and a seeded random sample of person pairs."""
    people = np.flatnonzero(rec.kind == INDIVIDUAL)
    rng = np.random.default_rng(seed)
    size = min(SAMPLE_PAIRS, max(len(people) * (len(people) - 1) // 2, 1))
    a, b = rng.choice(people, size), rng.choice(people, size)
    keep = a != b
    levels, _ = person_levels(rec, np.minimum(a, b)[keep], np.maximum(a, b)[keep])
    u = {}
    for field in FIELDS:
        counts = np.bincount(levels[field], minlength=len(LEVELS[field])).astype(float)[1:]
        known = max(counts.sum(), 1.0)
        share = np.maximum(counts, 0.5) / known
        if field in _EXACT_CODES:
            exact = _collision(getattr(rec, _EXACT_CODES[field])[people])
            rest = share[1:] / max(share[1:].sum(), _FLOOR)
            share = np.r_[exact, (1 - exact) * rest]
        u[field] = np.r_[0.0, share / share.sum()]
    return u


def _collision(codes: np.ndarray) -> float:
    """Chance that two random records with a value share it: Σ f²."""
    codes = codes[codes >= 0]
    if len(codes) < 2:
        return _FLOOR
    f = np.bincount(codes) / len(codes)
    return float(max((f * f).sum(), _FLOOR))


def fit(levels: dict[str, np.ndarray], u: dict[str, np.ndarray], fixed: np.ndarray) -> PersonModel:
    """``m``, ``u`` and λ by EM over the candidate pairs' level patterns (``u`` starts from the random sample).

    ``fixed``: the contact rules' bits per pair, known evidence added to every E-step, so that
    spouses and parents with children do not teach the model what a match looks like.
    """
    sizes = [len(LEVELS[f]) for f in FIELDS]
    penalty_codes, penalties = pd.factorize(np.round(fixed, 3))
    pattern = np.asarray(penalty_codes, dtype=np.int64)
    for field, size in zip(FIELDS, sizes):
        pattern = pattern * size + levels[field]
    counts = np.bincount(pattern)       # a few thousand patterns: counting, not sorting the pairs
    uniq = np.flatnonzero(counts)
    count = counts[uniq]
    columns, rest = [], uniq
    for size in reversed(sizes):
        columns.append(rest % size)
        rest = rest // size
    grid = dict(zip(FIELDS, reversed(columns)))
    offset = np.asarray(penalties, dtype=float)[rest] * np.log(2)
    m = {f: np.asarray(PRIORS[f][0]) for f in FIELDS}
    share, iterations = 0.1, 0
    log_u = sum(np.log(np.maximum(u[f][grid[f]], _FLOOR)) * (grid[f] > 0) for f in FIELDS)
    for iterations in range(1, EM_ITERATIONS + 1):
        log_m = sum(np.log(np.maximum(m[f][grid[f]], _FLOOR)) * (grid[f] > 0) for f in FIELDS)
        odds = np.log(share) - np.log1p(-share) + log_m - log_u + offset
        p = 1 / (1 + np.exp(-np.clip(odds, -700, 700)))
        weight = p * count
        new_share = float((weight.sum() + PRIOR_PAIRS * PRIOR_SHARE) / (count.sum() + PRIOR_PAIRS))
        new_m = {f: _level_shares(grid[f], weight, np.asarray(PRIORS[f][0])) for f in FIELDS}
        u = {f: _level_shares(grid[f], (1 - p) * count, np.asarray(PRIORS[f][1])) for f in FIELDS}
        log_u = sum(np.log(np.maximum(u[f][grid[f]], _FLOOR)) * (grid[f] > 0) for f in FIELDS)
        change = max(abs(new_share - share), *(np.abs(new_m[f] - m[f]).max() for f in FIELDS))
        m, share = new_m, min(max(new_share, 1e-9), 1 - 1e-9)
        if change < EM_TOLERANCE:
            break
    return PersonModel(m=m, u=u, match_share=share, iterations=iterations)


def _level_shares(level: np.ndarray, weight: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Each level's share of ``weight`` (missing left out), with the prior's pseudo-pairs."""
    mass = np.bincount(level, weights=weight, minlength=len(prior))
    mass[0] = 0
    mass = mass + prior * PRIOR_PAIRS
    return mass / max(mass.sum(), _FLOOR)


def tf_bits(rec: Records, field: str, codes: np.ndarray) -> np.ndarray:
    """Term-frequency bits for an exact agreement on ``codes``: ``log2(Σ f² / f_value)``, bounded."""
    f, people = rec.derived("name frequencies:" + field, lambda: _frequencies(rec, field))
    if people < TF_MIN_NAMES:      # a few names say nothing about how common a name is
        return np.zeros(len(codes))
    collision = float((f * f).sum())
    value = np.maximum(f[np.maximum(codes, 0)], 1 / people)
    return np.clip(np.log2(collision / value), -TF_BOUND, TF_BOUND)


def _frequencies(rec: Records, field: str) -> tuple[np.ndarray, int]:
    """Each name code's share among the persons' names, and how many persons have one."""
    all_codes = getattr(rec, TF_FIELDS[field])
    people = all_codes[(rec.kind == INDIVIDUAL) & (all_codes >= 0)]
    return np.bincount(people, minlength=int(all_codes.max(initial=0)) + 1) / max(len(people), 1), len(people)
