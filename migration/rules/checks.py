"""One vectorised check per rule code of ``rules.yaml``: ``check(ctx, column) -> bool array``.

A check answers only "which rows break the rule in this column"; what happens then
(reject the row, drop, truncate or default the value) and how severe it is come from
``rules.yaml``. Checks read the frame as given, never the corrected one, and skip
CONFIG rows unless the rule is about them.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import permutations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..format import CLEAR
from ..text_arrays import text_array
from .context import FILE_OPERATIONS, Context

Check = Callable[[Context, str], np.ndarray]
CHECKS: dict[str, Check] = {}

UNSUPPORTED_OPERATIONS = ("UPDATEACT", "DELETE", "INVALIDATE", "ANONYMIZE", "DROP")  # secutix-format §3.1, §13 Q4
ADDR_TYPES = frozenset("".join(p) for k in (1, 2, 3) for p in permutations("MSB", k))
EMAIL_PATTERN = r"[0-9a-z+$_-]+(\.[0-9a-z+$_-]+)*@[0-9a-z+_-]+(\.[0-9a-z+_-]+)+"  # secutix-format §5.6, verbatim
# optional leading +, then 6 to 15 digits among separators (space . - / parentheses): one RE2 match
PHONE_PATTERN = r"\+?[ ./()-]*([0-9][ ./()-]*){6,15}"
TITLE_PATTERN = r"[A-Z0-9_]{1,200}"


@cache
def iso_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes: read when a check needs them (from the cached name tables)."""
    from ..protocol.lookups import country_codes

    return country_codes()


@cache
def iso_languages() -> frozenset[str]:
    """ISO 639-1 codes, read when a check needs them."""
    from ..protocol.lookups import language_codes

    return language_codes()


def check(code: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        CHECKS[code] = function
        return function
    return register


def _bool(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool)


def _not_in(ctx: Context, column: str, allowed) -> np.ndarray:
    rows = ctx.present(column)
    return rows & ~_bool(ctx.values(column).isin(list(allowed)))


# --- global fields ---
def _blank(ctx: Context, column: str) -> np.ndarray:
    v = ctx.values(column)
    return _bool((v.str.strip() == "") | (v == CLEAR))


check("INSTITUTION_MISSING")(_blank)
check("ORGANIZATION_MISSING")(_blank)


@check("INSTITUTION_TOO_LONG")
@check("ORGANIZATION_TOO_LONG")
def _too_long_any_row(ctx: Context, column: str) -> np.ndarray:
    return ctx.longer_than_max(column)


@check("OPERATION_UNKNOWN")
def _operation_unknown(ctx: Context, column: str) -> np.ndarray:
    v = ctx.values(column)
    return ~_bool(v.isin(["", *FILE_OPERATIONS, *UNSUPPORTED_OPERATIONS]))


@check("OPERATION_NOT_SUPPORTED")
def _operation_unsupported(ctx: Context, column: str) -> np.ndarray:
    return _bool(ctx.values(column).isin(UNSUPPORTED_OPERATIONS))


# --- contact number ---
@check("CONTACT_NR_NOT_DIGITS")
def _contact_nr_digits(ctx: Context, column: str) -> np.ndarray:
    rows = ctx.is_data & _bool(ctx.values(column) != "")
    return ctx.fails(column, r"[0-9]+", rows)


@check("CONTACT_NR_TOO_LONG")
def _contact_nr_long(ctx: Context, column: str) -> np.ndarray:
    return ctx.is_data & ctx.longer_than_max(column)


@check("CONTACT_NR_MISSING_ON_UPDATE")
def _contact_nr_missing(ctx: Context, column: str) -> np.ndarray:
    return ctx.is_update & _bool(ctx.values(column).str.strip() == "")


@check("CONTACT_NR_DUPLICATE")
def _contact_nr_duplicate(ctx: Context, column: str) -> np.ndarray:
    v = ctx.values(column)
    rows = ctx.is_data & _bool(v != "")
    out = np.zeros(len(v), dtype=bool)
    out[rows] = v[rows].duplicated(keep="first").to_numpy(dtype=bool)
    return out


# --- contact kind ---
@check("NAME_MISSING")
def _name_missing(ctx: Context, column: str) -> np.ndarray:
    return ctx.is_insert & ~ctx.has_person & ~ctx.has_structure


# --- cell semantics ---
@check("CLEAR_ON_INSERT")
def _clear_on_insert(ctx: Context, column: str) -> np.ndarray:
    return ctx.is_insert & ctx.is_clear(column)


# --- contact ---
@check("ROLE_UNKNOWN")
def _role(ctx: Context, column: str) -> np.ndarray:
    return _not_in(ctx, column, ("RELAY", "PUBLIC"))


@check("TITLE_FORMAT")
def _title_format(ctx: Context, column: str) -> np.ndarray:
    return ctx.fails(column, TITLE_PATTERN)


@check("TITLE_UNKNOWN")
def _title_unknown(ctx: Context, column: str) -> np.ndarray:
    return _not_set_up(ctx, column, ctx.reference.titles if ctx.reference else None, _title_format)


def _not_set_up(ctx: Context, column: str, listed, badly_formed) -> np.ndarray:
    """Well-formed cells (``badly_formed`` false) whose code is not in the target's list ``listed``
    (None: no reference data, nothing is checked)."""
    if listed is None:
        return np.zeros(len(ctx.frame), dtype=bool)
    return _not_in(ctx, column, listed) & ~badly_formed(ctx, column)


@check("VALUE_TOO_LONG")
@check("WEB_SITE_TOO_LONG")
@check("EMAIL_TOO_LONG")
@check("CRITERION_TOO_LONG")
def _too_long(ctx: Context, column: str) -> np.ndarray:
    return ctx.present(column) & ctx.longer_than_max(column)


# --- individual ---
@check("BIRTHDATE_FORMAT")
def _birthdate_format(ctx: Context, column: str) -> np.ndarray:
    return ctx.birthdate[0]


@check("BIRTHDATE_IMPOSSIBLE")
def _birthdate_impossible(ctx: Context, column: str) -> np.ndarray:
    return ctx.birthdate[1]


@check("BIRTHDATE_FUTURE")
def _birthdate_future(ctx: Context, column: str) -> np.ndarray:
    return ctx.birthdate[2]


@check("PREF_LANG_FORMAT")
def _language_format(ctx: Context, column: str) -> np.ndarray:
    return _not_in(ctx, column, iso_languages())


@check("PREF_LANG_NOT_SET_UP")
def _language_set_up(ctx: Context, column: str) -> np.ndarray:
    return _not_set_up(ctx, column, ctx.reference.languages if ctx.reference else None, _language_format)


# --- code lists of the target (only with reference data) ---
def _reference_list(catalogue: str) -> Check:
    def unknown(ctx: Context, column: str) -> np.ndarray:
        codes = ctx.reference.codes(catalogue) if ctx.reference else None
        if codes is None:
            return np.zeros(len(ctx.frame), dtype=bool)
        return _not_in(ctx, column, codes)
    return unknown


check("STRUCT_TYPE_UNKNOWN")(_reference_list("structure_types"))
check("COMMUNITY_TYPE_UNKNOWN")(_reference_list("community_types"))
check("DEPARTMENT_UNKNOWN")(_reference_list("departments"))


# --- structure ---
@check("NB_EMPLOYEES_FORMAT")
def _employees(ctx: Context, column: str) -> np.ndarray:
    return ctx.fails(column, r"[0-9]+")


@check("WEB_SITE_SCHEME")
def _web_site(ctx: Context, column: str) -> np.ndarray:
    return ctx.fails(column, r"(?i)https?://[^ \t\r\n]+")


# --- CodeValue columns: ADMIN_NUMBER and criteria ---
def _codevalue_malformed(ctx: Context, column: str) -> np.ndarray:
    rows = ctx.present(column)
    out = np.zeros(len(ctx.frame), dtype=bool)
    if rows.any():
        out[rows] = ~ctx.codevalue_ok(column)
    return out


check("ADMIN_NUMBER_FORMAT")(_codevalue_malformed)
check("CRITERION_FORMAT")(_codevalue_malformed)


def _codes_outside(ctx: Context, column: str, codes) -> np.ndarray:
    rows = ctx.present(column)
    out = np.zeros(len(ctx.frame), dtype=bool)
    if codes is None or not rows.any():
        return out
    code, _, ok = ctx.codevalue(column)
    out[rows] = ok & ~_bool(code.isin(list(codes)))
    return out


@check("ADMIN_NUMBER_CODE_UNKNOWN")
def _admin_code(ctx: Context, column: str) -> np.ndarray:
    return _codes_outside(ctx, column, ctx.reference.admin_number_codes if ctx.reference else None)


@check("CRITERION_UNKNOWN")
def _criterion_unknown(ctx: Context, column: str) -> np.ndarray:
    return _codes_outside(ctx, column, ctx.reference.codes("criteria") if ctx.reference else None)


def _known_criteria(ctx: Context, column: str):
    """(row mask of present cells, code, values, known & well-formed) or None without reference."""
    criteria = ctx.reference.criteria if ctx.reference else None
    rows = ctx.present(column)
    if criteria is None or not rows.any():
        return None
    code, text, ok = ctx.codevalue(column)
    known = ok & _bool(code.isin(list(criteria)))
    return rows, code, text, known


def _on_criteria(ctx: Context, column: str, test) -> np.ndarray:
    """``test(ctx, rows, code, values, known)`` (a mask over the present cells) on a criterion column;
    other rows, and every row without reference data, pass."""
    out = np.zeros(len(ctx.frame), dtype=bool)
    found = _known_criteria(ctx, column)
    if found is not None:
        rows = found[0]
        out[rows] = test(ctx, *found)
    return out


@check("CRITERION_VALUE_UNKNOWN")
def _criterion_value(ctx: Context, column: str) -> np.ndarray:
    return _on_criteria(ctx, column, _unlisted_values)


def _unlisted_values(ctx: Context, rows: np.ndarray, code: pd.Series, text: pd.Series, known: np.ndarray) -> np.ndarray:
    criteria = ctx.reference.criteria
    closed = {c: crit.elements for c, crit in criteria.items() if crit.elements is not None}
    checked = known & _bool(code.isin(list(closed)))
    bad_subset = np.zeros(len(code), dtype=bool)
    if not checked.any():
        return bad_subset
    # once per distinct (code, values) cell: a few hundred, where the cells are a million
    cells = code[checked].astype("str") + "\x1f" + text[checked].astype("str")
    cell_codes, distinct = pd.factorize(cells, use_na_sentinel=False)
    distinct = pd.Series(distinct, dtype="str")
    code_part = distinct.str.split("\x1f", n=1).str[0]
    values = distinct.str.split("\x1f", n=1).str[1].str.split("|").explode()
    allowed = {f"{c}\x1f{e}" for c, elements in closed.items() for e in elements}
    pairs = code_part.reindex(values.index).astype("str") + "\x1f" + values.astype("str")
    bad = (~pairs.isin(allowed)).groupby(level=0, sort=False).any()
    bad_distinct = bad.reindex(range(len(distinct))).to_numpy(dtype=bool)
    bad_subset[np.flatnonzero(checked)] = bad_distinct[np.asarray(cell_codes)]
    return bad_subset


@check("CRITERION_CONTACT_TYPE")
def _criterion_contact_type(ctx: Context, column: str) -> np.ndarray:
    return _on_criteria(ctx, column, _wrong_contact_type)


def _wrong_contact_type(ctx: Context, rows: np.ndarray, code: pd.Series, text: pd.Series, known: np.ndarray) -> np.ndarray:
    criteria = ctx.reference.criteria
    names = list(criteria)
    # each cell's criterion by position (Arrow hash), its contact type by lookup: no Python call per cell
    at = pc.index_in(text_array(code), value_set=pa.array(names, pa.large_string())).fill_null(len(names))
    contact_type = np.array([criteria[c].contact_type for c in names] + [None], dtype=object)[at.to_numpy()]
    kinds = ctx.kinds[rows]
    wrong = ((kinds == "individual") & (contact_type == "structure")) | ((kinds == "structure") & (contact_type == "individual"))
    return known & wrong


@check("CONFIG_CODE_INVALID")
def _config_code(ctx: Context, column: str) -> np.ndarray:
    return ctx.config_cell_invalid[column]


# --- address ---
@check("ADDR_TYPE_INVALID")
def _addr_type(ctx: Context, column: str) -> np.ndarray:
    return _not_in(ctx, column, ADDR_TYPES)


@check("COUNTRY_UNKNOWN")
def _country(ctx: Context, column: str) -> np.ndarray:
    names = ctx.reference.country_names if ctx.reference else frozenset()
    return _not_in(ctx, column, iso_countries() | names)


# --- communication means ---
@check("PHONE_INVALID")
def _phone(ctx: Context, column: str) -> np.ndarray:
    return ctx.fails(column, PHONE_PATTERN)


@check("EMAIL_FORMAT")
def _email(ctx: Context, column: str) -> np.ndarray:
    return ctx.fails(column, EMAIL_PATTERN)


# --- authorizations ---
@check("BOOLEAN_INVALID")
def _boolean(ctx: Context, column: str) -> np.ndarray:
    return _not_in(ctx, column, ("TRUE", "FALSE"))
