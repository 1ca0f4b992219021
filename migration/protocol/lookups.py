"""Name → code tables built from pycountry and its translations (not hand lists).

Countries: ISO 3166-1 alpha-2 from codes (alpha-2, alpha-3) and from names in English,
French, German and Italian (name, official and common name). Languages: ISO 639-1
from codes and names in the same languages. Keys are folded by :func:`fold_key`.
"""
from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

import pandas as pd
import pycountry

NAME_LANGUAGES = ("en", "fr", "de", "it")


def fold_key(text: str) -> str:
    """Case, accents and punctuation folded: 'Côte d’Ivoire' → 'cote d ivoire'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z]+", " ", text).strip()


def fold_keys(values: pd.Series) -> pd.Series:
    """:func:`fold_key` on a whole column (vectorised)."""
    text = values.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True).str.casefold()
    return text.str.replace(r"[^0-9a-z]+", " ", regex=True).str.strip()


def _translators(domain: str) -> list:
    found = []
    for lang in NAME_LANGUAGES:
        if lang == "en":
            found.append(gettext.NullTranslations())
            continue
        try:
            found.append(gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang]))
        except OSError:  # a pycountry build without that catalogue: the others still apply
            continue
    return found


@lru_cache(maxsize=1)
def country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    translators = _translators("iso3166-1")
    for country in pycountry.countries:
        code = country.alpha_2
        names = [getattr(country, attr, None) for attr in ("name", "official_name", "common_name")]
        for name in filter(None, names):
            for tr in translators:
                table.setdefault(fold_key(tr.gettext(name)), code)
    for country in pycountry.countries:  # codes last so that names win on a clash ('ch' is Switzerland either way)
        table.setdefault(fold_key(country.alpha_3), country.alpha_2)
        table[fold_key(country.alpha_2)] = country.alpha_2
    return table


@lru_cache(maxsize=1)
def language_table() -> dict[str, str]:
    table: dict[str, str] = {}
    translators = _translators("iso639-3")
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        for tr in translators:
            table.setdefault(fold_key(tr.gettext(language.name)), code)
        table.setdefault(fold_key(language.alpha_3), code)
        bib = getattr(language, "bibliographic", None)
        if bib:
            table.setdefault(fold_key(bib), code)
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if code:
            table[code] = code
    return table
