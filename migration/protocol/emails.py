"""E-mail addresses: trimmed, lower-cased and checked with email-validator (no network).

Fast path: an address of plain ASCII letters, digits and ``._+-`` with an ordinary
domain is accepted by one vectorised regex (email-validator accepts every such
address too; a test keeps the two in step), and one without quotes whose ``@`` is not
exactly one is refused as email-validator refuses it. Anything else goes through
``email_validator.validate_email(..., check_deliverability=False)`` once per distinct value.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from email_validator import EmailNotValidError, validate_email
from email_validator import SPECIAL_USE_DOMAIN_NAMES

from .arrow_text import re_replace

_PLAIN = (
    r"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@"
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def _validate_one(address: str) -> str:
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return ""
    return checked.normalized.lower()


def normalise_emails(values: pd.Series) -> pd.Series:
    """Normalised address per row; '' for empty or invalid."""
    text = values.str.strip().str.lower()
    tld = re_replace(text, r"^.*\.", "")
    plain = (
        text.str.fullmatch(_PLAIN)
        & (text.str.len() <= 254)
        & (text.str.find("@") <= 64)
        & ~tld.isin(list(SPECIAL_USE_DOMAIN_NAMES))
        & ~text.str.contains(r"[@.][a-z0-9]{2}--", regex=True)  # IDNA rules: let the library decide
    )
    out = text.where(plain, "")
    # without quotes or backslashes, an address whose @ is not exactly one is refused: no call needed
    unquoted = ~text.str.contains(r'["\\]', regex=True)
    surely_bad = unquoted & (text.str.count("@") != 1)
    rest = ~plain & ~surely_bad & (text != "")
    if rest.any():
        codes, uniques = pd.factorize(text[rest])
        checked = np.array([_validate_one(u) for u in uniques], dtype=object)
        out.loc[rest[rest].index] = checked[codes]
    return out.astype("str")
