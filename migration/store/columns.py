"""The file's column groups as the store writes them, and file column ↔ store column names."""
from __future__ import annotations

from ..format import extended_format

_FORMAT = extended_format()
PERSON_FIELDS = list(_FORMAT.group("person"))
STRUCTURE_FIELDS = list(_FORMAT.group("structure"))
NEW_STRUCTURE_FIELDS = [f for f in STRUCTURE_FIELDS if f != "REMARK"]   # a relay row's remark is the relay's
CONTACT_FIELDS = list(dict.fromkeys(PERSON_FIELDS + STRUCTURE_FIELDS))
ADDRESS_FIELDS = list(_FORMAT.group("address"))
MEAN_COLUMNS = list(_FORMAT.group("means"))
AUTH_COLUMNS = list(_FORMAT.group("authorizations"))
CODEVALUE_COLUMNS = list(_FORMAT.group("codevalues"))
USE_BITS = {"M": 1, "S": 2, "B": 4}  # address.uses: the set of uses an address serves
FIELDS_OF_KIND = {"individual": PERSON_FIELDS, "relay": PERSON_FIELDS, "structure": STRUCTURE_FIELDS}


def db(code: str) -> str:
    """Stage/table column name of a file column."""
    return code.lower()


def mean_col(code: str) -> str:
    """The contact column (and stage column) of a communication mean."""
    return code.lower()


def auth_col(code: str) -> str:
    """The contact column (and stage column) of a consent channel."""
    return "consent_" + code.lower()
