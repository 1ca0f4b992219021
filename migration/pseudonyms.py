"""Pseudonyms for a dev trial: the deliverable's people replaced before the file leaves the workspace.

Keyed and consistent: every pseudonym is derived from an HMAC-SHA256 of the original value
with the project's secret key, so the same value always gets the same pseudonym (within a
file, across deliverables, across runs) and the dev import behaves exactly as the real one:
duplicates stay duplicates, structures match the same way, updates find the same contacts.
No mapping is stored anywhere: without the key, a pseudonym cannot be traced back, and with
it only by trying candidate values.

What is replaced (docs/pseudonyms.md): names (first, last, official, address names), the
salutations and remark (free text that may quote a name), street lines, e-mails (local part
and domain: every address goes to the reserved ``example.com``), phone numbers (a valid
number of the same country and type) and the day and month of the birth date (the year is
kept). Everything else is kept: codes, countries, postcodes, towns, criteria,
authorizations, contact numbers. Empty cells and the ``=`` (clear) marker are never touched.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import phonenumbers

from .format.catalogue import CLEAR, extended_format
from .protocol.unique import distinct_values, spread
from .import_files import write_import_file

NAME_COLUMNS = ("FIRSTNAME", "LASTNAME", "OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2")
TEXT_COLUMNS = ("LETTER_SALUTATION", "ADDR_SALUTATION", "REMARK")
STREET_COLUMNS = extended_format().group("street_lines")
EMAIL_COLUMNS = extended_format().group("emails")
PHONE_COLUMNS = extended_format().group("phones")
BIRTHDATE_COLUMNS = ("BIRTHDATE",)
EMAIL_DOMAIN = "example.com"       # RFC 2606: reserved, never delivers to anyone

_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"
_DMY = re.compile(r"^(\d{1,2})([./-])(\d{1,2})([./-])(\d{4})$")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)   # 28 in February: valid in every year


class Pseudonymiser:
    """Pseudonyms under one key; ``kind`` separates the domains (a name and a street never share a stream)."""

    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the pseudonym key must hold at least 16 bytes")
        self._key = key

    def stream(self, kind: str, value: str, round_: int = 0):
        """Endless pseudo-random bytes for ``value`` (HMAC-SHA256 blocks)."""
        block = 0
        while True:
            message = f"{kind}\x1f{round_}\x1f{block}\x1f{value}".encode("utf-8")
            yield from hmac.new(self._key, message, hashlib.sha256).digest()
            block += 1

    def word_like(self, kind: str, value: str, round_: int = 0) -> str:
        """Letters replaced by pronounceable letters (case kept), digits by digits; the rest and the length kept."""
        bytes_ = self.stream(kind, value, round_)
        out, position = [], 0
        for ch in value:
            if ch.isalpha():
                pool = _CONSONANTS if position % 2 == 0 else _VOWELS
                letter = pool[next(bytes_) % len(pool)]
                out.append(letter.upper() if ch.isupper() else letter)
                position += 1
            elif ch.isdigit():
                out.append(str(next(bytes_) % 10))
            else:
                out.append(ch)
                position = 0
        return "".join(out)

    def email(self, value: str, round_: int = 0) -> str:
        bytes_ = self.stream("email", value.strip().lower(), round_)
        pools = [_CONSONANTS if i % 2 == 0 else _VOWELS for i in range(8)]
        word = "".join(pool[next(bytes_) % len(pool)] for pool in pools)
        return f"{word}.{next(bytes_):02x}{next(bytes_):02x}@{EMAIL_DOMAIN}"

    def phone(self, value: str, round_: int = 0) -> str:
        """A valid number of the same country and type (phonenumbers' example number, its tail replaced)."""
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return self.word_like("phone", value, round_)
        region = phonenumbers.region_code_for_number(number)
        kind = phonenumbers.number_type(number)
        example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
        if example is None:
            return self.word_like("phone", value, round_)
        national = str(example.national_number)
        keep = max(1, len(national) - 6)
        bytes_ = self.stream("phone", value, round_)
        for _ in range(50):
            tail = "".join(str(next(bytes_) % 10) for _ in range(len(national) - keep))
            candidate = phonenumbers.parse(f"+{example.country_code}{national[:keep]}{tail}", None)
            text = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(candidate) and text != value:
                return text
        return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)

    def birthdate(self, value: str, round_: int = 0) -> str:
        """Day and month from the HMAC (any day of the year, 29 February never), the year and separators kept."""
        found = _DMY.match(value.strip())
        if not found:
            return ""                               # not a date the import reads: it would store nothing either
        bytes_ = self.stream("birthdate", value, round_)
        day_of_year = (next(bytes_) * 256 + next(bytes_)) % 365
        month = 0
        while day_of_year >= _MONTH_DAYS[month]:
            day_of_year -= _MONTH_DAYS[month]
            month += 1
        _, sep1, _, sep2, year = found.groups()
        made = f"{day_of_year + 1:02d}{sep1}{month + 1:02d}{sep2}{year}"
        return made if made != value.strip() else self.birthdate(value, round_ + 1)


def _one_to_one(distinct: pd.Series, make: Callable[[str, int], str]) -> pd.Series:
    """Pseudonyms of distinct values, never the value itself and never one pseudonym for two values.

    A clash (rare: two values hashed to the same pseudonym, or a pseudonym equal to its
    value) is resolved by the next HMAC round, so that equal stays equal and different
    stays different: the dev import matches exactly what the real one would.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for value in sorted(distinct.tolist()):
        if value == "" or value == CLEAR:
            out[value] = value
            continue
        for round_ in range(100):
            candidate = make(value, round_)
            if candidate not in taken and (candidate != value or not any(c.isalnum() for c in value)):
                break
        out[value] = candidate
        taken.add(candidate)
    return pd.Series([out[v] for v in distinct.tolist()], index=distinct.index, dtype="str")


def _column_maker(pseudonymiser: Pseudonymiser, column: str) -> Callable[[str, int], str] | None:
    if column in NAME_COLUMNS or column in TEXT_COLUMNS:
        return lambda value, round_: pseudonymiser.word_like("name", value, round_)
    if column in STREET_COLUMNS:
        return lambda value, round_: pseudonymiser.word_like("street", value, round_)
    if column in EMAIL_COLUMNS:
        return pseudonymiser.email
    if column in PHONE_COLUMNS:
        return pseudonymiser.phone
    if column in BIRTHDATE_COLUMNS:
        return pseudonymiser.birthdate
    return None


def pseudonymise_contacts(contacts: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """A copy of a SecuTix frame with its personal columns replaced by keyed pseudonyms (once per distinct value)."""
    pseudonymiser = Pseudonymiser(key)
    out = contacts.copy()
    for column in contacts.columns:
        make = _column_maker(pseudonymiser, column)
        if make is None:
            continue
        values = contacts[column].fillna("").astype("str")
        codes, distinct = distinct_values(values)
        if column in BIRTHDATE_COLUMNS:    # not an identity: two people may share one, no need to keep them apart
            mapped = pd.Series([v if v in ("", CLEAR) else make(v, 0) for v in distinct.tolist()],
                               index=distinct.index, dtype="str")
        else:
            mapped = _one_to_one(distinct, make)
        out[column] = spread(mapped, codes, contacts.index)
    return out


def pseudonymised_deliverable(deliverable, key: bytes, folder: Path, ext: str, output=None) -> Path:
    """A copy of the deliverable's files a delivery sends, its people replaced, in ``folder`` (inside the workspace).

    ``contacts.<ext>`` (or its numbered xlsx parts past one sheet) is written from the pseudonymised contacts; ``summary.json`` (counts only)
    is copied; ``manifest.json`` is copied with the new import files' sha256, so that the
    delivered manifest describes the delivered file. Returns ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True)
    names = write_import_file(pseudonymise_contacts(deliverable.contacts(), key), folder, ext, output)
    shutil.copyfile(deliverable.path / "summary.json", folder / "summary.json")
    manifest = json.loads((deliverable.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder
