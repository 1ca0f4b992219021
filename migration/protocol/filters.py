"""Row filters by a named rule. A dropped row is counted under the filter's reason code.

Registered rules:
- ``retention``: secutix-format §8.1 'older data must be deleted': drop rows whose date column
  (e.g. the last purchase) is before the project's ``retention.cutoff``.
- ``exclude_values``: drop rows whose column holds one of the listed values
  (deleted accounts, test contacts...).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from pydantic import Field

from ..settings.base import StrictModel
from .ops_dates import ParseDateParams, parse_dates
from .registry import ProjectContext
from .unique import by_unique, distinct_values


@dataclass(frozen=True)
class FilterRule:
    name: str
    fn: Callable[[dict[str, pd.Series], StrictModel, ProjectContext], pd.Series]
    params: type[StrictModel]
    columns: Callable[[StrictModel], list[str]]   # the source columns it reads (checked at compile)
    needs_cutoff: bool = False


FILTER_RULES: dict[str, FilterRule] = {}


class RetentionParams(ParseDateParams):
    column: str
    keep_undated: bool = True        # a row with no (readable) date is kept, not guessed old


def drop_by_retention(columns: dict[str, pd.Series], params: RetentionParams, project: ProjectContext) -> pd.Series:
    """True for rows whose date is before the cut-off (the cut-off day itself is kept)."""
    cutoff = pd.Timestamp(project.retention_cutoff)

    def compute(uniques: pd.Series) -> pd.Series:
        dates = parse_dates(uniques, params.formats, params.century_pivot)
        old = dates < cutoff
        if not params.keep_undated:
            old |= dates.isna()
        return old.fillna(False).map({True: "1", False: ""}).astype("str")

    return by_unique(columns[params.column], compute) == "1"


class ExcludeParams(StrictModel):
    column: str
    values: list[str] = Field(min_length=1)


def drop_by_values(columns: dict[str, pd.Series], params: ExcludeParams, project: ProjectContext) -> pd.Series:
    """True for rows whose column (trimmed, case-folded) is one of ``values``."""
    wanted = {v.strip().casefold() for v in params.values}
    values = columns[params.column]
    codes, distinct = distinct_values(values)     # casefold runs in Python: once per distinct value, not per row
    hit = distinct.str.strip().str.casefold().isin(wanted).to_numpy(dtype=bool)
    return pd.Series(hit[codes], index=values.index)


FILTER_RULES["retention"] = FilterRule("retention", drop_by_retention, RetentionParams, lambda p: [p.column], needs_cutoff=True)
FILTER_RULES["exclude_values"] = FilterRule("exclude_values", drop_by_values, ExcludeParams, lambda p: [p.column])
