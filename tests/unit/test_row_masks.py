"""Row masks and label lookups on text indexes: the same rows, without pandas' hash of every label.

With pandas 3.1, ``s[bool_series]`` (and ``np.asarray(series)``) asks whether ``__array_struct__`` is a
label of the index, which builds the text index's hash table: 2.5 s at 3.5M source refs, hidden in
every filter of a 5M-row prepare. These tests pin that our helpers give the same rows and never build it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from stx_migrate.migration.rows import as_mask, select_rows
from stx_migrate.migration.text_arrays import text_positions


def _refs(n: int) -> pd.Index:
    return pd.Index(pd.array([f"clients:{i}" for i in range(n)], dtype="str"), name="source_ref")


def _hash_built(index: pd.Index) -> bool:
    return "_engine" in index._cache    # pandas keeps the label hash table, once built, in the index's cache


def test_a_boolean_series_selects_the_same_rows_without_hashing_the_labels():
    refs = _refs(1000)
    frame = pd.DataFrame({"LASTNAME": pd.array([f"n{i}" for i in range(1000)], dtype="str")}, index=refs)
    mask = frame["LASTNAME"].str.endswith("7")
    rows = select_rows(frame, mask)
    assert list(rows.index) == [r for r, keep in zip(refs, mask.to_numpy()) if keep]
    assert not _hash_built(refs)
    np.testing.assert_array_equal(as_mask(mask), mask.to_numpy())
    assert not _hash_built(refs)
    _ = frame[mask]                 # what as_mask avoids: pandas' own boolean indexing hashes every label
    assert _hash_built(refs)


def test_positions_of_text_labels_as_pandas_finds_them_and_minus_one_for_the_absent():
    labels = _refs(50)
    values = pd.Series(pd.array(["clients:7", "nobody", "clients:0", "clients:49", "clients:7"], dtype="str"))
    np.testing.assert_array_equal(text_positions(values, labels), labels.get_indexer(values))
    np.testing.assert_array_equal(text_positions(values, labels), [7, -1, 0, 49, 7])
    assert len(text_positions(values.iloc[:0], labels)) == 0


def test_each_log_line_takes_its_rows_final_number_else_keeps_its_own():
    from stx_migrate.migration.prepare import _numbers_of

    findings = pd.DataFrame({"source_ref": pd.array(["a", "b", "z", "c", "a"], dtype="str"),
                             "contact_nr": pd.array(["1", "", "9", "", "x"], dtype="str")})
    number_of = pd.Series(pd.array(["10", "", None], dtype="str"), index=pd.Index(["a", "b", "c"], dtype="str"))
    expected = findings["source_ref"].map(number_of).fillna(findings["contact_nr"]).astype("str")   # the label way
    got = _numbers_of(findings, number_of)
    assert got.tolist() == expected.tolist() == ["10", "", "9", "", "10"]   # c has no number: its line keeps ""
    assert _numbers_of(findings, number_of.iloc[:0]).tolist() == findings["contact_nr"].tolist()
