"""The contact-number policy (secutix-format §8.4, §13 Q9): keep the source number or allocate one.

- ``keep``: CONTACT_NR is the source number (digits only, leading zeros kept); a
  number that is not digits, lies outside the reserved range (when one is set) or
  already exists in the target environment rejects the row. A row without a source
  number gets none (SecuTix assigns one on INSERT).
- ``allocate``: every surviving row gets the next free number of the reserved range,
  in row order, skipping numbers that exist in the target; when the range runs out
  the remaining rows are rejected. Never a number that exists in the target.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import concat_findings, findings_frame
from ..rows import as_mask
from ..text_arrays import text_array, text_isin
from ..settings.prepare import ContactNumberPolicy, NumberRange
from .codes import reason


def _finding(mask: pd.Series, code: str, numbers: pd.Series) -> pd.DataFrame:
    info = reason(code)
    rows = as_mask(mask)
    found = numbers[rows]
    refs = pd.Series(found.index, index=found.index, dtype="str")
    return findings_frame(refs, found, "CONTACT_NR", code, info.severity, info.message, found)


def as_number_set(existing: Iterable | None) -> pd.Index:
    """Existing target numbers as a text index (compared exactly, as SecuTix stores them)."""
    if existing is None:
        return pd.Index([], dtype="str")
    stripped = pc.utf8_trim_whitespace(pa.array(pd.array(list(existing), dtype="str")))
    return pd.Index(pd.array(pc.unique(stripped), dtype="str"))


def keep_source_numbers(source_numbers: pd.Series, policy: ContactNumberPolicy, existing: Iterable | None) -> tuple[pd.Series, pd.DataFrame]:
    """CONTACT_NR per row under the ``keep`` policy, and the findings of the rows it rejects."""
    numbers = source_numbers.str.strip().astype("str")
    taken = as_number_set(existing)
    given = numbers != ""
    not_digits = given & ~numbers.str.fullmatch(r"[0-9]{1,20}")
    parts = [_finding(not_digits, "CONTACT_NR_INVALID", numbers)]
    valid = given & ~not_digits
    if policy.reserved_range is not None:
        outside = valid & ~_in_range(numbers, valid.to_numpy(dtype=bool), policy.reserved_range)
        parts.append(_finding(outside, "CONTACT_NR_OUT_OF_RANGE", numbers))
        valid &= ~outside
    clash = valid & text_isin(numbers, taken)    # Arrow's hash lookup: pandas' isin on text walks in Python
    parts.append(_finding(clash, "CONTACT_NR_TAKEN", numbers))
    return numbers, concat_findings(parts)


_INT64_MAX = 2**63 - 1


def _in_range(numbers: pd.Series, digits_only: np.ndarray, reserved: NumberRange) -> np.ndarray:
    """Rows whose number (all digits, up to 20) lies in ``reserved``, compared exactly as integers.

    Arrow casts numbers of up to 18 significant digits (pandas' ``to_numeric`` took 0.5 s per
    million and went through floats past 2**64); longer ones, rare, are compared by Python's int.
    """
    significant = pc.utf8_ltrim(text_array(numbers), characters="0")
    length = np.asarray(pc.utf8_length(significant).to_numpy(zero_copy_only=False))
    short = digits_only & (length <= 18)
    castable = pc.if_else(pa.array(short & (length > 0)), significant, pa.scalar("0", significant.type))
    value = np.asarray(pc.cast(castable, pa.int64()).to_numpy(zero_copy_only=False))
    inside = short & (value >= min(reserved.first, _INT64_MAX)) & (value <= min(reserved.last, _INT64_MAX))
    for row in np.flatnonzero(digits_only & (length > 18)):
        inside[row] = reserved.first <= int(numbers.iat[row]) <= reserved.last
    return inside


def allocate_numbers(index: pd.Index, reserved: NumberRange, existing: Iterable | None) -> tuple[pd.Series, pd.DataFrame]:
    """The next free numbers of ``reserved`` for the rows of ``index``, in order.

    Rows beyond the free capacity of the range get no number and a
    CONTACT_NR_RANGE_EXHAUSTED finding (error).
    """
    taken = as_number_set(existing)
    taken_ints = pd.to_numeric(pd.Series(taken, dtype="str"), errors="coerce").dropna().astype("int64").to_numpy()
    taken_ints = np.unique(taken_ints[(taken_ints >= reserved.first) & (taken_ints <= reserved.last)])
    wanted = len(index)
    stop = min(reserved.last, reserved.first + wanted + len(taken_ints) - 1)
    candidates = np.arange(reserved.first, stop + 1, dtype="int64") if wanted else np.array([], dtype="int64")
    free = candidates[~np.isin(candidates, taken_ints)][:wanted]
    values = np.full(wanted, "", dtype=object)
    values[: len(free)] = free.astype(str)
    numbers = pd.Series(values, index=index, dtype="str")
    exhausted = pd.Series(np.arange(wanted) >= len(free), index=index)
    return numbers, _finding(exhausted, "CONTACT_NR_RANGE_EXHAUSTED", numbers)
