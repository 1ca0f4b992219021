"""The import log's codes: what happened to a row or a field that could not be applied as given.

Severity lives in data, in the one registry (``migration/codes.yaml``): ``error`` = the row
was not imported, ``warning`` = the field was left out and the row imported.
"""
from __future__ import annotations

from ..finding_codes import codes_of
from ..findings import Severity

IMPORT_CODES: dict[str, tuple[Severity, str]] = {code: (Severity(entry.severity), entry.message)
                                                 for code, entry in codes_of("import").items()}


def severity_of(code: str) -> Severity:
    return IMPORT_CODES[code][0]


def message_of(code: str) -> str:
    return IMPORT_CODES[code][1]
