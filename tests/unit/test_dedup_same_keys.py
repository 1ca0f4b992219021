"""The Arrow and numpy ways of making dedup's keys give what the per-value Python ways gave.

Each reference below is the earlier code (or plain ``re``), kept here to compare against on
awkward text: accents, ligatures, empty and whitespace-only values, other scripts, line breaks.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from stx_migrate.migration.dedup import blocking, keys
from stx_migrate.migration.dedup.arrow_text import collapse_runs
from stx_migrate.migration.dedup.normalise import compact, fold_text, normalise_email, normalise_street
from stx_migrate.migration.dedup.phonetic import _REWRITES, phonetic_key
from stx_migrate.migration.dedup.records import _structure_codes

AWKWARD = [
    "", " ", "   ", "\t", "\n", "\u00a0", "A", "AA", "aa", "AAA", "ABBA", "MÜLLER", "Mueller", "Straße", "ẞẞ",
    "Œuvre", "æsir", "Łódź", "Ørsted", "Éloïse-Marie  d'Aubigné", "Jean\nJean", "Ленина", "Ааа", "日本日本", "東京",
    "ΑΘΗΝΑ", "ﬁﬁ", "Ⅻ", "١٢٣", "x\u0301\u0301", "Dupont-Dupont", "O'Connor", "ss", "ß", "Ǆǅ", "🙂🙂", "\u200b",
    "SCHMITT", "Philippe", "Lefebvre", "CC", "a\r\nb", " ab ", "0", "00",
]


def _series(values) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def test_collapse_runs_is_re_on_any_text():
    values = _series(AWKWARD + ["".join(sorted(v)) for v in AWKWARD])
    expected = [re.sub(r"(.)\1+", r"\1", v) for v in values]
    assert collapse_runs(values).tolist() == expected
    assert collapse_runs(values.iloc[5:9]).index.tolist() == [5, 6, 7, 8]     # a slice: its own offsets
    assert collapse_runs(_series(["AAB", "", "BB"])).tolist() == ["AB", "", "B"]
    assert collapse_runs(_series([])).tolist() == []


def _python_phonetic(name: str) -> str:
    for pattern, repl in _REWRITES:
        name = re.sub(pattern, repl.replace("$1", r"\1"), name)
    rest = re.sub(r"(.)\1+", r"\1", re.sub("[AEIOU]", "", name[1:]))
    return name[:1] + rest


def test_phonetic_key_is_the_rewrites_applied_by_re():
    names = compact(_series(AWKWARD + ["Meyer", "Schmidt", "Dupond", "Rousseau", "Chevalier", "Bernhard", "Quentin",
                                       "Zazie", "Xavier", "Hoffmann", "Guillaume", "Thérèse", "Ceccaldi", "Sébastien"]))
    assert phonetic_key(names).tolist() == [_python_phonetic(n) for n in names]


def _python_email(value: str) -> str:
    text = value.strip().lower()
    at = text.find("@")
    ok = at > 0 and text.rfind(".") > at + 1 and text.rfind("@") == at and " " not in text
    return text if ok else ""


def test_email_shape_check_is_the_find_rfind_one():
    values = ["", " ", "a@b.c", "@b.c", "a@.c", "a@b.", "a@bc", "a@@b.c", "a@b@c.d", "a b@c.d", "a\n@b.c", "a@b\n.c",
              " A@B.C ", "é@ü.ß", "Ü@ÜÜ.DE", "a.b@c", "a@b..c", "a@b.c.", "\u00a0a@b.c", "a@b\u00a0.c", "é@.ü",
              "x@y.z@", "a\t@b.c", "日本@例え.jp", "a@b.c d", "ǅ@Ǆ.x", ".@..", "a@b.c\u200b"]
    assert normalise_email(_series(values)).tolist() == [_python_email(v) for v in values]


def test_street_words_unchanged_by_the_space_step():
    from stx_migrate.migration.dedup.normalise import _STREET_WORDS
    values = _series(AWKWARD + ["12, r. Victor-Hugo", "3 bd  St-Michel", "Hauptstrasse 4", "1 ch. des Vignes bis",
                                "Route\tde\nGenève", "  7  av. Foch  "])
    text = fold_text(values).tolist()
    for pattern, repl in _STREET_WORDS:
        text = [re.sub(pattern, repl, t) for t in text]
    assert normalise_street(values).tolist() == [re.sub(r"\s+", " ", t).strip() for t in text]


def test_structure_codes_are_the_joined_folded_fields_factorized():
    rng = np.random.default_rng(3)
    pool = ["", " ", "Théâtre du Lac", "THEATRE DU LAC", "théâtre-du-lac", "Ленина", "Rue  X", "rue x", "A|B", "A", "B"]
    columns = [_series(rng.choice(pool, 400)) for _ in range(5)]
    joined = fold_text(columns[0])
    for column in columns[1:]:
        joined = joined + "|" + fold_text(column)
    assert _structure_codes(columns).tolist() == pd.factorize(joined)[0].tolist()


def _old_combine(*codes):
    missing = np.zeros(len(codes[0]), dtype=bool)
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        missing |= code < 0
        key = key * (int(code.max(initial=0)) + 2) + (code + 1)
        key = np.asarray(pd.factorize(key)[0], dtype=np.int64)
    return np.where(missing, -1, key)


def test_combine_numbers_tuples_as_a_factorize_per_part_did():
    rng = np.random.default_rng(5)
    parts = [rng.integers(-1, 40, 5000), rng.integers(-1, 3, 5000), rng.integers(-1, 2**40, 5000) % 1000,
             np.full(5000, 2**40, dtype=np.int64), rng.integers(-1, 2**31, 5000)]   # the last two overflow one int64
    for chosen in ([0], [0, 1], [0, 1, 2], [2, 3, 4, 0], [3, 4, 3, 4]):
        assert np.array_equal(keys.combine(*[parts[i] for i in chosen]), _old_combine(*[parts[i] for i in chosen]))


def _old_sorted_neighbour_pairs(key, kind, window, tiebreak=None, budget=None):
    rows = np.flatnonzero((key >= 0) & (kind > 0))
    if len(rows) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64), 0
    k = key[rows] * 3 + kind[rows]
    tie = (tiebreak[rows] + 1) if tiebreak is not None else rows
    order = np.lexsort((tie, k))
    sorted_rows, sorted_k = rows[order], k[order]
    block_sizes = np.diff(np.r_[0, np.flatnonzero(sorted_k[1:] != sorted_k[:-1]) + 1, len(sorted_k)])
    capped = int(block_sizes[block_sizes > window + 1].sum())
    in_big = np.repeat(block_sizes > min(window + 1, blocking.SMALL_BLOCK), block_sizes)
    lefts, rights, big_total = [], [], 0
    limit = budget * len(rows) if budget is not None else float("inf")
    for step in range(1, window + 1):
        same = sorted_k[:-step] == sorted_k[step:]
        if big_total >= limit:
            same &= ~in_big[:-step]
        if not same.any():
            break
        lefts.append(sorted_rows[:-step][same])
        rights.append(sorted_rows[step:][same])
        big_total += int(np.count_nonzero(same & in_big[:-step]))
    if not lefts:
        return np.empty(0, np.int64), np.empty(0, np.int64), capped
    return np.concatenate(lefts), np.concatenate(rights), capped


@pytest.mark.parametrize("values,ties", [(3, 5), (40, 2), (400, 50), (2, 2**60 // 3000), (2, 2**61)])
@pytest.mark.parametrize("budget", [None, 0.5, 0.05])
def test_sorted_neighbour_pairs_in_the_stable_order(values, ties, budget):
    rng = np.random.default_rng(values + ties)
    n = 3000
    key, kind = rng.integers(-1, values, n), rng.integers(0, 3, n)
    tiebreak = rng.integers(-1, ties, n)
    for tie in (None, tiebreak):
        got, want = (f(key, kind, 12, tie, budget) for f in (blocking.sorted_neighbour_pairs, _old_sorted_neighbour_pairs))
        assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1]) and got[2] == want[2]


def test_one_key_pass_pairs_are_distinct():
    rng = np.random.default_rng(9)
    key, kind = rng.integers(-1, 30, 2000), np.ones(2000, dtype=np.int8)
    left, right, _ = blocking.sorted_neighbour_pairs(key, kind, 12, rng.integers(-1, 5, 2000), 0.5)
    pair_keys = blocking._pair_keys(left, right, 2000, np.zeros(2000, dtype=np.int8))
    assert len(pd.unique(pair_keys)) == len(pair_keys)


def test_text_rank_and_house_number_as_python_gave_them():
    texts = compact(_series(AWKWARD + ["DUPONT", "DUPOND", "ZOE", "ÉLODIE", "ELODIE"]))
    codes = np.arange(-1, len(texts))
    for reverse in (False, True):
        objects = texts.str.slice(step=-1) if reverse else texts
        rank = np.empty(len(texts), dtype=np.int64)
        rank[np.argsort(objects.to_numpy(dtype=object), kind="stable")] = np.arange(len(texts))
        assert np.array_equal(keys.text_rank(codes, texts, reverse), np.where(codes >= 0, rank[np.maximum(codes, 0)], -1))

    class Streets:
        street_text = normalise_street(_series(["12 rue X", "rue X", "", "3B bd Y 4", "Ⅻ rue", "١٢ rue", "7"]))
        street = np.array([0, 1, 2, 3, 4, 5, 6, -1, 0])
    number = Streets.street_text.str.extract(r"(\d+)")[0].fillna("")
    codes, uniques = pd.factorize(number)
    codes = np.where(np.asarray(uniques, dtype=object)[codes] == "", -1, codes)
    assert keys.house_number(Streets).tolist() == np.where(Streets.street >= 0, codes[np.maximum(Streets.street, 0)], -1).tolist()
