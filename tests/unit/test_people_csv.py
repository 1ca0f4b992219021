"""People's CSV files (rejects.csv, not_imported.csv…) written in Arrow are the bytes pandas' writer gave."""
from __future__ import annotations

import csv
import random

import numpy as np
import pandas as pd

from stx_migrate.migration.spreadsheet_safe import neutralise_cells, write_people_csv


def pandas_bytes(frame: pd.DataFrame, path) -> bytes:
    neutralise_cells(frame).to_csv(path, index=False, encoding="utf-8", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    return path.read_bytes()


def test_text_frames_are_written_as_pandas_wrote_them(tmp_path):
    rnd = random.Random(7)
    cells = ["", "x", "a,b", 'say "hi"', "two\nlines", "é😀", " lead", "=SUM(A1)", "-1", "\"", ",", "\n"]
    frames = [
        pd.DataFrame({"source_ref": [f"contacts.csv:{i}" for i in range(3000)],
                      "value": [rnd.choice(cells) + rnd.choice(cells) for _ in range(3000)],
                      "code, \"quoted\"": pd.Series([rnd.choice(cells) for _ in range(3000)], dtype="str")}),
        pd.DataFrame({"a": ["1", np.nan, None], "b": pd.Series(["x", None, ""], dtype="str")}),
        pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype="str")}),
    ]
    for n, frame in enumerate(frames):
        write_people_csv(frame, tmp_path / f"new{n}.csv")
        assert (tmp_path / f"new{n}.csv").read_bytes() == pandas_bytes(frame, tmp_path / f"old{n}.csv"), n


def test_frames_arrow_does_not_write_go_through_pandas(tmp_path):
    for n, frame in enumerate([pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),       # a number column
                               pd.DataFrame({"a": [1, "x"], "b": ["x", "y"]}),     # an object column with a number
                               pd.DataFrame({"a": ["", "x"]})]):                   # one column: a lone "" is quoted
        write_people_csv(frame, tmp_path / f"new{n}.csv")
        assert (tmp_path / f"new{n}.csv").read_bytes() == pandas_bytes(frame, tmp_path / f"old{n}.csv"), n


def test_a_carriage_return_still_quotes_every_cell(tmp_path):
    write_people_csv(pd.DataFrame({"a": ["x\ry", "z"], "b": ["1", "2"]}), tmp_path / "cr.csv")
    assert (tmp_path / "cr.csv").read_bytes() == b'"a","b"\n"x\ry","1"\n"z","2"\n'
