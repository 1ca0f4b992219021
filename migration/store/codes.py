"""The import log's codes: what happened to a row or a field that could not be applied as given.

Severity lives here, in data (STYLE.md): ``error`` = the row was not imported,
``warning`` = the field was left out and the row imported.
"""
from __future__ import annotations

from ..findings import Severity

IMPORT_CODES: dict[str, tuple[Severity, str]] = {
    "IMPORT_CONTACT_NR_TAKEN": (Severity.ERROR, "INSERT: the contact number already belongs to another contact"),
    "IMPORT_CONTACT_NR_MISSING": (Severity.ERROR, "UPDATE needs a contact number"),
    "IMPORT_CONTACT_NOT_FOUND": (Severity.ERROR, "UPDATE: no contact with this number in the environment"),
    "IMPORT_CONTACT_ANONYMIZED": (Severity.ERROR, "the contact is anonymized and cannot be changed"),
    "IMPORT_NO_NAME": (Severity.ERROR, "INSERT: neither FIRSTNAME, LASTNAME nor OFFICIAL_NAME is given"),
    "IMPORT_UNKNOWN_OPERATION": (Severity.ERROR, "OPERATION is not CONFIG, INSERT or UPDATE"),
    "IMPORT_UNKNOWN_INSTITUTION": (Severity.ERROR, "the institution is not set up in the environment"),
    "IMPORT_UNKNOWN_CRITERION": (Severity.ERROR, "the criterion is not defined in the environment"),
    "IMPORT_UNKNOWN_CRITERION_ELEMENT": (Severity.ERROR, "the criterion element is not defined in the environment"),
    "IMPORT_UNKNOWN_STRUCT_TYPE": (Severity.ERROR, "the structure type is not defined in the environment"),
    "IMPORT_UNKNOWN_COMMUNITY_TYPE": (Severity.ERROR, "the community type is not defined in the environment"),
    "IMPORT_UNKNOWN_ADMIN_NUMBER_TYPE": (Severity.ERROR, "the administrative number code is not defined in the environment"),
    "IMPORT_STRUCTURE_MISSING": (Severity.ERROR, "no structure in the environment matches the relay's structure fields (secutix-format §7)"),
    "IMPORT_STRUCTURE_NR_CONFLICT": (Severity.ERROR, "the structure already exists under another contact number (secutix-format §7 match)"),
    "IMPORT_NUMBER_RANGE_EXHAUSTED": (Severity.ERROR, "no free contact number left in the environment's automatic range"),
    "IMPORT_NOT_A_STRUCTURE": (Severity.ERROR, "the contact is not a structure (qualify-structures)"),
    "IMPORT_EMAIL_NOT_FOUND": (Severity.ERROR, "basic update: no contact has this e-mail address (EMAIL1)"),
    "IMPORT_EMAIL_AMBIGUOUS": (Severity.ERROR, "basic update: several contacts have this e-mail address (EMAIL1)"),
    "IMPORT_NO_CONFIG_CODE": (Severity.WARNING, "value without CODE= and no CONFIG row set a code for this column: value left out"),
    "IMPORT_CRITERION_NOT_FOR_TYPE": (Severity.WARNING, "the criterion's contact type does not fit this contact: value left out"),
    "IMPORT_FIELD_NOT_APPLICABLE": (Severity.WARNING, "the field does not apply to this kind of contact: value left out"),
}


def severity_of(code: str) -> Severity:
    return IMPORT_CODES[code][0]


def message_of(code: str) -> str:
    return IMPORT_CODES[code][1]
