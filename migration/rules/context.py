"""What every check needs to know about the rows, computed once per frame (vectorised).

OPERATION semantics (secutix-format §3.1): empty = INSERT; CONFIG rows create no contact and set,
per CodeValue column, the code that bare values of the following rows use, until the
next CONFIG row replaces the setting (secutix-format §3.2, §13 Q5: per column).
Contact kind (secutix-format §4): a first or last name → individual; OFFICIAL_NAME → structure;
both → structure with a relay.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..dates import BIRTHDATE_FORMATS, birthdate_problems
from ..format import CLEAR, extended_format
from ..protocol.arrow_text import split_at_first
from ..reference import ReferenceData

KIND_INDIVIDUAL, KIND_STRUCTURE, KIND_RELAY, KIND_CONFIG, KIND_NONE = (
    "individual", "structure", "structure_relay", "config", "none")
FILE_OPERATIONS = extended_format().column("OPERATION").allowed   # what a file's OPERATION cell may say (§3.1)
# a bare code: no "=", "|" or white space (written out: with \s pandas falls back to Python's re, per row)
CONFIG_CODE = "[^=| \t\r\n\x0b\x0c]+"
VALUES = r"[^|]+(\|[^|]+)*"    # v1|v2|v3, no empty value
ONE_VALUE = r"[^|]+"


@dataclass
class Context:
    frame: pd.DataFrame
    reference: ReferenceData | None = None
    institution_country: str | None = None
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        op = self.frame["OPERATION"]
        self.is_config = (op == "CONFIG").to_numpy(dtype=bool)
        self.is_insert = op.isin(["", "INSERT"]).to_numpy(dtype=bool)
        self.is_update = (op == "UPDATE").to_numpy(dtype=bool)
        self.is_data = ~self.is_config
        self._arrow: dict[str, pa.ChunkedArray] = {}
        self._present: dict[str, np.ndarray] = {}
        self._clear: dict[str, np.ndarray] = {}
        self._too_long: dict[str, np.ndarray] = {}
        self._codevalues: dict[str, tuple[pd.Series, pd.Series, np.ndarray]] = {}

    # --- cells ---
    def values(self, column: str) -> pd.Series:
        return self.frame[column]

    def arrow(self, column: str) -> pa.ChunkedArray:
        """The column as Arrow (zero copy): pyarrow.compute has far less overhead per call than pandas."""
        if column not in self._arrow:
            values = self.frame[column]
            if not hasattr(values.array, "__arrow_array__"):   # an empty frame may hold object columns
                values = values.astype("str")
            self._arrow[column] = pa.chunked_array(values.array.__arrow_array__())
        return self._arrow[column]

    def equals(self, column: str, value: str) -> np.ndarray:
        return _numpy(pc.equal(self.arrow(column), value))

    def byte_lengths(self, column: str) -> np.ndarray:
        """UTF-8 byte length of every cell, from the Arrow offsets (no string is looked at; not cached)."""
        return pc.binary_length(self.arrow(column)).to_numpy()

    def _scan(self, column: str) -> None:
        """Empty, ``=`` and too-long masks of a column from one look at its byte lengths.

        Only boolean masks are kept (an int64 length per cell would cost 8 bytes x rows x columns).
        """
        lengths = self.byte_lengths(column)
        clear = lengths == 1  # only one-byte cells can be "=": most columns have none
        if clear.any():
            clear[clear] = _numpy(pc.equal(pc.filter(self.arrow(column), pa.array(clear)), CLEAR))
        self._clear[column] = clear
        self._present[column] = (lengths > 0) & ~clear & self.is_data
        limit = extended_format().column(column).max_length
        too_long = np.zeros(len(lengths), dtype=bool)
        if limit is not None:
            suspects = lengths > limit  # bytes >= characters: count characters only where bytes are over
            if suspects.any():
                subset = pc.filter(self.arrow(column), pa.array(suspects))
                too_long[suspects] = pc.utf8_length(subset).to_numpy() > limit
        self._too_long[column] = too_long

    def is_clear(self, column: str) -> np.ndarray:
        """Cells holding ``=`` (clear the stored value, secutix-format §3)."""
        if column not in self._clear:
            self._scan(column)
        return self._clear[column]

    def present(self, column: str) -> np.ndarray:
        """Cells that hold a value on a data row (not empty, not ``=`` = clear)."""
        if column not in self._present:
            self._scan(column)
        return self._present[column]

    def longer_than_max(self, column: str) -> np.ndarray:
        """Cells longer than the column's max_length (in characters)."""
        if column not in self._too_long:
            self._scan(column)
        return self._too_long[column]

    def matches(self, column: str, pattern: str, rows: np.ndarray) -> np.ndarray:
        """For the rows selected, whether the cell fully matches ``pattern`` (RE2, in Arrow)."""
        subset = pc.filter(self.arrow(column), pa.array(rows))
        return _numpy(pc.match_substring_regex(subset, f"^(?:{pattern})$"))

    def fails(self, column: str, pattern: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Rows where the (present) cell does not fully match ``pattern``."""
        rows = self.present(column) if rows is None else rows
        out = np.zeros(len(self.frame), dtype=bool)
        if rows.any():
            out[rows] = ~self.matches(column, pattern, rows)
        return out

    # --- kinds (secutix-format §4) ---
    @cached_property
    def has_person(self) -> np.ndarray:
        return self._named("FIRSTNAME") | self._named("LASTNAME")

    @cached_property
    def has_structure(self) -> np.ndarray:
        return self._named("OFFICIAL_NAME")

    def _named(self, column: str) -> np.ndarray:
        v = self.frame[column]
        return ((v.str.strip() != "") & (v != CLEAR)).to_numpy(dtype=bool)

    @cached_property
    def kinds(self) -> np.ndarray:
        return np.select(
            [self.is_config, self.has_person & self.has_structure, self.has_structure, self.has_person],
            [KIND_CONFIG, KIND_RELAY, KIND_STRUCTURE, KIND_INDIVIDUAL],
            default=KIND_NONE,
        ).astype(object)

    # --- CodeValue cells (secutix-format §3, §3.2) ---
    @cached_property
    def config_cell_invalid(self) -> dict[str, np.ndarray]:
        out = {}
        for column in self.codevalue_columns:
            rows = self.is_config & (self.byte_lengths(column) > 0)
            out[column] = self.fails(column, CONFIG_CODE, rows)
        return out

    @cached_property
    def codevalue_columns(self) -> list[str]:
        return [c for c in extended_format().of_type("codevalue") if c in self.frame.columns]

    def configured_code(self, column: str) -> pd.Series:
        """The code a CONFIG row set for ``column`` at each row ("" = none yet)."""
        if not self.is_config.any():
            return pd.Series("", index=self.frame.index, dtype="str")
        cell = self.frame[column].where(~self.config_cell_invalid[column], "")
        set_here = pd.Series(np.where(self.is_config, cell.to_numpy(dtype=object), None), index=self.frame.index)
        # forward fill: a data row gets the last CONFIG row before it (CONFIG rows themselves get none)
        return set_here.ffill().where(~self.is_config).fillna("").astype("str")

    def codevalue_ok(self, column: str) -> np.ndarray:
        """For the present cells of ``column``: ``CODE=v1|v2`` or, after a CONFIG row set the code, ``v1|v2``."""
        rows = self.present(column)
        values = ONE_VALUE if column == "ADMIN_NUMBER" else VALUES  # one number per row (secutix-format §5.4 #20)
        ok = self.matches(column, f"{CONFIG_CODE}={values}", rows)
        if self.is_config.any():
            bare = (self.configured_code(column)[rows] != "").to_numpy(dtype=bool) \
                & ~_numpy(pc.match_substring(pc.filter(self.arrow(column), pa.array(rows)), "="))
            ok = ok | (bare & self.matches(column, values, rows))
        return ok

    def codevalue(self, column: str) -> tuple[pd.Series, pd.Series, np.ndarray]:
        """(code, values text, well-formed) for the present cells of ``column`` (indexed like the subset)."""
        if column in self._codevalues:
            return self._codevalues[column]
        rows = self.present(column)
        v = self.frame[column][rows]
        has_eq = v.str.contains("=", regex=False)
        configured = self.configured_code(column)[rows]
        before, after = split_at_first(v, "=")
        code = before.where(has_eq, configured).astype("str")
        text = after.astype("str")                      # the whole cell when it has no "="
        self._codevalues[column] = (code, text, self.codevalue_ok(column))
        return self._codevalues[column]

    # --- dates (secutix-format §5.3; what each stage accepts: migration/dates.py) ---
    @cached_property
    def birthdate(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(bad format, impossible date, future date) for BIRTHDATE."""
        column = "BIRTHDATE"
        bad_format = self.fails(column, BIRTHDATE_FORMATS)
        good = self.present(column) & ~bad_format
        impossible = np.zeros(len(self.frame), dtype=bool)
        future = np.zeros(len(self.frame), dtype=bool)
        if good.any():
            impossible[good], future[good] = birthdate_problems(pc.filter(self.arrow(column), pa.array(good)), self.today)
        return bad_format, impossible, future


def _numpy(mask: pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow result as a numpy bool array (nulls, which SecuTix frames never hold, as False)."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
