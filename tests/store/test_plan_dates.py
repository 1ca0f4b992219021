"""Birth dates: the Arrow fast path reads every cell exactly as pandas' own parse does."""
from __future__ import annotations

import numpy as np
import pandas as pd

from stx_migrate.migration.dates import _parse_dates_slowly, parse_birthdates

EDGES = ["31.01.1980", "", "=", "31/02/2000", "01-12-1999", "x", "29.02.2000", "29.02.1900", "29.02.2024", "29.02.2023",
         "1.2.2000", "00.01.2000", "15.13.2000", "31.04.2001", "30.04.2001", "01.01.1600", "01.01.2100", " 01.01.2000",
         "01.01.20000", "31-12/1999", "12.12.12"]


def test_edge_cells():
    got = parse_birthdates(pd.Series(EDGES, dtype="str", index=[f"r{i}" for i in range(len(EDGES))]))
    assert got.loc["r0"] == "1980-01-31" and got.loc["r2"] == "=" and got.loc["r1"] == ""
    assert got.loc["r3"] == "" and got.loc["r7"] == "" and got.loc["r6"] == "2000-02-29"  # no 31 Feb, 1900 not leap
    assert got.loc["r10"] == "2000-02-01" and got.loc["r15"] == "1600-01-01"  # the pandas path: short and old dates


def test_fast_path_equals_pandas_on_random_cells():
    rng = np.random.default_rng(7)
    n = 20_000
    cells = [f"{d:02d}{a}{m:02d}{b}{y}" for d, m, y, a, b in zip(
        rng.integers(0, 33, n), rng.integers(0, 14, n), rng.integers(1890, 2110, n),
        rng.choice(list("./-"), n), rng.choice(list("./-"), n))]
    s = pd.Series(cells + EDGES[:3], dtype="str")
    expected = _parse_dates_slowly(s[:n])
    got = parse_birthdates(s)
    assert (got[:n] == expected).all() and (got[:n] != "").sum() > n // 2
