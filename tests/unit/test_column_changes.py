"""What the protocol did to each column, counted against the source row each output row came from."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from stx_migrate.migration.column_changes import change_warnings, measure_column_changes


def _column(code: str, *inputs: str):
    return SimpleNamespace(code=code, inputs=list(inputs))


def test_changes_are_counted_against_each_rows_own_source_row():
    source = pd.DataFrame({"TEL": ["0612", "", "0799", None, "0144"], "NOM": ["a", "b", "c", "d", "e"]},
                          index=pd.Index(["r1", "r2", "r3", "r4", "r5"], name="source_ref"))
    # r3 filtered out by the protocol, the others in another order
    contacts = pd.DataFrame({"PHONE": ["+33612", "", pd.NA, "0144"], "LASTNAME": ["e", "b", "z", "a"],
                             "BOTH": ["x", "", "", ""]}, index=pd.Index(["r1", "r2", "r4", "r5"], name="source_ref"))
    contacts = contacts.loc[["r5", "r2", "r1", "r4"]]
    columns = [_column("PHONE", "TEL"), _column("LASTNAME", "NOM"), _column("BOTH", "TEL", "NOM"), _column("ABSENT", "X")]
    phone, lastname, both = measure_column_changes(columns, source, contacts)
    assert phone == {"column": "PHONE", "rows": 4, "filled": 2, "source": "TEL", "source_filled": 2, "changed": 1,
                     "emptied": 0}                        # r1 reformatted; r5 kept; r2 and r4 had nothing
    assert (lastname["changed"], lastname["emptied"], lastname["source_filled"]) == (3, 0, 4)   # r1, r4, r5 differ
    assert both["source"] is None and both["filled"] == 1   # two inputs: its fill rate only
    assert change_warnings([phone, lastname], 0.5) == [
        "LASTNAME: the protocol changed 75.0% of the 4 filled values of NOM (warning above 50%)"]


def test_the_filter_mask_gives_the_same_counts_as_the_labels_and_a_mask_for_other_rows_is_not_trusted():
    source = pd.DataFrame({"TEL": ["0612", "", "0799", "0144"]}, index=pd.Index(["r1", "r2", "r3", "r4"], name="source_ref"))
    kept = np.array([True, False, True, True])
    contacts = pd.DataFrame({"PHONE": ["+33612", "0799", ""]}, index=pd.Index(["r1", "r3", "r4"], name="source_ref"))
    columns = [_column("PHONE", "TEL")]
    by_label = measure_column_changes(columns, source, contacts)
    assert (by_label[0]["changed"], by_label[0]["emptied"]) == (2, 1)   # r1 reformatted, r4 emptied
    assert measure_column_changes(columns, source, contacts, kept) == by_label
    # the same number of rows kept, but not these rows (or not in this order): found by label instead
    assert measure_column_changes(columns, source, contacts, np.array([True, True, False, True])) == by_label
    reordered = contacts.loc[["r3", "r1", "r4"]]
    assert measure_column_changes(columns, source, reordered, kept) == measure_column_changes(columns, source, reordered)
