"""Blocking keys derived from the coded records: birth-date parts, sort orders of names.

A one-digit typo in a birth date changes one of year, month, day: two of the three stay, so a
pass keyed on each two-part combination (with a name key) finds the pair. Day and month typed
the other way round meet on the date with day and month in ascending order. The sort orders
feed sorted-neighbourhood passes (no key equality: each record meets its next neighbours in
alphabetical order of the names, and of the names read backwards for a typo in the first letters).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .first_seen import codes_by_first_occurrence, value_bits_that_fit
from .records import Records


def combine(*codes: np.ndarray) -> np.ndarray:
    """One code per distinct tuple of codes; ``-1`` when any part is ``-1``."""
    n = len(codes[0])
    missing = np.zeros(n, dtype=bool)
    key = np.zeros(n, dtype=np.int64)
    span = 1        # key < span
    limit = 1 << value_bits_that_fit(n)     # numbered by one sort of values (first_seen), no hash
    for code in codes:
        code = np.asarray(code, dtype=np.int64)
        missing |= code < 0
        radix = int(code.max(initial=0)) + 2
        if span > limit // radix:     # keep the numbers small: numbered here, then the next part
            key, span = codes_by_first_occurrence(key), n + 1
        key, span = key * radix + (code + 1), span * radix
    # numbered in order of first occurrence: the same codes whatever intermediate numbering was used
    return np.where(missing, -1, codes_by_first_occurrence(key))


def date_parts(rec: Records) -> dict[str, np.ndarray]:
    """Codes (``-1`` = no date) of: year+month, year+day, month+day, and the date with day/month sorted."""
    d = rec.dob_int
    known = d > 0
    year, month, day = d // 10_000, (d // 100) % 100, d % 100
    code = lambda v: np.where(known, v, -1).astype(np.int64)  # noqa: E731
    low, high = np.minimum(month, day), np.maximum(month, day)
    return {
        "ym": code(year * 100 + month),
        "yd": code(year * 100 + day),
        "md": code(month * 100 + day),
        "swapped": code(year * 10_000 + low * 100 + high),
    }


def text_rank(codes: np.ndarray, texts: pd.Series, reverse: bool = False) -> np.ndarray:
    """Rank of each record's text in alphabetical order (``-1`` when empty); ``reverse`` reads it backwards."""
    if not len(texts):
        return np.full(len(codes), -1, dtype=np.int64)
    keys = texts.str.slice(step=-1) if reverse else texts
    rank = np.empty(len(keys), dtype=np.int64)
    # Arrow's stable sort of UTF-8 bytes: code point order, as Python sorts str (no object array)
    rank[pc.sort_indices(pa.array(keys)).to_numpy()] = np.arange(len(keys))
    return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)


def name_orders(rec: Records) -> list[np.ndarray]:
    """Sort keys for the sorted-neighbourhood passes: last+first name, first+last name, last name backwards + first name."""
    ln, fn = text_rank(rec.ln, rec.ln_text), text_rank(rec.fn, rec.fn_text)
    ln_back = text_rank(rec.ln, rec.ln_text, reverse=True)
    span = len(rec.fn_text) + 2
    both = (ln >= 0) | (fn >= 0)
    order = lambda a, b: np.where(both, (a + 1) * span + (b + 1), -1)  # noqa: E731
    return [order(ln, fn), order(fn, ln), order(ln_back, fn)]


def dob_name_keys(rec: Records) -> list[Callable[[], np.ndarray]]:
    """Two-part dates with a name key, and the day/month-sorted date alone (see the module docstring);
    each as a function that makes it (the passes run in two processes: each makes its own keys)."""
    parts = date_parts(rec)
    return [
        lambda: parts["swapped"],
        lambda: combine(parts["ym"], rec.ln_ph), lambda: combine(parts["ym"], rec.fn_ph),
        lambda: combine(parts["yd"], rec.ln_ph), lambda: combine(parts["yd"], rec.fn_ph),
        lambda: combine(parts["md"], rec.ln_ph), lambda: combine(parts["md"], rec.fn_ph),
    ]


def house_number(rec: Records) -> np.ndarray:
    """Code of the first number of the street line (``-1`` when none): a typo in the street name keeps it."""
    if not len(rec.street_text):
        return np.full(len(rec.street), -1, dtype=np.int64)
    # in Arrow's regex engine (pandas runs str.extract in Python per value); folded text is ASCII,
    # where RE2's \d is Python's
    found = pc.extract_regex(pa.array(rec.street_text), r"(?P<n>\d+)").field("n")
    number = pd.Series(pd.array(pc.fill_null(found, ""), dtype="str"))
    codes, uniques = pd.factorize(number)
    codes = np.asarray(codes, dtype=np.int64)
    empty = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    if len(empty):
        codes[codes == empty[0]] = -1
    return np.where(rec.street >= 0, codes[np.maximum(rec.street, 0)], -1)

