"""Birth dates as the SecuTix file writes them (``dd.mm.yyyy``, ``dd/mm/yyyy`` or ``dd-mm-yyyy``) → ISO."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .format.catalogue import CLEAR
from .text_arrays import is_given

_DMY = r"^(?P<d>\d{2})[./-](?P<m>\d{2})[./-](?P<y>(?:19|20)\d{2})$"
_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


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
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    fast = parts.is_valid().to_numpy(zero_copy_only=False) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
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
