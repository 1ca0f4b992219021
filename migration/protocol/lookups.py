"""Name → code tables built from pycountry and its translations (not hand lists).

Countries: ISO 3166-1 alpha-2 from codes (alpha-2, alpha-3) and from names in English,
French, German and Italian (name, official and common name). Languages: ISO 639-1
from codes and names in the same languages. Keys are folded by :func:`fold_key`.

Building them loads pycountry's 7,900 languages and three translation catalogues (~0.4 s
of every command that converts a country or a language), so they are kept in the user's
cache (``$XDG_CACHE_HOME/stx-migrate``, else ``~/.cache/stx-migrate``) under a name made
of pycountry's version and this file's hash: a new pycountry or a change here builds them
again. A cache that cannot be read or written is only a slower start.
"""
from __future__ import annotations

import gettext
import hashlib
import json
import os
import re
import unicodedata
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

import pandas as pd

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
            found.append(gettext.translation(domain, _pycountry().LOCALES_DIR, languages=[lang]))
        except OSError:  # a pycountry build without that catalogue: the others still apply
            continue
    return found


def _names_table(entries, domain: str, name_attributes: tuple[str, ...]) -> dict[str, str]:
    """Each entry's names, in every language of :data:`NAME_LANGUAGES`, folded → its alpha-2 code."""
    table: dict[str, str] = {}
    translators = _translators(domain)
    for entry in entries:
        code = getattr(entry, "alpha_2", None)
        if not code:
            continue
        for name in filter(None, (getattr(entry, attribute, None) for attribute in name_attributes)):
            for tr in translators:
                table.setdefault(fold_key(tr.gettext(name)), code)
    return table


def _pycountry():
    import pycountry

    return pycountry


def build_country_table() -> dict[str, str]:
    pycountry = _pycountry()
    table = _names_table(pycountry.countries, "iso3166-1", ("name", "official_name", "common_name"))
    for country in pycountry.countries:  # codes last so that names win on a clash ('ch' is Switzerland either way)
        table.setdefault(fold_key(country.alpha_3), country.alpha_2)
        table[fold_key(country.alpha_2)] = country.alpha_2
    return table


def build_language_table() -> dict[str, str]:
    pycountry = _pycountry()
    table = _names_table(pycountry.languages, "iso639-3", ("name",))
    with_code = [language for language in pycountry.languages if getattr(language, "alpha_2", None)]
    for language in with_code:   # the 3-letter codes after every name, as for countries
        for code in filter(None, (language.alpha_3, getattr(language, "bibliographic", None))):
            table.setdefault(fold_key(code), language.alpha_2)
    for language in with_code:
        table[language.alpha_2] = language.alpha_2
    return table


def cache_file() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    built_by = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return Path(home) / "stx-migrate" / f"iso-names-pycountry-{version('pycountry')}-{built_by}.json"


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    path = cache_file()
    try:
        tables = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(tables, dict) and all(isinstance(tables.get(k), dict) and tables[k] for k in ("countries", "languages")):
            return tables
    except (OSError, ValueError):
        pass
    tables = {"countries": build_country_table(), "languages": build_language_table()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{os.getpid()}.part")   # two commands at once: each renames its own
        part.write_text(json.dumps(tables, sort_keys=True), encoding="utf-8")
        os.replace(part, path)
    except OSError:
        pass
    return tables


def country_table() -> dict[str, str]:
    return _tables()["countries"]


def language_table() -> dict[str, str]:
    return _tables()["languages"]


def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code (each is a key of its own in :func:`country_table`)."""
    return frozenset(country_table().values())


def language_codes() -> frozenset[str]:
    """Every ISO 639-1 code."""
    return frozenset(language_table().values())
