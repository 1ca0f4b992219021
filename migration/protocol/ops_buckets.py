"""``bucket``: a number or a date into a code by sorted edges (indicators into SecuTix criteria)."""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from ..settings.base import StrictModel
from .ops_dates import parse_dates
from .registry import StepContext, operation
from .unique import by_unique

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")   # the aggregates' YYYY-MM-DD and parse_date's dd.mm.yyyy


class BucketParams(StrictModel):
    edges: list[float | date] = Field(min_length=1)
    labels: list[str]

    @model_validator(mode="after")
    def _edges_fit_labels(self) -> "BucketParams":
        if len(self.labels) != len(self.edges) + 1:
            raise ValueError(f"give one more label than edges ({len(self.edges)} edges need {len(self.edges) + 1} labels, "
                             f"got {len(self.labels)})")
        kinds = {isinstance(e, date) for e in self.edges}
        if len(kinds) > 1:
            raise ValueError("edges are all numbers or all ISO dates (YYYY-MM-DD), not both")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:])):
            raise ValueError("edges must be sorted, each greater than the one before")
        return self

    @property
    def dates(self) -> bool:
        return isinstance(self.edges[0], date)


def _as_numbers(text: pd.Series, params: BucketParams) -> np.ndarray:
    """Comparable float per value, NaN where unreadable: numbers as they are, dates as days since 1970."""
    if not params.dates:
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    days = parse_dates(text, list(_DATE_FORMATS), century_pivot=0)   # the protocol's one date reader
    found = days.to_numpy(dtype="datetime64[s]").astype("datetime64[D]").astype("int64").astype("float64")
    found[days.isna().to_numpy()] = np.nan
    return found


def _edges(params: BucketParams) -> np.ndarray:
    if not params.dates:
        return np.asarray(params.edges, dtype="float64")
    return np.asarray(params.edges, dtype="datetime64[D]").astype("int64").astype("float64")


@operation("bucket", BucketParams)
def bucket(values: pd.Series, params: BucketParams, ctx: StepContext) -> pd.Series:
    """The label of the interval holding each value: ``v < e0`` → first label, ``e(i-1) ≤ v < e(i)`` → label i,
    ``v ≥`` the last edge → last label. Edges are numbers or ISO dates (values then YYYY-MM-DD or dd.mm.yyyy).
    Empty stays empty; a value it cannot compare is dropped and reported as BUCKET_VALUE_INVALID.
    """
    labels = np.asarray(params.labels, dtype=object)

    def compute(uniques: pd.Series) -> pd.Series:
        text = uniques.str.strip()
        numbers = _as_numbers(text, params)
        slot = np.searchsorted(_edges(params), np.nan_to_num(numbers), side="right")
        out = np.where(np.isnan(numbers), "", labels[slot])
        return pd.Series(out, index=uniques.index, dtype="str")

    out = by_unique(values, compute)
    ctx.report((out == "") & (values.str.strip() != ""), "BUCKET_VALUE_INVALID", values)
    return out
