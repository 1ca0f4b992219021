"""Row selection on wide SecuTix frames (94 text columns), in Arrow.

pandas' ``frame[mask]`` on Arrow-backed ``str`` columns spends most of its time checking and
converting the indexer per column (2.5 s for 700,000 contacts × 93 columns, measured);
Arrow's own ``filter``/``take`` on the same arrays takes 0.25 s. Besides, the ~70 columns
the protocol leaves empty share one array (copy-on-write): each distinct array is selected
once and shared again. Same frame as pandas gives (dtypes, index, names).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def _select(frame: pd.DataFrame, index: pd.Index, selector: pa.Array, by_mask: bool) -> pd.DataFrame:
    done: dict[int, object] = {}
    columns = {}
    for number, name in enumerate(frame.columns):
        series = frame.iloc[:, number]
        values = series.array
        if isinstance(values, pd.arrays.ArrowStringArray):
            backing = values.__arrow_array__()
            key = id(backing)
            if key not in done:
                picked = backing.filter(selector) if by_mask else backing.take(selector)
                done[key] = pd.arrays.ArrowStringArray(picked, dtype=series.dtype)
            columns[number] = pd.Series(done[key], index=index, copy=False)
        else:
            rows = np.flatnonzero(selector.to_numpy(zero_copy_only=False)) if by_mask else selector.to_numpy()
            columns[number] = pd.Series(series.take(rows).array, index=index, copy=False)
    out = pd.DataFrame(columns, index=index, copy=False)
    out.columns = frame.columns
    return out


def as_mask(mask) -> np.ndarray:
    """A boolean row mask (Series, Index, array-like) as a numpy array.

    Index by it, never by the boolean Series itself: with pandas 3.1, ``s[bool_series]`` and
    ``np.asarray(series)`` look up ``__array_struct__`` through ``Series.__getattr__``, which asks
    whether the name is a *label of the index*; on a text index (our source_refs) that builds the
    index's hash table, ~0.5 s a million rows and more per row as it outgrows the cache (2.5 s at
    3.5M: a 5M-row prepare lost ~8 s to it). ``to_numpy`` is a method: no such lookup.
    """
    if isinstance(mask, (pd.Series, pd.Index)):
        return mask.to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def select_rows(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """``frame[mask]`` for a boolean row mask."""
    mask = as_mask(mask)
    return _select(frame, frame.index[mask], pa.array(mask), by_mask=True)


def take_rows(frame: pd.DataFrame, positions) -> pd.DataFrame:
    """``frame.iloc[positions]``."""
    positions = np.asarray(positions, dtype=np.int64)
    return _select(frame, frame.index[positions], pa.array(positions), by_mask=False)


def select_values(series: pd.Series, mask: pa.Array, index: pd.Index) -> pd.Series:
    """``series[mask]`` given the Arrow boolean ``mask`` and the selected rows' ``index``."""
    values = series.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        picked = pd.arrays.ArrowStringArray(values.__arrow_array__().filter(mask), dtype=series.dtype)
        return pd.Series(picked, index=index, name=series.name, copy=False)
    return series[mask.to_numpy(zero_copy_only=False)]
