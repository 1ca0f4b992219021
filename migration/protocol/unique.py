"""Compute on each distinct value once and spread the result back (columns repeat a lot).

Results stay Arrow-backed ``str`` columns: spreading back is an Arrow ``take``, never
a round trip through Python objects.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa


def distinct_values(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(code per row, the distinct values as a ``str`` Series indexed 0..n-1)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return codes, pd.Series(pd.array(uniques, dtype="str"), index=pd.RangeIndex(len(uniques)))


def spread(result: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """``result`` (one value per distinct value) taken back to one value per row."""
    taken = pa.array(result.astype("str")).take(pa.array(codes))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def by_unique(values: pd.Series, compute: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``compute`` gets the distinct values (a Series, default index) and returns a
    ``str`` Series of the same length; the result is aligned back on ``values``' index."""
    codes, distinct = distinct_values(values)
    return spread(compute(distinct), codes, values.index)


def constant_column(value: str, index: pd.Index) -> pd.Series:
    """A ``str`` column holding ``value`` on every row (Arrow ``repeat``, no Python list)."""
    return pd.Series(pd.array(pa.repeat(value, len(index)), dtype="str"), index=index)
