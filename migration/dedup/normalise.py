"""Normalised values for matching: text folded the same way for every row (secutix-format §7, §13 Q13).

Every function takes and returns a pandas ``str`` Series and is vectorised (Arrow string
kernels); callers apply them to the *unique* values of a column and map the result back,
so a million rows cost the price of their distinct values.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Letters NFKD does not decompose into a base letter + accent.
_LIGATURES = {"ß": "SS", "ẞ": "SS", "æ": "AE", "Æ": "AE", "œ": "OE", "Œ": "OE", "ø": "O", "Ø": "O",
              "đ": "D", "Đ": "D", "ł": "L", "Ł": "L", "ı": "I"}

# Street words written in full or abbreviated (FR, DE, CH, BE); both sides map to one token.
_STREET_WORDS = [
    (r"\b(RUE|R)\b", "RUE"),
    (r"\b(AVENUE|AVE|AV)\b", "AV"),
    (r"\b(BOULEVARD|BOUL|BLVD|BD)\b", "BD"),
    (r"\b(PLACE|PL)\b", "PL"),
    (r"\b(CHEMIN|CHE|CH)\b", "CH"),
    (r"\b(ROUTE|RTE)\b", "RTE"),
    (r"\b(IMPASSE|IMP)\b", "IMP"),
    (r"\b(ALLEE|ALL)\b", "ALL"),
    (r"\b(FAUBOURG|FBG)\b", "FBG"),
    (r"\b(SAINT|ST)\b", "ST"),
    (r"\b(SAINTE|STE)\b", "STE"),
    (r"\b(BIS|B)\b", "B"),
    (r"(STRASSE|STR)\b", "STR"),     # Hauptstrasse / Hauptstr. / Haupt-Strasse
    (r"\b(GASSE|G)\b", "GASSE"),
    (r"\b(PLATZ|PL)\b", "PL"),
    (r"\b(WEG)\b", "WEG"),
]


def fold_text(values: pd.Series) -> pd.Series:
    """Upper case, accents and ligatures removed, punctuation to one space, trimmed.

    ``"  Éloïse-Marie  d'Aubigné "`` → ``"ELOISE MARIE D AUBIGNE"``; ``"Straße"`` → ``"STRASSE"``.
    """
    text = values.fillna("").astype("str")
    for char, repl in _LIGATURES.items():
        text = text.str.replace(char, repl, regex=False)
    text = text.str.normalize("NFKD").str.replace(r"\p{Mn}", "", regex=True).str.upper()
    text = text.str.replace(r"[^A-Z0-9]+", " ", regex=True).str.strip()
    return text


def compact(values: pd.Series) -> pd.Series:
    """``fold_text`` without any space: ``"Jean-Pierre"`` and ``"Jean Pierre"`` meet."""
    return fold_text(values).str.replace(" ", "", regex=False)


def normalise_email(values: pd.Series) -> pd.Series:
    """Trimmed and lower-cased; anything without one ``@`` and a dot after it is no key ("")."""
    text = values.fillna("").astype("str").str.strip().str.lower()
    # something@something.something, no space: one "@" not first, a "." at least two characters
    # after it, no " " (in Arrow's regex engine: ``str.rfind`` runs in Python once per value)
    valid = pc.match_substring_regex(pa.array(text), r"^[^@ ]+@[^@ ]+\.[^@ ]*$").to_numpy(zero_copy_only=False)
    return text.where(valid, "")


def phone_digits(values: pd.Series) -> pd.Series:
    """Digits of a phone number with an international prefix made explicit.

    ``+33 1 40 15 80 00``, ``0033 (0)1 40.15.80.00`` → ``33140158000``; national numbers
    (leading single 0) keep their 0 here and get the country code in :func:`international_phone`.
    Fewer than 6 digits is no key ("").
    """
    text = values.fillna("").astype("str").str.strip()
    plus = text.str.startswith("+")
    text = text.str.replace(r"\(0\)", "", regex=True)        # +41 (0)22 … : the (0) is not dialled
    digits = text.str.replace(r"\D", "", regex=True)
    digits = digits.where(~digits.str.startswith("00"), digits.str.slice(2))
    digits = digits.where(~plus, "+" + digits)
    return digits.where(digits.str.len() >= 6, "")


def international_phone(digits: pd.Series, calling_code: pd.Series) -> pd.Series:
    """E.164 digits without '+': national numbers (``0…``) get the row's country calling code."""
    national = digits.str.match(r"^0[1-9]")
    international = digits.str.startswith("+")
    out = digits.where(~national, calling_code + digits.str.slice(1))
    out = out.where(~international, digits.str.slice(1))
    # Neither national nor '+'-prefixed: a number already written with its code (33…) or a short one.
    return out.where(calling_code.ne("") | ~national, "")


def normalise_street(values: pd.Series) -> pd.Series:
    """A street line with the usual abbreviations unified: ``12, r. Victor-Hugo`` = ``12 RUE VICTOR HUGO``."""
    text = fold_text(values)
    for pattern, repl in _STREET_WORDS:
        text = text.str.replace(pattern, repl, regex=True)
    # folded text has no whitespace but single spaces (r"\s+" would run in Python once per value)
    return text.str.replace(" +", " ", regex=True).str.strip()


def normalise_zip(values: pd.Series) -> pd.Series:
    """Postcode without spaces or dashes, upper case (``CH-1204`` and ``1204`` stay different)."""
    return values.fillna("").astype("str").str.upper().str.replace(r"[\s.]", "", regex=True)


def codes_of_unique(values: pd.Series, normalise) -> tuple[np.ndarray, pd.Series]:
    """Integer codes of ``normalise(values)``, computed on the distinct raw values only.

    Equal normalised values share one code; an empty normalised value is ``-1``.
    Returns ``(codes, uniques)`` where ``uniques[code]`` is the normalised text.
    """
    raw_codes, raw_uniques = pd.factorize(values.fillna("").astype("str"), use_na_sentinel=False)
    normalised = normalise(pd.Series(raw_uniques, dtype="str"))
    norm_codes, norm_uniques = pd.factorize(normalised, use_na_sentinel=False)
    norm_codes = np.asarray(norm_codes, dtype=np.int64)
    empty = np.flatnonzero(np.asarray(norm_uniques, dtype=object) == "")
    if len(empty):
        norm_codes = np.where(norm_codes == empty[0], -1, norm_codes)
    return norm_codes[np.asarray(raw_codes)], pd.Series(norm_uniques, dtype="str")
