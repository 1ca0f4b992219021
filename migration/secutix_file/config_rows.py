"""CONFIG rows on output (secutix-format §3.2, setting ``output.config_rows``).

stx-migrate writes ``CODE=value`` on every row by default (every row self-contained, Q5).
With ``config_rows: true`` the file starts with one CONFIG row (row 5) that sets, per
CodeValue column, the code shared by all of that column's values; those cells are then
written as bare values. A column whose values carry several codes, or a value that itself
holds ``=``, keeps ``CODE=value`` (always allowed).
"""
from __future__ import annotations

import pandas as pd

from ..format import CLEAR, extended_format

CONFIG_REF = "config"


def with_config_row(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with one CONFIG row first and the CodeValue cells it covers written bare."""
    if (frame["OPERATION"] == "CONFIG").any():
        raise ValueError("the frame already has CONFIG rows: write it as it is")
    config = dict.fromkeys(frame.columns, "")
    config["OPERATION"] = "CONFIG"
    if len(frame):  # secutix-format §13 Q19: same INSTITUTION / ORGANIZATION as the data rows
        config["INSTITUTION"], config["ORGANIZATION"] = frame["INSTITUTION"].iloc[0], frame["ORGANIZATION"].iloc[0]
    out = frame.copy(deep=False)
    for column in extended_format().of_type("codevalue"):
        values = frame[column]
        filled = (values != "") & (values != CLEAR)
        if not filled.any():
            continue
        cells = values[filled]
        codes = cells.str.replace(r"(?s)=.*", "", regex=True)
        rest = cells.str.replace(r"(?s)^[^=]*=", "", regex=True)
        if not cells.str.contains("=", regex=False).all() or codes.nunique() != 1 \
                or rest.str.contains("=", regex=False).any():
            continue
        config[column] = codes.iloc[0]
        out[column] = values.where(~filled, values.str.slice(len(codes.iloc[0]) + 1))
    if all(config[c] == "" for c in extended_format().of_type("codevalue")):
        return frame
    row = pd.DataFrame([config], columns=frame.columns).astype("str")
    row.index = pd.Index([CONFIG_REF], dtype="str", name=frame.index.name)
    return pd.concat([row, out])
