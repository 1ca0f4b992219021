"""The letter-count cap that spares rapidfuzz the far-apart pairs: it never drops a pair the
scorer would find close, it does drop most unrelated ones, and the comparison levels are the
ones computed with every pair scored."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from dedup_cases import labelled_module
from stx_migrate.migration.dedup import levels
from stx_migrate.migration.dedup.blocking import candidate_pairs
from stx_migrate.migration.dedup.letters import letter_counts, may_reach
from stx_migrate.migration.dedup.records import INDIVIDUAL, build_records
from stx_migrate.migration.settings.dedup import DedupSettings


def _texts(rng: np.random.Generator, n: int, alphabet: str, longest: int) -> pd.Series:
    """Random words over a small alphabet (so that close pairs occur), plus typo'd copies of them."""
    words = ["".join(rng.choice(list(alphabet), rng.integers(1, longest + 1))) for _ in range(n)]
    for i in range(0, n, 3):      # a letter changed, dropped or doubled: the close pairs
        w = words[i]
        j = int(rng.integers(0, len(w)))
        words.append(w[:j] + rng.choice(list(alphabet)) + w[j + 1:] if i % 2 else w[:j] + w[j:][1:] + w[-1:] * 2)
    return pd.Series(list(dict.fromkeys(words)), dtype="str")


@pytest.mark.parametrize("scorer, bound, at_most", [
    (Levenshtein.distance, 1, True), (Levenshtein.distance, 2, True),
    (JaroWinkler.normalized_similarity, 0.88, False), (JaroWinkler.normalized_similarity, 0.70, False),
])
@pytest.mark.parametrize("alphabet, longest", [("AEIRSTNÉ", 9), ("0123456789", 5), ("ABCDEFGHIJKLMNOPQRSTUVWXYZ -", 24)])
def test_the_cap_never_drops_a_close_pair_and_drops_most_far_ones(scorer, bound, at_most, alphabet, longest):
    rng = np.random.default_rng(3)
    texts = _texts(rng, 400, alphabet, longest)
    x, y = (a.ravel() for a in np.meshgrid(np.arange(len(texts)), np.arange(len(texts))))
    pool = texts.tolist()
    # float32 scores compared as the levels compare them
    score = process.cpdist([pool[i] for i in x], [pool[i] for i in y], scorer=scorer, workers=-1)
    close = score <= bound if at_most else score >= bound
    counts, lengths = letter_counts(texts)
    kept = may_reach(counts, lengths, x, y, scorer, bound)
    assert close.any() and not (close & ~kept).any()
    if bound != 0.70:       # the thresholds of streets, towns, postcodes: most random pairs never reach rapidfuzz
        assert kept.mean() < 0.25


def test_long_texts_are_counted_without_overflow():
    texts = pd.Series(["A" * 300, "A" * 299 + "B", "B" * 300], dtype="str")
    counts, lengths = letter_counts(texts)
    assert lengths.tolist() == [300, 300, 300]
    kept = may_reach(counts, lengths, np.array([0, 0]), np.array([1, 2]), Levenshtein.distance, 1)
    assert kept.tolist() == [True, False]


def test_levels_are_the_ones_of_scoring_every_pair(monkeypatch):
    contacts = labelled_module().labelled_contacts(3000, seed=11)[0]
    rec = build_records(contacts, None, "FR")
    pairs = candidate_pairs(rec, list(DedupSettings().rules), 12)
    ind = np.flatnonzero(rec.kind[pairs.left] == INDIVIDUAL)
    rng = np.random.default_rng(0)
    people = np.flatnonzero(rec.kind == INDIVIDUAL)
    a = np.r_[pairs.left[ind], rng.choice(people, 20_000)]      # candidates and random pairs (the u sample)
    b = np.r_[pairs.right[ind], rng.choice(people, 20_000)]
    capped, capped_rules = levels.person_levels(rec, a, b)
    monkeypatch.setattr(levels, "may_reach", lambda counts, lengths, x, y, scorer, bound: np.ones(len(x), dtype=bool))
    every, every_rules = levels.person_levels(rec, a, b)
    for field in levels.FIELDS:
        assert np.array_equal(capped[field], every[field]), field
    for rule in every_rules:
        assert np.array_equal(capped_rules[rule], every_rules[rule]), rule
