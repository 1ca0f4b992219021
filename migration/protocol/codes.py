"""Reason codes the protocol emits, with their severity (data, not ``if`` branches).

``warning``: the value is dropped or defaulted, the row is kept. ``error``: the row is
not imported. ``dropped``: the row is removed by a named filter rule (retention...) and
counted apart; it is not a finding of the log file.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasonCode:
    code: str
    severity: str
    message: str


_CODES = [
    ReasonCode("VALUE_UNMAPPED", "warning", "value not in the protocol's map; default used"),
    ReasonCode("DATE_UNPARSED", "warning", "no declared date format matches (or the date does not exist); value dropped"),
    ReasonCode("PHONE_INVALID", "warning", "not a valid phone number for its country; value dropped"),
    ReasonCode("EMAIL_INVALID", "warning", "not a valid e-mail address; value dropped"),
    ReasonCode("COUNTRY_UNKNOWN", "warning", "country name or code not recognised; value dropped"),
    ReasonCode("LANGUAGE_UNKNOWN", "warning", "language name or code not recognised; value dropped"),
    ReasonCode("AMOUNT_UNPARSED", "warning", "not a number; value left out of the aggregate"),
    ReasonCode("BUCKET_VALUE_INVALID", "warning", "neither a number nor a date the bucket can compare; value dropped"),
    ReasonCode("CRITERION_UNMAPPED", "warning", "criterion value not in the protocol's table; value dropped"),
    ReasonCode("CONTACT_NR_INVALID", "error", "source contact number is not digits only"),
    ReasonCode("CONTACT_NR_TAKEN", "error", "contact number already exists in the target environment"),
    ReasonCode("CONTACT_NR_OUT_OF_RANGE", "error", "contact number outside the project's reserved range"),
    ReasonCode("CONTACT_NR_RANGE_EXHAUSTED", "error", "no free number left in the reserved range"),
]

REASON_CODES: dict[str, ReasonCode] = {c.code: c for c in _CODES}


def reason(code: str) -> ReasonCode:
    return REASON_CODES[code]
