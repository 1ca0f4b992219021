"""Arrow text helpers against what pandas' own string methods give."""
from __future__ import annotations

import pandas as pd

from stx_migrate.migration.protocol.arrow_text import re_replace, split_at_first

CELLS = ["GENRE=OPERA|JAZZ", "no sign", "", "=x", "a==b", "CODE=line\nbreak", "é=à"]


def test_split_at_first_is_the_text_around_the_first_separator():
    values = pd.Series(CELLS, index=[f"r:{i}" for i in range(len(CELLS))], dtype="str")
    before, after = split_at_first(values, "=")
    has = values.str.contains("=", regex=False)
    expected_before = values.str.split("=", n=1).str[0]
    expected_after = values.str.split("=", n=1).str[1].where(has, values)
    assert before.tolist() == expected_before.tolist() and after.tolist() == expected_after.tolist()
    assert before.index.equals(values.index) and after.index.equals(values.index)
    tail_before, tail_after = split_at_first(values.iloc[3:], "=")    # a slice keeps its own rows
    assert tail_before.tolist() == ["", "a", "CODE", "é"] and tail_after.tolist() == ["x", "=b", "line\nbreak", "à"]
    empty_before, empty_after = split_at_first(pd.Series([], dtype="str"), "=")
    assert empty_before.empty and empty_after.empty


def test_re_replace_runs_re2_on_the_whole_column():
    values = pd.Series(CELLS, dtype="str")
    assert re_replace(values, r"(?s)=.*", "").tolist() == values.str.replace(r"(?s)=.*", "", regex=True).tolist()
