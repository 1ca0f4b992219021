"""Comparison levels of two persons, field by field: the evidence the learned weights price.

Each field comparison falls in one level (0 = a side is missing, no evidence either way);
:mod:`.model` learns from the data how much likelier each level is for a true match than for
two different persons. Names are compared once per *distinct* pair of names (rapidfuzz,
multi-threaded); first and last names share one code space, so names typed the other way
round are compared crosswise too and the better reading is kept.

The contact rules that no data set teaches are not levels but fixed penalties (bits):
a first name and its female or male form (Jean / Jeanne: spouses), titles of the two sexes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein, Prefix

from .households import generation_apart
from .letters import letter_counts, may_reach
from .records import COUPLE, Records

LEVELS: dict[str, tuple[str, ...]] = {
    "first_name": ("missing", "exact", "similar", "typo", "abbreviated", "different"),
    "last_name": ("missing", "exact", "similar", "typo", "prefix", "different"),
    "birth_date": ("missing", "exact", "one digit or day/month", "same year", "different"),
    "address": ("missing", "same", "close", "same street or place", "same town or postcode", "different"),
    "email": ("missing", "shared", "different"),
    "phone": ("missing", "shared", "different"),
}
FIELDS = tuple(LEVELS)
# The contact rules (bits): two persons whatever the learned weights say.
RULES = {
    "sex_conflict": -20.0,  # MR against MRS / MISS: two persons of one household
    "other_form": -10.0,    # Jean / Jeanne, Daniel / Danielle: two persons (spouses), never a typo
    "household": -12.0,     # another first name and no agreeing birth date: a spouse, sibling or child
    "generation": -12.0,    # the same names, birth years a generation apart: parent and child
}

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


def person_levels(rec: Records, a: np.ndarray, b: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(levels, rules)``: the level of each field per pair (int8), and where each contact rule
    holds (boolean per pair: :data:`RULES`); :func:`rule_bits` prices the rules.
    """
    fa, fb, la, lb = rec.fn[a], rec.fn[b], rec.ln[a], rec.ln[b]
    first, other_form = _name_levels(rec, fa, fb, first=True)
    last, _ = _name_levels(rec, la, lb, first=False)
    # (only where the crosswise reading could be better: not for two exact names, nor first = last name)
    cross_first, cross_last = np.zeros(len(a), dtype=np.int8), np.zeros(len(a), dtype=np.int8)
    cross_form = np.zeros(len(a), dtype=bool)
    maybe = np.flatnonzero(~((first == 1) & (last == 1)) & (fa != la))
    cross_first[maybe], cross_form[maybe] = _name_levels(rec, fa[maybe], lb[maybe], first=True)
    cross_last[maybe] = _name_levels(rec, la[maybe], fb[maybe], first=False)[0]
    # typed the other way round: keep the crosswise reading when it is better for both names
    swapped = (np.isin(cross_first, (1, 2, 3)) & np.isin(cross_last, (1, 2, 3))
               & (cross_first + cross_last < _rank(first) + _rank(last)) & (fa != la))
    first, last = np.where(swapped, cross_first, first), np.where(swapped, cross_last, last)
    other_form = np.where(swapped, cross_form, other_form)

    sa, sb = rec.sex[a], rec.sex[b]
    birth = _date_levels(rec.dob_int[a], rec.dob_int[b])
    rules = {
        "sex_conflict": (sa > 0) & (sb > 0) & (sa != sb) & (sa != COUPLE) & (sb != COUPLE),
        "other_form": other_form,
        # Shared address, e-mail and phone with another first name is a household, unless the birth date agrees.
        "household": (first == 5) & ~np.isin(birth, (1, 2)) & ~other_form,
        # Junior / senior: the same names (or an initial) with birth years a generation apart — not
        # merely another date (a typo, or a wrong entry, of one person).
        "generation": np.isin(first, (1, 4)) & np.isin(last, (1, 2)) & generation_apart(rec.dob_int[a], rec.dob_int[b]),
    }
    levels = {
        "first_name": first, "last_name": last, "birth_date": birth, "address": _address_levels(rec, a, b),
        "email": overlap_levels(rec.emails, a, b), "phone": overlap_levels(rec.phones, a, b),
    }
    return levels, rules


def rule_bits(rules: dict[str, np.ndarray], applied: set[str]) -> np.ndarray:
    """The contact rules' fixed bits per pair, for the rules in ``applied``."""
    return sum((np.where(rules[r], RULES[r], 0.0) for r in applied), np.zeros(len(rules["household"])))


def _address_levels(rec: Records, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One comparison for postcode, street and town together (they move together: a moved person
    differs in all three, which independent fields would count three times)."""
    zip_ = _text_levels(rec, "zip", a, b, Levenshtein.distance, 1, at_most=True)
    street = _text_levels(rec, "street", a, b, JaroWinkler.normalized_similarity, 0.88)
    town = _text_levels(rec, "town", a, b, JaroWinkler.normalized_similarity, 0.88)
    place_same, place_close = (zip_ == 1) | (town == 1), np.isin(zip_, (1, 2)) | np.isin(town, (1, 2))
    street_close = np.isin(street, (1, 2))
    level = pick([
        ((street == 1) & place_same, 1),
        ((street_close | (street == 0)) & place_close, 2),     # no street on one side: the place is all there is
        (street_close | ((zip_ == 1) & (town == 1)), 3),
        (place_close, 4),
    ], 5, len(a))
    missing = ((rec.zip[a] < 0) & (rec.street[a] < 0) & (rec.town[a] < 0)) | ((rec.zip[b] < 0) & (rec.street[b] < 0) & (rec.town[b] < 0))
    return np.where(missing, 0, level).astype(np.int8)


def _rank(level: np.ndarray) -> np.ndarray:
    """Missing counts as the weakest reading when comparing the two orders of the names."""
    return np.where(level == 0, 6, level)


def _name_levels(rec: Records, xa: np.ndarray, xb: np.ndarray, first: bool) -> tuple[np.ndarray, np.ndarray]:
    """Levels of a name comparison, computed once per distinct pair; and whether it is the other sex's form."""
    n = len(xa)
    level = np.zeros(n, dtype=np.int8)
    other_form = np.zeros(n, dtype=bool)
    both = (xa >= 0) & (xb >= 0)
    level[both & (xa == xb)] = 1
    todo = np.flatnonzero(both & (xa != xb))
    if not len(todo):
        return level, other_form
    pair_codes, inverse = distinct_pairs(xa[todo], xb[todo])
    xc, yc = pair_codes[:, 0], pair_codes[:, 1]
    # Names whose letters cannot reach the lowest Jaro-Winkler threshold below skip rapidfuzz: jw 0 and
    # no prefix (a name that starts with the other always can: the cap is then above 0.8).
    counts, lengths = rec.derived("letter counts:fn_text", lambda: letter_counts(rec.fn_text))   # per name, once
    scored = np.flatnonzero(may_reach(counts, lengths, xc, yc, JaroWinkler.normalized_similarity, _LOWEST_JW[first]))
    xl, yl = rec.texts_at("fn_text", xc[scored]), rec.texts_at("fn_text", yc[scored])
    # float32 as rapidfuzz returns it: the thresholds compare in float32 as they always did (0.88 rounds down)
    jw, prefix = np.zeros(len(xc), dtype=np.float32), np.full(len(xc), -1, dtype=np.int64)
    jw[scored] = process.cpdist(xl, yl, scorer=JaroWinkler.normalized_similarity, workers=-1)
    prefix[scored] = process.cpdist(xl, yl, scorer=Prefix.similarity, workers=-1)
    x_len, y_len = lengths[xc], lengths[yc]
    shorter = np.minimum(x_len, y_len)
    ph_a, ph_b = _phonetic_of(rec, pair_codes[:, 0]), _phonetic_of(rec, pair_codes[:, 1])
    same_sound = (ph_a == ph_b) & (ph_a >= 0)
    if first:
        # Each string test runs only on the pairs it can hold for (same results, a fraction of the work):
        # a suffixed form starts with the other name and is 1–4 letters longer (Jean / Jeanne, Louis /
        # Louise; "Sar" / "Sara" is a letter lost); a nickname needs a name of the table; initials are 2 letters.
        gap = np.abs(x_len - y_len)
        variant = _on_pairs(rec, xc, yc, (prefix == shorter) & (shorter >= 4) & (gap >= 1) & (gap <= 4), _gender_variant)
        short_form = rec.derived("nickname names", lambda: rec.fn_text.isin(NICKNAMES.keys()).to_numpy())
        nickname = _on_pairs(rec, xc, yc, short_form[xc] | short_form[yc], _nickname)
        initials = _on_pairs(rec, xc, yc, (x_len == 2) | (y_len == 2), _initials_match)
        short = ((prefix == shorter) & ((shorter >= 3) | (shorter == 1))) | nickname | initials
        distinct = pick([(variant, 5), (jw >= 0.92, 2), ((jw >= 0.88) | (same_sound & (jw >= 0.80)), 3), (short, 4)], 5, len(xc))
        other_form[todo] = variant[inverse]
    else:
        partial = (prefix == shorter) & (shorter >= 4)           # Dupont / Dupont-Martin
        distinct = pick([(jw >= 0.92, 2), ((jw >= 0.80) | (same_sound & (jw >= 0.70)), 3), (partial, 4)], 5, len(xc))
    level[todo] = distinct[inverse]
    return level, other_form


# The lowest Jaro-Winkler threshold each branch above tests (first names: same sound and 0.80;
# last names: same sound and 0.70): below it a pair's jw decides nothing.
_LOWEST_JW = {True: 0.80, False: 0.70}


def _on_pairs(rec: Records, xc: np.ndarray, yc: np.ndarray, possible: np.ndarray, test) -> np.ndarray:
    """``test(x, y)`` on the name pairs (codes ``xc``, ``yc``) where it is ``possible``, False elsewhere."""
    out = np.zeros(len(xc), dtype=bool)
    idx = np.flatnonzero(possible)
    if len(idx):
        out[idx] = test(rec.fn_text.iloc[xc[idx]].reset_index(drop=True), rec.fn_text.iloc[yc[idx]].reset_index(drop=True))
    return out


def _gender_variant(x: pd.Series, y: pd.Series) -> np.ndarray:
    """One name is the other plus a female (or male) ending: Jean / Jeanne, Daniel / Danielle."""
    variant = np.zeros(len(x), dtype=bool)
    for suffix in _GENDER_SUFFIXES:
        variant |= ((x + suffix) == y).to_numpy() | ((y + suffix) == x).to_numpy()
    return variant


def _nickname(x: pd.Series, y: pd.Series) -> np.ndarray:
    """A short form of the table (Sepp / Josef), either way or both to one full name."""
    canon_x, canon_y = x.map(NICKNAMES).fillna(x), y.map(NICKNAMES).fillna(y)
    return (canon_x == canon_y).to_numpy() | (canon_x == y).to_numpy() | (canon_y == x).to_numpy()


def _initials_match(x: pd.Series, y: pd.Series) -> np.ndarray:
    """``JP`` against ``JEANPIERRE``: a 2–3 letter name made of the other's initials (usual first parts)."""
    def initials(s: pd.Series) -> pd.Series:
        pattern = r"^([JMAHKPLF])(?:EAN|ARIE|NNE|ANS|ARL|IERRE|OUIS|AUL|RANZ|NNA)(.).*$"
        return s.str.replace(pattern, r"\1\2", regex=True).where(s.str.match(pattern), "")

    ix, iy = initials(x), initials(y)
    return (((x == iy) & (iy != "")) | ((y == ix) & (ix != ""))).to_numpy()


def _phonetic_of(rec: Records, wanted: np.ndarray) -> np.ndarray:
    """Phonetic code of each name code (first and last names share codes and keys)."""
    return rec.derived("phonetic of name", lambda: _name_phonetic(rec))[wanted]


def _name_phonetic(rec: Records) -> np.ndarray:
    holder = np.full(len(rec.fn_text), -1, dtype=np.int64)
    for codes, phonetic in ((rec.fn, rec.fn_ph), (rec.ln, rec.ln_ph)):
        valid = codes >= 0
        holder[codes[valid]] = phonetic[valid]
    return holder


def _date_levels(da: np.ndarray, db: np.ndarray) -> np.ndarray:
    """Exact; one digit changed, two neighbouring digits or day and month swapped; same year; different.

    A "typo" that moves the year a generation away (1985 → 1955) is not one: it is "different".
    Computed once per distinct pair of dates (yyyymmdd integers, 0 = unknown).
    """
    level = np.zeros(len(da), dtype=np.int8)
    known = (da > 0) & (db > 0)
    level[known & (da == db)] = 1
    todo = np.flatnonzero(known & (da != db))
    if not len(todo):
        return level
    inverse, uniques = pd.factorize(da[todo].astype(np.int64) * 100_000_000 + db[todo])
    x, y = np.asarray(uniques, dtype=np.int64) // 100_000_000, np.asarray(uniques, dtype=np.int64) % 100_000_000
    digit = lambda v, i: (v // 10 ** i) % 10  # noqa: E731
    differ = np.stack([digit(x, i) != digit(y, i) for i in range(8)], axis=1)
    swapped_pair = np.stack([(digit(x, i) == digit(y, i + 1)) & (digit(x, i + 1) == digit(y, i)) for i in range(7)], axis=1)
    n_differ = differ.sum(axis=1)
    neighbours = (n_differ == 2) & np.any(differ[:, :-1] & differ[:, 1:] & swapped_pair, axis=1)
    day_month = (x // 10_000 == y // 10_000) & ((x // 100) % 100 == y % 100) & (x % 100 == (y // 100) % 100)
    typo = ((n_differ == 1) | neighbours | day_month) & ~generation_apart(x, y)
    distinct = pick([(typo, 2), (x // 10_000 == y // 10_000, 3)], 4, len(x))
    level[todo] = distinct[np.asarray(inverse)]
    return level


def _text_levels(rec: Records, field: str, a: np.ndarray, b: np.ndarray, scorer, bound: float,
                 at_most: bool = False) -> np.ndarray:
    """Exact (same code), close (scorer within ``bound``, per distinct pair), different; 0 when missing.

    ``field``: the codes' attribute of ``rec`` (``zip``), its texts are ``<field>_text``."""
    codes = getattr(rec, field)
    ca, cb = codes[a], codes[b]
    level = np.where((ca < 0) | (cb < 0), 0, np.where(ca == cb, 1, 3)).astype(np.int8)
    todo = np.flatnonzero(level == 3)
    if len(todo):   # only the pairs whose letters allow a close score are scored (most are far apart)
        counts, lengths = rec.derived("letter counts:" + field, lambda: letter_counts(getattr(rec, field + "_text")))
        todo = todo[may_reach(counts, lengths, ca[todo], cb[todo], scorer, bound)]
    if len(todo):
        pair_codes, inverse = distinct_pairs(ca[todo], cb[todo])
        value = process.cpdist(rec.texts_at(field + "_text", pair_codes[:, 0]),
                               rec.texts_at(field + "_text", pair_codes[:, 1]), scorer=scorer, workers=-1)
        close = value <= bound if at_most else value >= bound
        level[todo] = np.where(close[inverse], 2, 3)
    return level


def overlap_levels(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Shared (any value of one in any column of the other), different, missing."""
    ca, cb = codes[a], codes[b]
    any_a, any_b = (ca >= 0).any(axis=1), (cb >= 0).any(axis=1)
    equal = np.zeros(len(a), dtype=bool)
    for i in range(ca.shape[1]):
        for j in range(cb.shape[1]):
            equal |= (ca[:, i] == cb[:, j]) & (ca[:, i] >= 0)
    return np.where(~any_a | ~any_b, 0, np.where(equal, 1, 2)).astype(np.int8)


def pick(conditions: list[tuple[np.ndarray, float]], default: float, n: int, dtype=np.int8) -> np.ndarray:
    """The value (a level, or a weight with ``dtype=float``) of the first condition that holds, per pair."""
    out = np.full(n, default, dtype=dtype)
    decided = np.zeros(n, dtype=bool)
    for cond, value in conditions:
        out[cond & ~decided] = value
        decided |= cond
    return out


def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) code pairs (n × 2) and, per input, its row among them (hashing, no sort)."""
    width = int(max(a.max(initial=0), b.max(initial=0))) + 1
    inverse, uniques = pd.factorize(a.astype(np.int64) * width + b.astype(np.int64))
    uniques = np.asarray(uniques, dtype=np.int64)
    return np.stack([uniques // width, uniques % width], axis=1), np.asarray(inverse, dtype=np.int64)
