"""Text operations: copy, constant, value maps, trimming, case, names, concatenation."""
from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from ..settings.base import StrictModel
from .arrow_text import WHITESPACE, re_extract, re_replace
from .registry import NoParams, StepContext, operation
from .unique import constant_column


def _empty_like(index: pd.Index) -> pd.Series:
    return constant_column("", index)


@operation("copy")
def copy_value(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """The input column as it is (renaming happens by naming the output column)."""
    return values


class ConstantParams(StrictModel):
    value: str


@operation("constant", ConstantParams, inputs="none", shorthand="value")
def constant(values: None, params: ConstantParams, ctx: StepContext) -> pd.Series:
    """The same value on every row (INSTITUTION, ORGANIZATION, ADDR_TYPE...)."""
    return constant_column(params.value, ctx.index)


class MapParams(StrictModel):
    values: dict[str, str] = Field(min_length=1)
    default: str | None = None       # None: an unmapped value is kept as it is (and reported)
    ignore_case: bool = True
    report_unmapped: bool = True


@operation("map_values", MapParams)
def map_values(values: pd.Series, params: MapParams, ctx: StepContext) -> pd.Series:
    """Replace values through a table (titles, languages, yes/no); empty stays empty.

    Keys are compared trimmed (and case-folded with ``ignore_case``). An unmapped
    non-empty value becomes ``default`` (kept as is when no default) and is reported
    as VALUE_UNMAPPED.
    """
    fold = (lambda s: s.str.strip().str.casefold()) if params.ignore_case else (lambda s: s.str.strip())
    keys = pd.Series(list(params.values), dtype="str")
    table = dict(zip(fold(keys), params.values.values()))
    mapped = fold(values).map(table)
    unmapped = mapped.isna() & (values.str.strip() != "")
    if params.report_unmapped:
        ctx.report(unmapped, "VALUE_UNMAPPED", values)
    fallback = values if params.default is None else pd.Series(params.default, index=values.index, dtype="str")
    result = mapped.where(~mapped.isna(), fallback.where(unmapped, ""))
    return result.astype("str")


@operation("trim")
def trim(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """Remove leading and trailing white space."""
    return values.str.strip()


@operation("fold_whitespace")
def fold_whitespace(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """Trim and turn every run of white space (tabs, new lines, non-breaking) into one space."""
    return re_replace(values, WHITESPACE + "+", " ").str.strip()


class CaseParams(StrictModel):
    mode: Literal["upper", "lower", "title"]


@operation("case", CaseParams, shorthand="mode")
def change_case(values: pd.Series, params: CaseParams, ctx: StepContext) -> pd.Series:
    """Upper, lower or title case (title keeps hyphenated parts: jean-pierre → Jean-Pierre)."""
    if params.mode == "upper":
        return values.str.upper()
    if params.mode == "lower":
        return values.str.lower()
    return values.str.title()


@operation("strip_accents")
def strip_accents(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """Remove diacritics (é → e); for codes and keys, not for names people read."""
    return values.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True)


class SplitNameParams(StrictModel):
    part: Literal["first", "last"]
    order: Literal["first_last", "last_first"] = "first_last"


@operation("split_name", SplitNameParams, shorthand="part")
def split_name(values: pd.Series, params: SplitNameParams, ctx: StepContext) -> pd.Series:
    """One part of a full name held in one column.

    ``first_last`` ("Jean-Pierre Dupont de la Tour"): the first word is the first name,
    the rest the last name. ``last_first`` ("DUPONT Jean"): the first word is the last
    name. ``Last, First`` (with a comma) is read as last name, first name in both
    orders. A single word is a last name.
    """
    text = re_replace(values, WHITESPACE + "+", " ").str.strip()
    comma = re_extract(text, r"^(?P<before>[^,]+),\s*(?P<after>.*)$", ["before", "after"])
    words = re_extract(text, r"^(?P<head>[^ ]+) (?P<tail>.*)$", ["head", "tail"])
    has_comma = comma["before"].notna()
    two = words["head"].notna()
    if params.order == "first_last":
        first, last = words["head"], words["tail"]
    else:
        first, last = words["tail"], words["head"]
    first = first.where(two, "")
    last = last.where(two, text)
    first = first.where(~has_comma, comma["after"])
    last = last.where(~has_comma, comma["before"])
    chosen = first if params.part == "first" else last
    return chosen.fillna("").str.strip().astype("str")


class ConcatParams(StrictModel):
    separator: str = " "


@operation("concat", ConcatParams, inputs="many", shorthand="separator")
def concat(values: list[pd.Series], params: ConcatParams, ctx: StepContext) -> pd.Series:
    """Join several columns with ``separator``, skipping empty parts (no doubled separators)."""
    parts = [v.str.strip() for v in values]
    result = _empty_like(ctx.index)
    for part in parts:
        joiner = pd.Series(params.separator, index=ctx.index, dtype="str").where((result != "") & (part != ""), "")
        result = result + joiner + part
    return result


@operation("coalesce", inputs="many")
def coalesce(values: list[pd.Series], params: NoParams, ctx: StepContext) -> pd.Series:
    """The first non-empty value of several columns, in the order given."""
    result = _empty_like(ctx.index)
    for part in reversed(values):
        result = part.where(part.str.strip() != "", result)
    return result


class DefaultParams(StrictModel):
    value: str


@operation("default", DefaultParams, shorthand="value")
def default_value(values: pd.Series, params: DefaultParams, ctx: StepContext) -> pd.Series:
    """Fill empty cells with ``value``; non-empty cells are unchanged."""
    return values.where(values.str.strip() != "", params.value)


@operation("digits")
def keep_digits(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """Keep only the digits 0-9 (zip codes, administrative numbers); leading zeros kept."""
    return values.str.replace(r"[^0-9]", "", regex=True)


class TruncateParams(StrictModel):
    length: int = Field(gt=0)


@operation("truncate", TruncateParams, shorthand="length")
def truncate(values: pd.Series, params: TruncateParams, ctx: StepContext) -> pd.Series:
    """Cut to ``length`` characters (the rule engine also truncates and logs; this is for shorter targets)."""
    return values.str.slice(0, params.length)
