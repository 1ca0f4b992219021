"""Reason codes the protocol emits, with their severity: its part of the one registry (``migration/codes.yaml``).

``warning``: the value is dropped or defaulted, the row is kept. ``error``: the row is
not imported. ``dropped``: the row is removed by a named filter rule (retention...) and
counted apart; it is not a finding of the log file.
"""
from __future__ import annotations

from ..finding_codes import FindingCode, codes_of

ReasonCode = FindingCode
REASON_CODES: dict[str, FindingCode] = codes_of("protocol")


def reason(code: str) -> FindingCode:
    return REASON_CODES[code]
