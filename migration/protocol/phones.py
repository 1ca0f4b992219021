"""Phone numbers to E.164 with phonenumbers, vectorised where the metadata allows.

Spec §13 Q10: the number is written with its international prefix and no digit is
added or removed: only the national trunk prefix is replaced by the country code.
Output is E.164 without spaces (``+41223456789``): the columns are Text 15, and the
spaced international form would not fit.

Fast path (most rows): a number written nationally (trunk ``0``) in a region whose
metadata has a plain ``0`` trunk prefix is checked against the region's own number
patterns with one vectorised regex per region. Everything else (``+``/``00``
international numbers, other regions, odd writing) goes through
``phonenumbers.parse`` once per distinct (number, region) pair.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from .arrow_text import WHITESPACE, re_replace

_TYPE_DESCS = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
    "voip", "pager", "uan", "voicemail",
)


Desc = tuple[str, frozenset[int]]   # (national number pattern, possible lengths; empty = any)


@lru_cache(maxsize=None)
def _fast_path(region: str) -> tuple[str, Desc, tuple[Desc, ...]] | None:
    """(country code, general description, number-type descriptions), or None when no fast path.

    This mirrors ``phonenumbers.is_valid_number``: the national number must match the
    general description (pattern and length) and at least one number type.
    """
    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.national_prefix != "0" or meta.national_prefix_for_parsing not in (None, "0"):
        return None
    if meta.national_prefix_transform_rule or meta.general_desc is None:
        return None
    by_lengths: dict[frozenset[int], list[str]] = {}
    for name in _TYPE_DESCS:
        desc = getattr(meta, name, None)
        if desc is not None and desc.national_number_pattern:
            by_lengths.setdefault(frozenset(desc.possible_length or ()), []).append(f"(?:{desc.national_number_pattern})")
    if not by_lengths:
        return None
    # number types that allow the same lengths are checked with one alternation (fewer passes over the column)
    types = [("|".join(patterns), lengths) for lengths, patterns in by_lengths.items()]
    general = (meta.general_desc.national_number_pattern, frozenset(meta.general_desc.possible_length or ()))
    return str(meta.country_code), general, tuple(types)


def _matches(national: pd.Series, lengths: pd.Series, desc: Desc) -> pd.Series:
    pattern, possible = desc
    ok = national.str.fullmatch(pattern)
    if possible:
        ok &= lengths.isin(list(possible))
    return ok


def _parse_one(number: str, region: str) -> str:
    """E.164 of one number, or '' when invalid or when parsing would change its digits."""
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.national_significant_number(parsed)
    digits = "".join(ch for ch in number if ch.isdigit())
    if not digits.endswith(national):   # Q10: never a digit the source did not have
        return ""
    return e164


def normalise_phones(values: pd.Series, regions: pd.Series) -> pd.Series:
    """E.164 per row ('' for empty or invalid). ``regions``: ISO alpha-2 per row."""
    original = values.index
    values, regions = values.reset_index(drop=True), regions.reset_index(drop=True)   # positions: cheap lookups
    regions = regions.str.upper()
    cleaned = _international_as_plus(re_replace(values, WHITESPACE + r"|[.\-/()]", ""), regions)
    out = pd.Series("", index=values.index, dtype="str")
    done = cleaned == ""
    for region in regions[~done].unique():
        fast = _fast_path(region) if isinstance(region, str) and region else None
        if fast is None:
            continue
        code, general, types = fast
        rows = (~done) & (regions == region) & cleaned.str.match(r"^0[1-9]")
        national = cleaned[rows].str.slice(1)
        ok = _valid_national(national, general, types)
        hit = ok[ok].index
        out.loc[hit] = "+" + code + national[ok]
        done.loc[hit] = True
        done.loc[_surely_invalid(cleaned[rows][~ok], national[~ok], region, general, types)] = True
    _international_fast_path(cleaned, out, done)
    rest = ~done
    if rest.any():
        pairs = pd.DataFrame({"n": cleaned[rest], "r": regions[rest]})
        keys = pairs["n"] + "\x00" + pairs["r"]
        codes, uniques = pd.factorize(keys)
        parsed = np.array([_parse_one(*key.split("\x00", 1)) for key in uniques], dtype=object)
        out.loc[pairs.index] = parsed[codes] if len(uniques) else []
    return out.astype("str").set_axis(original)


def _surely_invalid(written: pd.Series, national: pd.Series, region: str, general, types) -> pd.Index:
    """Rows of digits, written nationally, that phonenumbers would find invalid too (no parse needed).

    phonenumbers strips the trunk ``0`` (or keeps it when only the unstripped number fits
    the general pattern), then checks the same patterns as the fast path: a number that
    fits with neither is invalid. One starting like the region's international prefix
    would be read as international: it goes the slow way.
    """
    prefix = _international_prefix(region) or "(?!)"
    candidates = written.str.fullmatch(r"[0-9]+") & ~written.str.match(f"^(?:{prefix})")
    written = written[candidates]
    invalid = ~_valid_national(written, general, types) & ~_valid_national(national[candidates], general, types)
    return invalid[invalid].index


def _international_as_plus(cleaned: pd.Series, regions: pd.Series) -> pd.Series:
    """``00`` then a calling code written ``+``, where ``00`` is the region's international prefix.

    Elsewhere (``0011`` in Australia, ``810`` in Russia) a leading ``00`` is not international:
    the number keeps it and phonenumbers reads it with the region's own rules. A region
    phonenumbers does not know keeps the common ``00``. A ``0`` after ``00`` starts no
    calling code, as phonenumbers has it.
    """
    distinct = regions.unique()
    plain = [r for r in distinct if not isinstance(r, str) or _international_prefix(r) in ("00", "")]
    rows = regions.isin(plain) & cleaned.str.match(r"^00[1-9]")
    if not rows.any():
        return cleaned
    return cleaned.where(~rows, re_replace(cleaned, r"^00", "+"))


@lru_cache(maxsize=None)
def _international_prefix(region: str) -> str:
    """The region's international dialling prefix (a pattern); "" for a region phonenumbers does not know."""
    meta = PhoneMetadata.metadata_for_region(region, None)
    return "" if meta is None else meta.international_prefix or ""


def _valid_national(national: pd.Series, general, types) -> pd.Series:
    """National numbers matching the region's general pattern and at least one number type."""
    lengths = national.str.len()
    any_type = pd.Series(False, index=national.index)
    for desc in types:
        any_type |= _matches(national, lengths, desc)
    return _matches(national, lengths, general) & any_type


@lru_cache(maxsize=1)
def _single_region_codes() -> dict[str, str]:
    """Calling code → its region, for codes used by exactly one region (with a fast path)."""
    found = {}
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        if len(regions) == 1 and _fast_path(regions[0]) is not None:
            found[str(code)] = regions[0]
    return found


def _international_fast_path(cleaned: pd.Series, out: pd.Series, done: pd.Series) -> None:
    """``+CC…`` numbers of a one-region calling code, checked against that region's patterns."""
    rows = (~done) & cleaned.str.match(r"^\+[1-9]")
    if not rows.any():
        return
    numbers = cleaned[rows]
    table = _single_region_codes()
    # calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is a code
    code = pd.Series(pd.NA, index=numbers.index, dtype="object")
    for width in (1, 2, 3):
        prefix = numbers.str.slice(1, 1 + width)
        code = code.where(code.notna(), prefix.where(prefix.isin(list(table)), pd.NA))
    known = code.notna()
    numbers, code = numbers[known], code[known].astype("str")
    for calling_code in code.unique():
        sel = code == calling_code
        _, general, types = _fast_path(table[calling_code])
        national = numbers[sel].str.slice(1 + len(calling_code))
        ok = _valid_national(national, general, types)
        hit = ok[ok].index
        out.loc[hit] = "+" + calling_code + national[ok]
        done.loc[hit] = True
        # phonenumbers may strip a trunk 0 after the calling code: invalid with and without it is invalid
        rest = national[~ok][national[~ok].str.fullmatch(r"[0-9]+")]
        invalid = ~_valid_national(rest.str.replace(r"^0", "", regex=True), general, types)
        done.loc[invalid[invalid].index] = True
