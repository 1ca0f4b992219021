"""Compute on each distinct value once and spread the result back (columns repeat a lot)."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def by_unique(values: pd.Series, compute: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``compute`` gets the distinct values (a Series, default index) and returns a
    Series of the same length; the result is aligned back on ``values``' index."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    result = compute(pd.Series(np.asarray(uniques, dtype=object), dtype="str"))
    out = np.asarray(result.to_numpy(dtype=object, na_value=None), dtype=object)[codes]
    return pd.Series(out, index=values.index, dtype=result.dtype if result.dtype != object else "str")
