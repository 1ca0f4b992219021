"""not_imported.csv names each row once: its first error, the other codes in its message."""
from __future__ import annotations

import pandas as pd

from stx_migrate.migration.procedure.records import _one_line_per_row


def test_a_row_with_several_errors_appears_once_naming_the_others():
    frame = pd.DataFrame({"source_ref": ["r1", "r2", "r1", "r3", "r1", "r3"],
                          "code": ["A", "B", "C", "D", "C", "D"],
                          "message": ["a", "b", "c", "d", "c2", "d2"]}).astype("str")
    out = _one_line_per_row(frame)
    assert out["source_ref"].tolist() == ["r1", "r2", "r3"]
    assert out["code"].tolist() == ["A", "B", "D"]
    assert out["message"].tolist() == ["a (also: C)", "b", "d (also: D)"]


def test_rows_with_one_error_each_are_kept_as_they_are():
    frame = pd.DataFrame({"source_ref": ["r1", "r2"], "code": ["A", "B"], "message": ["a", "b"]}).astype("str")
    pd.testing.assert_frame_equal(_one_line_per_row(frame), frame)
