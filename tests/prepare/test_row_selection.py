"""The Arrow shortcuts prepare uses on wide frames give exactly what pandas gives."""
from __future__ import annotations

import numpy as np
import pandas as pd

from stx_migrate.migration.text_arrays import text_isin
from stx_migrate.migration.rows import select_rows, take_rows


def _wide_frame(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    empty = pd.Series([""] * n, dtype="str")
    frame = pd.DataFrame({
        "FIRSTNAME": pd.Series(rng.choice(["Anne", "Luc", "", None], n), dtype="str"),
        "LASTNAME": pd.Series(rng.choice(["Favre", "Müller", ""], n), dtype="str"),
        "EMAIL1": empty, "EMAIL2": empty,               # one array shared by two columns, as the protocol does
        "COUNT": np.arange(n),                          # not text: pandas' own take
    })
    frame.index = pd.Index([f"clients:{i}" for i in range(n)], dtype="str", name="source_ref")
    return frame


def test_select_rows_is_pandas_boolean_indexing():
    frame = _wide_frame()
    for mask in (np.arange(50) % 3 == 0, np.zeros(50, bool), np.ones(50, bool)):
        pd.testing.assert_frame_equal(select_rows(frame, mask), frame[mask], check_exact=True)


def test_take_rows_is_iloc_in_any_order():
    frame = _wide_frame()
    positions = np.array([49, 0, 7, 7, 3])
    pd.testing.assert_frame_equal(take_rows(frame, positions), frame.iloc[positions], check_exact=True)


def test_the_selection_is_a_new_frame():
    frame = _wide_frame()
    picked = select_rows(frame, np.arange(50) < 10)
    picked["EMAIL1"] = "x@example.org"
    assert (frame["EMAIL1"] == "").all() and (picked["EMAIL2"] == "").all()


def test_text_isin_is_pandas_isin():
    values = pd.Index(["a", "b", "c", "a"], dtype="str")
    for candidates in (["a", "x"], pd.Index([], dtype="str"), pd.Series(["c", "b"], dtype="str"), np.array(["b"], dtype=object)):
        assert (text_isin(values, candidates) == values.isin(list(candidates))).all()
    assert text_isin(pd.Index([], dtype="str"), ["a"]).tolist() == []


def test_select_values_is_pandas_boolean_indexing():
    import pyarrow as pa

    from stx_migrate.migration.rows import select_values

    frame = _wide_frame()
    mask = np.arange(50) % 4 != 1
    for name in ("FIRSTNAME", "EMAIL1", "COUNT"):
        pd.testing.assert_series_equal(select_values(frame[name], pa.array(mask), frame.index[mask]),
                                       frame[name][mask], check_exact=True)
