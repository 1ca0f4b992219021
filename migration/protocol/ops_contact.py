"""Contact data: phones, e-mails, countries and languages, normalised to SecuTix's forms."""
from __future__ import annotations

import pandas as pd

from ..settings.base import StrictModel
from .arrow_text import re_extract
from .emails import normalise_emails
from .lookups import country_table, fold_key, fold_keys, language_table
from .phones import normalise_phones
from .registry import NoParams, StepContext, operation
from .unique import by_unique


class PhoneParams(StrictModel):
    region_from: str | None = None    # an output column computed earlier (COUNTRY), ISO alpha-2
    default_region: str | None = None  # when the row has no country; the project's country when absent


@operation("phone", PhoneParams)
def phone(values: pd.Series, params: PhoneParams, ctx: StepContext) -> pd.Series:
    """International form E.164 (+41223456789), the default region from the row's country.

    A number written nationally takes the region of the row's country
    (``region_from``), else ``default_region``, else the project's country. Invalid
    numbers are dropped and reported as PHONE_INVALID; no digit is added or removed
    (secutix-format §13 Q10).
    """
    fallback = (params.default_region or ctx.project.country).upper()
    if params.region_from:
        regions = ctx.outputs[params.region_from].where(ctx.outputs[params.region_from] != "", fallback)
    else:
        regions = pd.Series(fallback, index=values.index, dtype="str")
    out = normalise_phones(values, regions.astype("str"))
    ctx.report((out == "") & (values.str.strip() != ""), "PHONE_INVALID", values)
    return out


@operation("email")
def email(values: pd.Series, params: NoParams, ctx: StepContext) -> pd.Series:
    """Trimmed, lower case, checked by email-validator without network; invalid → dropped (EMAIL_INVALID)."""
    out = by_unique(values, normalise_emails) if len(values) else values
    ctx.report((out == "") & (values.str.strip() != ""), "EMAIL_INVALID", values)
    return out


class CodeLookupParams(StrictModel):
    aliases: dict[str, str] = {}     # extra spellings → code, for what the library cannot know ('UK' → 'GB')


def _lookup(values: pd.Series, table: dict[str, str], aliases: dict[str, str]) -> pd.Series:
    merged = dict(table)
    merged.update({fold_key(k): v for k, v in aliases.items()})

    def compute(uniques: pd.Series) -> pd.Series:
        return fold_keys(uniques).map(merged).fillna("").astype("str")

    return by_unique(values, compute)


@operation("country", CodeLookupParams)
def country(values: pd.Series, params: CodeLookupParams, ctx: StepContext) -> pd.Series:
    """ISO 3166-1 alpha-2 (upper case) from a code or a name in French, German, English or Italian.

    'Suisse', 'Schweiz', 'Svizzera', 'CHE' and 'ch' all give CH (pycountry and its
    translations). Unknown → dropped, COUNTRY_UNKNOWN.
    """
    out = _lookup(values, country_table(), {k: v.upper() for k, v in params.aliases.items()})
    ctx.report((out == "") & (values.str.strip() != ""), "COUNTRY_UNKNOWN", values)
    return out


@operation("language", CodeLookupParams)
def language(values: pd.Series, params: CodeLookupParams, ctx: StepContext) -> pd.Series:
    """ISO 639-1 (lower case) from a code (fr, fra, fre, fr_CH) or a name ('français', 'Deutsch').

    Unknown → dropped, LANGUAGE_UNKNOWN.
    """
    locale = re_extract(values.str.strip(), r"^(?P<lang>[A-Za-z]{2})[-_][A-Za-z]{2}$", ["lang"])["lang"]
    values_in = locale.fillna(values).astype("str")
    out = _lookup(values_in, language_table(), {k: v.lower() for k, v in params.aliases.items()})
    ctx.report((out == "") & (values.str.strip() != ""), "LANGUAGE_UNKNOWN", values)
    return out
