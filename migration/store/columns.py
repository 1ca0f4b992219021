"""The file's column groups as the store writes them, and file column ↔ store column names."""
from __future__ import annotations

from .models import AUTHORIZATION_CHANNELS, MEAN_TYPES

PERSON_FIELDS = ["TITLE", "LETTER_SALUTATION", "ADDR_SALUTATION", "FUNCTION", "REMARK", "FIRSTNAME", "LASTNAME",
                 "BIRTHDATE", "PREF_LANG"]
STRUCTURE_FIELDS = ["OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2", "STRUCT_TYPE", "COMMUNITY_TYPE", "NB_EMPLOYEES",
                    "WEB_SITE", "PREF_LANG", "REMARK"]
NEW_STRUCTURE_FIELDS = [f for f in STRUCTURE_FIELDS if f != "REMARK"]   # a relay row's remark is the relay's
CONTACT_FIELDS = list(dict.fromkeys(PERSON_FIELDS + STRUCTURE_FIELDS))
ADDRESS_FIELDS = ["LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN", "TOWN_COMPLEMENT", "DEPARTMENT", "COUNTRY"]
MEAN_COLUMNS = list(MEAN_TYPES)
AUTH_COLUMNS = list(AUTHORIZATION_CHANNELS)
CODEVALUE_COLUMNS = ["ADMIN_NUMBER"] + [f"CRIT{i:02d}" for i in range(1, 51)]
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
