"""SecuTix codes: criteria (``CODE=v1|v2``) and authorizations (TRUE/FALSE)."""
from __future__ import annotations

import pandas as pd
from pydantic import Field

from ..settings.base import StrictModel
from .registry import StepContext, operation

TRUE_WORDS = ["1", "y", "yes", "o", "oui", "j", "ja", "s", "si", "sì", "true", "vrai", "x", "t"]
FALSE_WORDS = ["0", "n", "no", "non", "nein", "false", "faux", "f"]


class CriterionParams(StrictModel):
    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    values: dict[str, str] | None = None   # source value → criterion element; None: values kept as they are
    separator: str = "|"                    # how several source values are separated in the input


@operation("criterion", CriterionParams)
def criterion(values: pd.Series, params: CriterionParams, ctx: StepContext) -> pd.Series:
    """A criterion cell ``CODE=v1|v2`` from one or several source values.

    With ``values``, each source value goes through the table (compared trimmed and
    case-folded); a value not in it is left out and reported as CRITERION_UNMAPPED.
    Elements keep their first-seen order without repeats. Empty input → empty cell.
    """
    table = None
    if params.values is not None:
        table = {k.strip().casefold(): v for k, v in params.values.items()}
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype="str")
    parts = distinct.str.split(params.separator, regex=False).explode().str.strip()
    parts = parts[parts.fillna("") != ""]
    unmapped = pd.Series(False, index=distinct.index)
    if table is not None:
        mapped = parts.str.casefold().map(table)
        unmapped = mapped.isna().groupby(level=0).any().reindex(distinct.index, fill_value=False)
        parts = mapped.dropna()
    parts = parts.rename("element").rename_axis("row").reset_index().drop_duplicates()
    joined = parts.groupby("row", sort=False)["element"].agg("|".join)   # SecuTix separates elements with |
    cells = (params.code + "=" + joined).reindex(distinct.index).fillna("").astype("str")
    out = pd.Series(cells.to_numpy()[codes], index=values.index, dtype="str")
    ctx.report(pd.Series(unmapped.to_numpy()[codes], index=values.index), "CRITERION_UNMAPPED", values)
    return out


class FlagParams(StrictModel):
    true: list[str] = Field(default_factory=lambda: list(TRUE_WORDS))
    false: list[str] = Field(default_factory=lambda: list(FALSE_WORDS))
    default: str | None = Field(default=None, pattern=r"^(TRUE|FALSE)$")   # for unrecognised non-empty values


@operation("flag", FlagParams)
def flag(values: pd.Series, params: FlagParams, ctx: StepContext) -> pd.Series:
    """An authorization (or any yes/no field) as TRUE / FALSE.

    Recognised words (oui/non, ja/nein, 1/0, x...) are compared trimmed and
    case-folded. Empty stays empty (keep). Anything else becomes ``default`` (empty
    when none) and is reported as VALUE_UNMAPPED.
    """
    table = {w.casefold(): "TRUE" for w in params.true}
    table.update({w.casefold(): "FALSE" for w in params.false})
    folded = values.str.strip().str.casefold()
    mapped = folded.map(table)
    unknown = mapped.isna() & (folded != "")
    ctx.report(unknown, "VALUE_UNMAPPED", values)
    return mapped.fillna("").where(~unknown, params.default or "").astype("str")
