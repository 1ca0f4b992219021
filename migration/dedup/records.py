"""The matching view of contacts: one row per record, every value normalised and integer-coded.

New rows (the deliverable) come first, then the target environment's contacts. Equal
normalised values share an integer code (``-1`` = empty), so blocking and exact comparison
run on numpy integer arrays instead of strings.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

from .normalise import (
    codes_of_unique,
    compact,
    fold_text,
    international_phone,
    normalise_email,
    normalise_street,
    normalise_zip,
    phone_digits,
)
from .. import forked
from ..dates import birthdate_key
from ..format import extended_format
from .phonetic import phonetic_key

INDIVIDUAL, STRUCTURE = 1, 2
NEW, EXISTING = 0, 1
MALE, FEMALE, COUPLE = 1, 2, 3
_TITLE_SEX = {"MR": MALE, "MRS": FEMALE, "MISS": FEMALE, "MS": FEMALE, "MR_AND_MRS": COUPLE}

# SecuTix's own structure comparison (secutix-format §7): these 10 fields equal = one structure.
STRUCTURE_FIELDS = extended_format().group("structure_match")
EMAIL_FIELDS = ("EMAIL1", "EMAIL2", "EMAIL3")
PHONE_FIELDS = ("CELLPHONE", "TELEPHONE", "FAX")


@dataclass
class Records:
    """Coded matching values; every array has one entry per record (new rows first)."""

    refs: np.ndarray            # source_ref of new rows, "<env>:<nr>" of existing contacts
    origin: np.ndarray          # NEW | EXISTING
    kind: np.ndarray            # INDIVIDUAL | STRUCTURE (OFFICIAL_NAME filled)
    stable_key: np.ndarray      # "nr:<CONTACT_NR>" or "ref:<source_ref>": the key decisions use
    contact_nr: np.ndarray      # code of CONTACT_NR
    contact_nr_text: np.ndarray
    fn: np.ndarray              # code of the compact first name
    ln: np.ndarray
    fn_text: pd.Series          # uniques: fn_text[fn] is the compact first name
    ln_text: pd.Series
    fn_initial: np.ndarray      # code of the first letter of the first name
    fn_ph: np.ndarray           # code of the phonetic key
    ln_ph: np.ndarray
    sex: np.ndarray             # from TITLE: 0 unknown | MALE | FEMALE | COUPLE
    dob: np.ndarray             # code of yyyymmdd
    dob_year: np.ndarray        # 0 when unknown
    dob_int: np.ndarray         # yyyymmdd as an integer, 0 when unknown (digit-typo comparisons)
    emails: np.ndarray          # (n, 3) codes of normalised e-mails
    phones: np.ndarray          # (n, 3) codes of international phone digits
    zip: np.ndarray
    street: np.ndarray          # code of the normalised LINE1
    town: np.ndarray
    zip_text: pd.Series         # uniques of the three address codes, for similarity
    street_text: pd.Series
    town_text: pd.Series
    org: np.ndarray             # code of the compact OFFICIAL_NAME
    org_text: pd.Series
    org_ph: np.ndarray          # code of organisation_key(OFFICIAL_NAME)
    structure_key: np.ndarray   # code of the 10 folded structure fields (+ the relay's name)
    admin: np.ndarray           # code of ADMIN_NUMBER (digits and letters only)
    _derived: dict = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.refs)

    def derived(self, name: str, make: Callable[[], Any]) -> Any:
        """``make()``, computed once for these records: what every chunk of pairs looks up (computed
        per chunk, a value over all records costs records × chunks, quadratic in the input)."""
        if name not in self._derived:
            self._derived[name] = make()
        return self._derived[name]

    def texts_at(self, name: str, codes: np.ndarray) -> list[str]:
        """``getattr(self, name)[codes]`` (a text pool, e.g. ``"street_text"``) as a list of str, for
        rapidfuzz: through one object array per pool, made once (an Arrow take and ``tolist`` per
        chunk of pairs cost 3–7× more)."""
        return self.derived("objects:" + name, lambda: getattr(self, name).to_numpy(dtype=object))[codes].tolist()


def build_records(contacts: pd.DataFrame, existing: pd.DataFrame | None, country: str) -> Records:
    """Normalise and code ``contacts`` (then ``existing``) for matching; see :class:`Records`."""
    frames = [contacts] if existing is None or not len(existing) else [contacts, existing]
    data = pd.concat(frames, ignore_index=False) if len(frames) > 1 else contacts
    n_new, n = len(contacts), len(data)
    col = lambda code: (data[code] if code in data.columns else pd.Series([""] * n, index=data.index, dtype="str")).fillna("").astype("str")  # noqa: E731

    origin = np.zeros(n, dtype=np.int8)
    origin[n_new:] = EXISTING
    refs = np.asarray(data.index.astype("str"), dtype=object)

    org, org_text = codes_of_unique(col("OFFICIAL_NAME"), compact)
    # Two independent halves; on a big input the second runs in a forked child meanwhile (its
    # results are integer arrays and the distinct streets, cheap to send back). Same codes either way.
    names, channels = forked.run_jobs([partial(_name_codes, col, org, n, n_new, refs), partial(_channel_codes, col, country)],
                                      processes=None if n >= forked.PARALLEL_MIN_ROWS else 1)
    (fn, ln, name_text, fn_initial, fn_ph, ln_ph, org_ph, nr_codes, nr_raw, stable_key, sex, zip_codes, town, admin,
     structure_key, zip_text, town_text, emails) = names
    fn_text = ln_text = name_text
    dob, dob_year, dob_int, phones, street, street_text = channels
    # A row without OFFICIAL_NAME is a person even with no name left (a typo-ridden copy can
    # still match on birth date and address); prepare's rules reject such rows before dedup.
    kind = np.where(org >= 0, STRUCTURE, INDIVIDUAL).astype(np.int8)

    return Records(
        refs=refs, origin=origin, kind=kind, stable_key=stable_key,
        contact_nr=nr_codes, contact_nr_text=nr_raw,
        fn=fn, ln=ln, fn_text=fn_text, ln_text=ln_text, fn_initial=fn_initial, fn_ph=fn_ph, ln_ph=ln_ph, sex=sex,
        dob=dob, dob_year=dob_year, dob_int=dob_int, emails=emails, phones=phones,
        zip=zip_codes, street=street, town=town, zip_text=zip_text, street_text=street_text, town_text=town_text, org=org, org_text=org_text, org_ph=org_ph,
        structure_key=structure_key, admin=admin,
    )


def _name_codes(col, org: np.ndarray, n: int, n_new: int, refs: np.ndarray) -> tuple:
    """Names (by text and by sound), contact numbers and keys, title, postcode and town, the structure key, e-mails."""
    # First and last names share one code space, so swapped names compare equal.
    name_codes, name_text = codes_of_unique(pd.concat([col("FIRSTNAME"), col("LASTNAME")], ignore_index=True), compact)
    fn, ln = name_codes[:n].copy(), name_codes[n:].copy()

    initials = pd.factorize(name_text.str.slice(0, 1))[0] if len(name_text) else np.empty(0, np.int64)
    fn_initial = np.where(fn >= 0, np.asarray(initials, dtype=np.int64)[np.maximum(fn, 0)] if len(name_text) else -1, -1)
    name_ph = _phonetic_codes(name_codes, name_text)
    fn_ph, ln_ph = name_ph[:n].copy(), name_ph[n:].copy()
    # the whole name by sound, legal forms left out, digits kept: "Théâtre du Lac" = "THEATRE DU LAC SA"
    org_ph, _ = codes_of_unique(col("OFFICIAL_NAME"), organisation_key)

    nr_codes, nr_uniques = codes_of_unique(col("CONTACT_NR"), lambda s: s.str.strip().str.lstrip("0"))
    nr_series = col("CONTACT_NR").str.strip()
    nr_raw = nr_series.to_numpy(dtype=object)
    ref_series = pd.Series(refs, dtype="str")
    nr_series = nr_series.reset_index(drop=True)
    keyed_by_nr = nr_codes >= 0
    if n > n_new:  # existing contacts are keyed by their number, which is in their index ("<env>:<nr>")
        is_new = np.arange(n) < n_new
        nr_series = nr_series.where(is_new, ref_series.str.replace(r"^[^:]*:", "", regex=True))
        keyed_by_nr = keyed_by_nr | ~is_new
    keys = ("ref:" + ref_series).where(~keyed_by_nr, "nr:" + nr_series)
    stable_key = keys.to_numpy(dtype=object)

    title_codes, titles = pd.factorize(col("TITLE"), use_na_sentinel=False)
    title_sex = pd.Series(titles, dtype="str").str.strip().str.upper().map(_TITLE_SEX).fillna(0).astype(np.int8).to_numpy()
    sex = title_sex[np.asarray(title_codes)] if len(title_sex) else np.zeros(n, np.int8)

    zip_codes, zip_text = codes_of_unique(col("ZIPCODE"), normalise_zip)
    town, town_text = codes_of_unique(col("TOWN"), compact)
    admin, _ = codes_of_unique(col("ADMIN_NUMBER"), lambda s: compact(s.str.replace(r"^[^=]*=", "", regex=True)))

    structure_key = np.full(n, -1, dtype=np.int64)
    is_structure = np.flatnonzero(org >= 0)     # kind == STRUCTURE
    if len(is_structure):
        structure_key[is_structure] = _structure_codes([col(c).iloc[is_structure] for c in STRUCTURE_FIELDS + ("FIRSTNAME", "LASTNAME")])
    emails = _shared_codes([col(c) for c in EMAIL_FIELDS], normalise_email)
    return (fn, ln, name_text, fn_initial, fn_ph, ln_ph, org_ph, nr_codes, nr_raw, stable_key, sex, zip_codes,
            town, admin, structure_key, zip_text, town_text, emails)


def _structure_codes(columns: list[pd.Series]) -> np.ndarray:
    """Code of each row's folded fields taken together, numbered in order of first occurrence: the
    codes ``pd.factorize`` gives the fields folded and joined by "|" (folded text holds no "|"), with
    each column folded once per distinct value instead of once per row."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, _ = codes_of_unique(column, fold_text)       # equal folded text, equal code; "" is -1
        key = key * (int(codes.max(initial=-1)) + 2) + (codes + 1)
        key = np.asarray(pd.factorize(key)[0], dtype=np.int64)   # small numbers, one per distinct tuple so far
    return key


def _channel_codes(col, country: str) -> tuple:
    """Birth dates, phones, streets (codes and their distinct texts): the half a forked child computes
    (e-mails are on the other side, streets here: the halves take about the same time)."""
    dob, dob_text = codes_of_unique(col("BIRTHDATE"), birthdate_key)
    years = pd.to_numeric(dob_text.str.slice(0, 4), errors="coerce").fillna(0).astype(np.int32).to_numpy()
    dob_year = np.where(dob >= 0, years[np.maximum(dob, 0)] if len(years) else 0, 0).astype(np.int32)
    whole = pd.to_numeric(dob_text, errors="coerce").fillna(0).astype(np.int64).to_numpy()
    dob_int = np.where(dob >= 0, whole[np.maximum(dob, 0)] if len(whole) else 0, 0)

    calling = _calling_codes(col("COUNTRY"), country)
    phones = _phone_codes([col(c) for c in PHONE_FIELDS], calling)
    street, street_text = codes_of_unique(col("LINE1"), normalise_street)
    return dob, dob_year, dob_int, phones, street, street_text


_LEGAL_FORMS = r"\b(SA|SARL|SAS|SASU|SCI|SNC|EURL|AG|GMBH|EV|E V|ASBL|SPRL|SRL|SC|LTD|INC|CIE|ET CIE)\b"


def organisation_key(names: pd.Series) -> pd.Series:
    """Blocking key of a structure name: phonetic key of the name without legal form, plus its digits."""
    folded = fold_text(names).str.replace(_LEGAL_FORMS, " ", regex=True)
    return (phonetic_key(compact(folded)) + folded.str.replace(r"\D", "", regex=True)).astype("str")


def _phonetic_codes(codes: np.ndarray, uniques: pd.Series) -> np.ndarray:
    if not len(uniques):
        return np.full(len(codes), -1, dtype=np.int64)
    keys = phonetic_key(uniques)
    key_codes, key_uniques = pd.factorize(keys, use_na_sentinel=False)
    key_codes = np.asarray(key_codes, dtype=np.int64)
    empty = np.flatnonzero(np.asarray(key_uniques, dtype=object) == "")
    if len(empty):
        key_codes[key_codes == empty[0]] = -1
    return np.where(codes >= 0, key_codes[np.maximum(codes, 0)], -1)


def _shared_codes(columns: list[pd.Series], normalise) -> np.ndarray:
    """Codes of several columns in one code space (EMAIL1 of one row = EMAIL2 of another).

    Columns empty in every row are left out before any work (EMAIL3 rarely holds anything).
    """
    used = [c for c in columns if (c != "").any()] or columns[:1]
    stacked = pd.concat(used, ignore_index=True) if len(used) > 1 else used[0]
    codes, _ = codes_of_unique(stacked, normalise)
    return np.ascontiguousarray(codes.reshape(len(used), -1).T)


@lru_cache(maxsize=512)
def _calling_code(region: str) -> str:
    code = phonenumbers.country_code_for_region(region)
    return str(code) if code else ""


def _calling_codes(countries: pd.Series, default_country: str) -> pd.Series:
    """Country calling code per row (``"33"``), from COUNTRY, else the institution's country."""
    codes, uniques = pd.factorize(countries, use_na_sentinel=False)
    region = pd.Series(uniques, dtype="str").str.strip().str.upper()
    region = region.where(region.str.fullmatch(r"[A-Z]{2}"), default_country.upper())
    calling = np.array([_calling_code(r) for r in region], dtype=object)   # a few hundred regions at most
    return pd.Series(calling[np.asarray(codes)] if len(calling) else [], dtype="str")


def _phone_codes(columns: list[pd.Series], calling: pd.Series) -> np.ndarray:
    """International phone digits of several columns, in one code space (-1 = no number)."""
    n = len(calling)
    calling = calling.reset_index(drop=True)
    texts, rows_of = [], []
    for column in columns:
        rows = np.flatnonzero((column != "").to_numpy())
        if not len(rows):
            continue
        raw_codes, raw_uniques = pd.factorize(column.iloc[rows], use_na_sentinel=False)
        digits = phone_digits(pd.Series(raw_uniques, dtype="str"))
        row_digits = pd.Series(np.asarray(digits, dtype=object)[raw_codes], dtype="str")
        texts.append(international_phone(row_digits, calling.iloc[rows].reset_index(drop=True)))
        rows_of.append(rows)
    out = np.full((n, max(len(texts), 1)), -1, dtype=np.int64)
    if not texts:
        return out
    codes, uniques = pd.factorize(pd.concat(texts, ignore_index=True), use_na_sentinel=False)
    codes = np.asarray(codes, dtype=np.int64)
    empty = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    if len(empty):
        codes[codes == empty[0]] = -1
    start = 0
    for i, rows in enumerate(rows_of):
        out[rows, i] = codes[start:start + len(rows)]
        start += len(rows)
    return out
