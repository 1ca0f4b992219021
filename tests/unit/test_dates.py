"""The one date module: the three readings of BIRTHDATE, each stage's own, side by side."""
from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pyarrow as pa

from stx_migrate.migration.dates import BIRTHDATE_FORMATS, birthdate_key, birthdate_problems, parse_birthdates

CELLS = ["31.01.1980", "1.2.1980", "31.02.2000", "01/12-1999", "29.02.2024", "01.01.2999"]


def test_each_stage_reads_birth_dates_its_own_way():
    in_format = [re.fullmatch(BIRTHDATE_FORMATS, c) is not None for c in CELLS]
    assert in_format == [True, False, True, False, True, True]          # the rules: the three formats exactly
    well_formed = [c for c, ok in zip(CELLS, in_format) if ok]
    impossible, future = birthdate_problems(pa.array(well_formed), date(2027, 1, 1))
    assert impossible.tolist() == [False, True, False, False] and future.tolist() == [False, False, False, True]
    stored = parse_birthdates(pd.Series(CELLS, dtype="str")).tolist()  # the store: what SecuTix would keep
    assert stored == ["1980-01-31", "1980-02-01", "", "1999-12-01", "2024-02-29", "2999-01-01"]
    keys = birthdate_key(pd.Series(CELLS, dtype="str")).tolist()       # dedup: a comparison key, no calendar
    assert keys == ["19800131", "19800201", "20000231", "19991201", "20240229", "29990101"]
