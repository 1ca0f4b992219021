"""Dates: parse text in any of several declared formats, written as SecuTix's dd.mm.yyyy."""
from __future__ import annotations

import pandas as pd
from pydantic import Field, field_validator

from ..settings.base import StrictModel
from .registry import StepContext, operation
from .unique import by_unique

OUTPUT_FORMAT = "%d.%m.%Y"   # secutix-format §6: dates written dd.mm.yyyy, zero padded


class ParseDateParams(StrictModel):
    formats: list[str] = Field(min_length=1)
    century_pivot: int = Field(default=30, ge=0, le=99)   # two-digit years 00..pivot → 20xx, above → 19xx

    @field_validator("formats")
    @classmethod
    def _formats_have_fields(cls, formats: list[str]) -> list[str]:
        for f in formats:
            if "%d" not in f or "%m" not in f and "%b" not in f or ("%Y" not in f and "%y" not in f):
                raise ValueError(f"format {f!r} needs a day (%d), a month (%m or %b) and a year (%Y or %y)")
        return formats


def parse_dates(values: pd.Series, formats: list[str], century_pivot: int) -> pd.Series:
    """Datetime per row (NaT where empty, unparsable or impossible); first matching format wins."""
    text = values.str.strip()
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    todo = text != ""
    for fmt in formats:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        if "%y" in fmt:
            parsed = _apply_pivot(parsed, century_pivot)
        ok = parsed.notna()
        result.loc[ok[ok].index] = parsed[ok].astype("datetime64[s]")
        todo &= result.isna()
    return result


def _apply_pivot(parsed: pd.Series, pivot: int) -> pd.Series:
    yy = parsed.dt.year % 100
    year = yy.where(yy > pivot, yy + 100) + 1900
    parts = pd.DataFrame({"year": year, "month": parsed.dt.month, "day": parsed.dt.day})
    return pd.to_datetime(parts.dropna().astype("int64"), errors="coerce").reindex(parsed.index)


@operation("parse_date", ParseDateParams)
def parse_date(values: pd.Series, params: ParseDateParams, ctx: StepContext) -> pd.Series:
    """Text dates in any of ``formats`` (strftime codes) to ``dd.mm.yyyy``.

    Two-digit years (``%y``) take the declared ``century_pivot``: 00..pivot are 20xx,
    the others 19xx. A non-empty value no format reads, or a date that does not exist
    (30.02.1999), is dropped and reported as DATE_UNPARSED.
    """
    def compute(uniques: pd.Series) -> pd.Series:
        dates = parse_dates(uniques, params.formats, params.century_pivot)
        return dates.dt.strftime(OUTPUT_FORMAT).fillna("").astype("str")

    out = by_unique(values, compute)
    ctx.report((out == "") & (values.str.strip() != ""), "DATE_UNPARSED", values)
    return out
