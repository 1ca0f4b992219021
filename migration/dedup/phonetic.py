"""A phonetic key for French and German names (our own; Soundex and Metaphone are English).

The key is built from :func:`~.normalise.compact` text (upper case, no accents, no spaces) by
a fixed list of regular-expression rewrites, applied vectorised to the distinct names:

* spellings of one sound: ``PH``→F, ``TH``→T, ``CK``/``QU``/``Q``/hard ``C``→K, soft ``C``→S,
  ``SCH``/``SH``/``CH``→S (French *ch* and German *sch*), ``W``/``V``/``PF``/``BV``→F, ``Z``/``TZ``→S,
  ``DT``→T, ``GU`` before E/I → G, ``Y``→I;
* vowel spellings: ``EAU``/``AU``→O, ``OU``→U, ``AI``/``EI``/``AY``/``EY``→E (Meier = Maier =
  Meyer = Mayer), ``IE``→I, ``UE``/``OE``/``AE`` (German umlauts written out) → U/O/E;
* silent letters: ``H``; French final ``E``, then final ``S``/``T``/``D``/``X`` (Dupont = Dupond,
  Schmidt = Schmid = Schmitt); doubled letters collapse;
* vowels after the first letter are dropped, so a swapped or mistyped vowel keeps the key.

The key only *blocks* (which pairs are compared) and counts as one piece of evidence; the
decision still weighs Jaro-Winkler similarity, birth date, e-mail, phone and address.
"""
from __future__ import annotations

import pandas as pd

from .arrow_text import collapse_runs

_RUNS = r"(.)\1+"
_REWRITES: list[tuple[str, str]] = [
    (r"[^A-Z]", ""),
    (r"(.)\1+", "$1"),
    (r"SCH|SH|CH", "§"),          # one hissing sound; restored to S below
    (r"PH", "F"), (r"TH", "T"), (r"GH", "G"), (r"CK", "K"), (r"QU", "K"), (r"Q", "K"),
    (r"C([EIY])", "S$1"), (r"C", "K"),
    (r"GU([EI])", "G$1"),
    (r"PF", "F"), (r"BV", "V"), (r"W", "V"), (r"V", "F"),
    (r"DT", "T"), (r"TZ", "S"), (r"Z", "S"),
    (r"X$", ""), (r"X", "KS"),
    (r"EAU", "O"), (r"AU", "O"), (r"OU", "U"),
    (r"AI|EI|AY|EY", "E"), (r"IE", "I"), (r"UE", "U"), (r"OE", "O"), (r"AE", "E"),
    (r"Y", "I"),
    (r"H", ""),
    (r"§", "S"),
    (r"(.)E$", "$1"), (r"(.)[STDX]$", "$1"), (r"(.)E$", "$1"),
    (r"(.)\1+", "$1"),
]


def phonetic_key(compact_names: pd.Series) -> pd.Series:
    """The French/German phonetic key of names already passed through ``compact`` ("" stays "")."""
    text = compact_names.astype("str")
    for pattern, repl in _REWRITES:
        # doubled letters: no backreference in Arrow's regex engine, so not one Python call per name
        text = collapse_runs(text) if pattern == _RUNS else text.str.replace(pattern, _python_repl(repl), regex=True)
    first = text.str.slice(0, 1)
    rest = collapse_runs(text.str.slice(1).str.replace(r"[AEIOU]", "", regex=True))
    return (first + rest).astype("str")


def _python_repl(repl: str) -> str:
    return repl.replace("$1", r"\1")
