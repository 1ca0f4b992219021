"""Guess each source column's SecuTix target from its header and a sample of its values.

:func:`guess_columns` looks at one dataset: a header naming a target (fr/de/en, see
:mod:`.headers`) and values that look like e-mails, dates, phones, postcodes or
countries. A header guess whose values contradict it is kept only as a comment; a
column whose values alone are recognised is guessed from them. Each guess carries the
protocol steps that fit it and the reason, written as a comment by :mod:`.render`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..protocol.lookups import country_table, fold_key
from .headers import HEADER_NAMES, OVERFLOW, TITLES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^(\+|00|0|\()[0-9 .\-()/]{6,}$")
_POSTCODE = re.compile(r"^([0-9]{4,5}|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9])$")
DATE_FORMATS = {  # regex → strptime format (parse_date), tried on the sample values
    r"^\d{4}-\d{2}-\d{2}( 00:00:00)?$": "%Y-%m-%d",
    r"^\d{1,2}\.\d{1,2}\.\d{4}$": "%d.%m.%Y",
    r"^\d{1,2}/\d{1,2}/\d{4}$": "%d/%m/%Y",
    r"^\d{1,2}-\d{1,2}-\d{4}$": "%d-%m-%Y",
    r"^\d{1,2}\.\d{1,2}\.\d{2}$": "%d.%m.%y",
    r"^\d{1,2}/\d{1,2}/\d{2}$": "%d/%m/%y",
}
MOSTLY = 0.8   # share of the non-empty sample values a recogniser must match
LOOK_LIKE = {"email": "e-mail addresses", "date": "dates", "phone": "phone numbers", "country": "countries",
             "postcode": "postcodes"}


@dataclass
class Guess:
    """One source column: its guessed target (None: none), the steps to apply, and why."""

    column: str
    target: str | None
    reason: str
    steps: list[Any] = field(default_factory=list)
    filled: int = 0          # non-empty values in the sample


def fold_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def header_target(name: str) -> str | None:
    folded = fold_header(name)
    for target, names in HEADER_NAMES.items():
        if folded in names:
            return target
    padded = f"_{folded}_"
    for target, names in HEADER_NAMES.items():   # "date_de_naissance_client", "e_mail_prive"
        if any("_" in n and f"_{n}_" in padded for n in names):
            return target
    return None


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def date_formats(values: list[str]) -> list[str]:
    """The strptime formats the sample's dates are written in (most used first); [] when not dates."""
    counts: dict[str, int] = {}
    for v in values:
        for pattern, fmt in DATE_FORMATS.items():
            if re.match(pattern, v):
                counts[fmt] = counts.get(fmt, 0) + 1
                break
    if sum(counts.values()) < MOSTLY * len(values) or not values:
        return []
    return sorted(counts, key=lambda f: -counts[f])


def _value_kind(values: list[str]) -> str | None:
    """What the values look like: email, date, phone, country, postcode (None: nothing sure)."""
    if not values:
        return None
    countries = country_table()
    tests = (
        ("email", lambda v: bool(_EMAIL.match(v))),
        ("date", None),
        ("phone", lambda v: bool(_PHONE.match(v)) and len(re.sub(r"\D", "", v)) >= 8),
        ("country", lambda v: fold_key(v) in countries and not v.isdigit()),
        ("postcode", lambda v: bool(_POSTCODE.match(v.upper()))),
    )
    for kind, test in tests:
        if kind == "date":
            if date_formats(values):
                return kind
        elif _share(values, test) >= MOSTLY:
            return kind
    return None


# which value kinds confirm (or give) which targets
_KIND_TARGETS = {"email": {"EMAIL1"}, "date": {"BIRTHDATE"}, "phone": {"TELEPHONE", "CELLPHONE", "FAX"},
                 "country": {"COUNTRY"}, "postcode": {"ZIPCODE"}}
_FROM_VALUES = {"email": "EMAIL1", "phone": "TELEPHONE", "country": "COUNTRY"}  # postcodes and dates need a header


def _steps(target: str, values: list[str]) -> list[Any]:
    if target in ("EMAIL1", "EMAIL2", "EMAIL3"):
        return ["email"]
    if target in ("TELEPHONE", "CELLPHONE", "FAX"):
        return ["phone"]     # region_from: COUNTRY is added by guess_columns when COUNTRY is guessed too
    if target == "COUNTRY":
        return ["country"]
    if target == "PREF_LANG":
        return ["language"]
    if target == "BIRTHDATE":
        return [{"parse_date": {"formats": date_formats(values) or ["%d.%m.%Y"]}}]
    if target == "TITLE":
        seen = {v: TITLES[v.strip().casefold()] for v in values if v.strip().casefold() in TITLES}
        return [{"map_values": {"values": dict(sorted(seen.items())), "ignore_case": True}}] if seen else []
    if target in ("FIRSTNAME", "LASTNAME", "OFFICIAL_NAME", "LINE1", "LINE2", "LINE3", "TOWN", "FUNCTION"):
        return ["fold_whitespace"]
    return ["trim"]


_TYPED = {t for targets in _KIND_TARGETS.values() for t in targets}   # targets whose values have a shape
_STRONG = ("email", "date", "phone")                                    # value kinds no other column has


def _one(column: str, values: list[str]) -> Guess:
    values = [str(v).strip() for v in values if v is not None and str(v).strip() != ""]
    header = header_target(column)
    kind = _value_kind(values)
    if header:
        name = header.lstrip("@")
        if kind and header not in _KIND_TARGETS[kind] and (header in _TYPED or kind in _STRONG):
            return Guess(column, None, f"header {column!r} says {name}, but the values look like {LOOK_LIKE[kind]}", filled=len(values))
        why = f"header {column!r}" + (f", values look like {LOOK_LIKE[kind]}" if kind else "") + ("" if values else ", no value in the sample")
        return Guess(column, header, why, [] if header.startswith("@") else _steps(header, values), len(values))
    if kind in _FROM_VALUES:
        target = _FROM_VALUES[kind]
        return Guess(column, target, f"values look like {LOOK_LIKE[kind]}", _steps(target, values), len(values))
    if kind == "date":
        return Guess(column, None, "values are dates (" + ", ".join(date_formats(values)) +
                     "): a birth date, or a retention filter's column?", filled=len(values))
    return Guess(column, None, "no SecuTix column recognised" if values else "empty in the sample", filled=len(values))


def guess_columns(samples: dict[str, list[str]]) -> list[Guess]:
    """A guess per column (source order); no SecuTix column is given twice.

    A second e-mail or address column goes to EMAIL2 / LINE2 (and so on); any other
    target already taken leaves the later column as a comment.
    """
    guesses = [_one(column, values) for column, values in samples.items()]
    taken: set[str] = set()
    for g in guesses:
        if g.target is None:
            continue
        options = OVERFLOW.get(g.target, (g.target,))
        free = [t for t in options if t not in taken]
        if not free:
            g.reason += f"; {g.target} is already given by another column"
            g.target, g.steps = None, []
            continue
        if free[0] != g.target:
            g.reason += f"; {g.target} is already given, so {free[0]}"
            g.target = free[0]
        taken.add(g.target)
    if "COUNTRY" in taken:
        for g in guesses:
            if g.steps == ["phone"]:
                g.steps = [{"phone": {"region_from": "COUNTRY"}}]
    return guesses


def person_score(guesses: list[Guess]) -> int:
    """How much a dataset looks like the contact table (picks the protocol's main dataset)."""
    return sum(1 for g in guesses if g.target is not None)
