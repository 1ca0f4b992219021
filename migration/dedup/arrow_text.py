"""Text steps Arrow's string kernels lack, done on the Arrow buffers: the same text as Python's ``re``.

pandas runs a regular expression with a backreference (``(.)\\1+``) in Python, one call per
value; on the names' distinct values that was most of the phonetic key's time.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

_RUNS = r"(.)\1+"


def collapse_runs(values: pd.Series) -> pd.Series:
    """``values.str.replace(r"(.)\\1+", r"\\1", regex=True)``: each run of one character kept once.

    On ASCII text a character is a byte: a byte equal to the one before it in the same value
    is dropped. Other text (a multi-byte character may repeat a byte) goes through ``re``.
    """
    array = pa.array(values.astype("str"))
    if array.null_count or not len(array):
        return values.str.replace(_RUNS, r"\1", regex=True)
    array = array.cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array) + 1]
    data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if array.buffers()[2] \
        else np.empty(0, np.uint8)
    if len(data) and data.max() >= 0x80:
        return values.str.replace(_RUNS, r"\1", regex=True)
    starts = offsets - offsets[0]
    keep = np.ones(len(data), dtype=bool)
    keep[1:] = data[1:] != data[:-1]
    keep[starts[:-1][starts[:-1] < len(data)]] = True     # a value's first byte is never a repeat
    new_offsets = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])[starts]
    out = pa.LargeStringArray.from_buffers(len(array), pa.py_buffer(new_offsets), pa.py_buffer(data[keep].tobytes()))
    return pd.Series(pd.array(out, dtype="str"), index=values.index)
