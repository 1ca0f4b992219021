"""Birth dates: the one home of the date rules the rules, the store and dedup apply to BIRTHDATE.

BIRTHDATE is written ``dd.mm.yyyy``, ``dd/mm/yyyy`` or ``dd-mm-yyyy`` (secutix-format §5.3).
Each stage reads it for a different purpose, so each accepts a different set of cells, on
purpose (the golden files and the store's tests pin each one):

- :func:`birthdate_problems` (the rules, which decide what SecuTix will drop): only the three
  formats exactly, two-digit day and month, one separator used twice (:data:`BIRTHDATE_FORMATS`);
  a date that does not exist or lies in the future is reported as such.
- :func:`parse_birthdates` (the store, which SecuTix's importer stands in for): what SecuTix
  stores; the separators may be mixed and a one-digit day or month is read as well
  (``1.2.1980``), since an UPDATE file may come from elsewhere than stx-migrate; a date that
  does not exist is left out, ``=`` (clear) is kept.
- :func:`birthdate_key` (dedup, which compares people): a comparison key ``yyyymmdd`` of any
  cell of the three formats, one-digit day or month padded; it does not check the calendar (a
  wrong but equal date is still evidence of the same person).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .format.catalogue import CLEAR
from .text_arrays import is_given

BIRTHDATE_FORMATS = r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}|[0-9]{2}/[0-9]{2}/[0-9]{4}|[0-9]{2}-[0-9]{2}-[0-9]{4}"   # RE2, whole cell
_DMY = r"^(?P<d>\d{2})[./-](?P<m>\d{2})[./-](?P<y>(?:19|20)\d{2})$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The number of days of each (year, month); a month outside 1-12 counts as 0 days."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)


def birthdate_problems(cells: pa.Array | pa.ChunkedArray, today: date) -> tuple[np.ndarray, np.ndarray]:
    """(impossible, in the future) for cells already in one of :data:`BIRTHDATE_FORMATS`."""
    day, month, year = (pc.cast(pc.utf8_slice_codeunits(cells, a, b), pa.int64()).to_numpy()
                        for a, b in ((0, 2), (3, 5), (6, 10)))
    impossible = (month < 1) | (month > 12) | (day < 1) | (day > days_in_month(year, month)) | (year < 1)
    as_number = year * 10_000 + month * 100 + day
    future = ~impossible & (as_number > today.year * 10_000 + today.month * 100 + today.day)
    return impossible, future


def parse_birthdates(s: pd.Series) -> pd.Series:
    """``dd.mm.yyyy`` / ``dd/mm/yyyy`` / ``dd-mm-yyyy`` → ISO ``yyyy-mm-dd`` (``=`` kept, invalid → NULL).

    The usual cell (two-digit day and month, a year of 1900-2099) is checked and turned
    around in Arrow; any other cell is parsed by pandas, once per distinct value.
    """
    given = is_given(s)
    if not given.any():
        return s.where(s == CLEAR, "")
    arr = pa.array(s.fillna("").array, type=pa.large_string(), from_pandas=True)
    parts = pc.extract_regex(arr, _DMY)
    d, m, y = (pc.struct_field(parts, f) for f in ("d", "m", "y"))
    day, month, year = (pc.fill_null(pc.cast(x, pa.int64()), 0).to_numpy(zero_copy_only=False) for x in (d, m, y))
    fast = parts.is_valid().to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12) & (day >= 1) & \
        (day <= days_in_month(year, month))
    out = pc.if_else(pa.array(fast), pc.binary_join_element_wise(y, m, d, pa.scalar("-", pa.large_string())), "").to_numpy(zero_copy_only=False)
    rest = given.to_numpy(dtype=bool) & ~fast
    if rest.any():
        out = np.asarray(out, dtype=object)
        out[rest] = _parse_dates_slowly(s[rest]).to_numpy(dtype=object)
    result = pd.Series(out, index=s.index, dtype="str")
    return result.where(given, s.where(s == CLEAR, ""))


def _parse_dates_slowly(s: pd.Series) -> pd.Series:
    """pandas' parse of the cells the fast path leaves (each distinct cell once); invalid → ""."""
    codes, uniques = pd.factorize(s)
    u = pd.Series(uniques, dtype="str")
    norm = u.str.replace("/", ".", regex=False).str.replace("-", ".", regex=False)
    parsed = pd.to_datetime(norm, format="%d.%m.%Y", errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%d").fillna("").astype("str")
    return pd.Series(iso.to_numpy(dtype=object)[codes], index=s.index, dtype="str")


def birthdate_key(values: pd.Series) -> pd.Series:
    """``dd.mm.yyyy`` / ``dd/mm/yyyy`` / ``dd-mm-yyyy`` → ``yyyymmdd`` (zero-padded); anything else ""."""
    text = values.fillna("").astype("str").str.strip().str.replace(r"[/-]", ".", regex=True)
    text = text.str.replace(r"^(\d)\.", r"0\1.", regex=True).str.replace(r"\.(\d)\.", r".0\1.", regex=True)
    ok = text.str.fullmatch(r"\d\d\.\d\d\.\d{4}")
    out = text.str.slice(6, 10) + text.str.slice(3, 5) + text.str.slice(0, 2)
    return out.where(ok, "").astype("str")
