"""Aggregates: a child table (orders, tickets) grouped by the contact key into columns ``<name>.<measure>``.

Integer work on whole columns: each child row gets the number of its contact key among
the main table's distinct keys (one Arrow ``index_in``), and every measure is a
``bincount``, a pandas ``groupby`` on numbers, or a first-occurrence mask; text is only
built once per contact key at the end. A child row whose key matches no contact is an
orphan: counted, never aggregated. A value a measure cannot read (an amount that is not
a number, a date no format reads) is left out and becomes a warning finding of every
contact with that key, never an exception.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .model import Aggregate, Measure
from .ops_dates import parse_dates
from ..findings import FINDING_COLUMNS, empty_findings
from .arrow_text import as_text
from .codes import reason

_AMOUNT = r"^[+-]?[0-9]+([.,][0-9]+)?$"      # after thousands separators (space, ', NBSP) are removed
_THOUSANDS = "[ '\u00a0\u202f]"
_MAX_DECIMALS = 6


@dataclass
class AggregateResult:
    """One aggregate over the main table's distinct keys (``keys``; '' included, with the defaults)."""

    keys: pa.Array
    columns: dict[str, pa.Array]                 # '<name>.<measure>' → text per key
    problems: pd.DataFrame                       # key, column, code, value: the values left out
    rows: int = 0                                # child rows
    orphans: int = 0                             # child rows whose key matches no contact
    stats: dict[str, int] = field(default_factory=dict)


def _read_amounts(text: pa.Array) -> tuple[np.ndarray, np.ndarray, int]:
    """(scaled integers as float64 with NaN where empty or unreadable, unreadable mask, decimals)."""
    cleaned = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), _THOUSANDS, "")
    given = np.asarray(pc.not_equal(cleaned, "").to_numpy(zero_copy_only=False), dtype=bool)
    readable = np.asarray(pc.match_substring_regex(cleaned, _AMOUNT).to_numpy(zero_copy_only=False), dtype=bool)
    dotted = pc.replace_substring(cleaned, ",", ".")
    fraction = pc.utf8_length(pc.extract_regex(dotted, r"\.(?P<f>[0-9]+)$").field("f"))
    lengths = np.asarray(pc.fill_null(fraction, 0).to_numpy(zero_copy_only=False))[readable]
    decimals = min(int(lengths.max()) if len(lengths) else 0, _MAX_DECIMALS)
    numbers = np.full(len(text), np.nan)
    if readable.any():
        values = pc.cast(pc.filter(dotted, pa.array(readable)), pa.float64()).to_numpy(zero_copy_only=False)
        numbers[readable] = np.round(values * 10 ** decimals)
    return numbers, given & ~readable, decimals


def _numbers(column: pa.Array) -> tuple[np.ndarray, np.ndarray, int]:
    if pa.types.is_integer(column.type):
        return pc.cast(column, pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), np.zeros(len(column), bool), 0
    encoded = pc.dictionary_encode(as_text(column))      # amounts repeat: each distinct text is read once
    numbers, bad, decimals = _read_amounts(encoded.dictionary)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return numbers[codes], bad[codes], decimals


def _dates(column: pa.Array, measure: Measure) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970 as float64, NaN where empty or unreadable; unreadable mask)."""
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        days = pc.cast(pc.cast(column, pa.timestamp("s")) if pa.types.is_timestamp(column.type) else column, pa.date32())
        return pc.cast(days, pa.int32()).to_numpy(zero_copy_only=False).astype("float64"), np.zeros(len(column), bool)
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(as_text(column)))
    distinct = pd.Series(pd.array(encoded.dictionary, dtype="str"))
    parsed = parse_dates(distinct, measure.formats or [], measure.century_pivot)
    days = parsed.to_numpy(dtype="datetime64[s]").astype("datetime64[D]").astype("int64").astype("float64")
    days[parsed.isna().to_numpy()] = np.nan
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    per_row = days[codes]
    return per_row, np.isnan(per_row) & (distinct != "").to_numpy()[codes]


def _format_scaled(totals: np.ndarray, decimals: int) -> pa.Array:
    """Exact decimal text of integers scaled by 10**decimals: trailing zeros and a bare point dropped.

    Arrow casts the integers to text (numpy's ``astype(str)`` takes a second per million).
    """
    whole = np.abs(totals).astype("int64")
    if decimals == 0:
        text = _digits(whole)
    else:
        unit = 10 ** decimals
        frac = pc.utf8_rtrim(pc.utf8_lpad(_digits(whole % unit), width=decimals, padding="0"), characters="0")
        point = pc.if_else(pc.equal(frac, ""), "", pc.binary_join_element_wise(".", frac, ""))
        text = pc.binary_join_element_wise(_digits(whole // unit), point, "")
    return pc.if_else(pa.array(totals < 0), pc.binary_join_element_wise("-", text, ""), text)


def _digits(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values, pa.int64()), pa.string())


def _by_group(values: np.ndarray, group: np.ndarray, n: int, how: str) -> np.ndarray:
    """min or max of ``values`` per group (NaN where a group has none)."""
    ok = ~np.isnan(values)
    out = np.full(n, np.nan)
    if ok.any():
        found = pd.Series(values[ok]).groupby(group[ok]).agg(how)
        out[found.index.to_numpy()] = found.to_numpy()
    return out


def _first_of(group: np.ndarray, text: pa.Array, n: int, keep: str) -> pa.Array:
    given = np.asarray(pc.not_equal(text, "").to_numpy(zero_copy_only=False), dtype=bool)
    rows = np.flatnonzero(given)
    picked = rows[~pd.Index(group[rows]).duplicated(keep=keep)]
    slot = np.full(n, -1, dtype="int64")
    slot[group[picked]] = picked
    taken = text.take(pa.array(np.where(slot < 0, 0, slot))) if len(text) else pa.repeat("", n)
    return pc.if_else(pa.array(slot < 0), "", taken)


def _distinct(group: np.ndarray, text: pa.Array, n: int, separator: str) -> pa.Array:
    """Sorted distinct non-empty values per group, joined: integer work on (group, value rank) pairs."""
    given = np.asarray(pc.not_equal(text, "").to_numpy(zero_copy_only=False), dtype=bool)
    encoded = pc.dictionary_encode(text.filter(pa.array(given)))
    names = encoded.dictionary
    rank = np.empty(len(names), dtype="int64")
    order = np.asarray(pc.sort_indices(names))
    rank[order] = np.arange(len(names))
    width = max(len(names), 1)
    pairs = np.unique(group[given] * width + rank[encoded.indices.to_numpy(zero_copy_only=False)])
    groups, values = pairs // width, names.take(pa.array(order[pairs % width]))
    counts = np.bincount(groups, minlength=n)
    offsets = np.r_[0, np.cumsum(counts)].astype("int32")
    return pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), separator)


def _measure(measure: Measure, column: pa.Array | None, group: np.ndarray, n: int) -> tuple[pa.Array, np.ndarray, str]:
    """(text per group, unreadable mask per child row, finding code)."""
    none = np.zeros(len(group), bool)
    if measure.op == "count":
        counted = group if column is None else group[np.asarray(pc.not_equal(as_text(column), "").to_numpy(zero_copy_only=False), dtype=bool)]
        return _digits(np.bincount(counted, minlength=n)), none, ""
    if measure.op in ("first", "last"):
        return _first_of(group, as_text(column), n, "first" if measure.op == "first" else "last"), none, ""
    if measure.op == "distinct":
        return _distinct(group, as_text(column), n, measure.separator), none, ""
    if measure.formats is not None:                       # min / max of dates
        days, bad = _dates(column, measure)
        best = _by_group(days, group, n, measure.op)
        found = ~np.isnan(best)
        dates = pa.array(np.where(found, best, 0).astype("int32"), pa.date32())
        text = pc.if_else(pa.array(found), pc.cast(dates, pa.string()), "")   # YYYY-MM-DD; strftime is 15× slower
        return text, bad, "DATE_UNPARSED"
    numbers, bad, decimals = _numbers(column)
    if measure.op == "sum":
        ok = ~np.isnan(numbers)
        return _format_scaled(np.bincount(group[ok], weights=numbers[ok], minlength=n), decimals), bad, "AMOUNT_UNPARSED"
    best = _by_group(numbers, group, n, measure.op)
    found = ~np.isnan(best)
    text = pc.if_else(pa.array(found), _format_scaled(np.where(found, best, 0), decimals), "")
    return text, bad, "AMOUNT_UNPARSED"


def aggregate_table(name: str) -> str:
    """The key of an aggregate's result among the protocol's tables (no dataset name starts with ':')."""
    return f":aggregate:{name}"


def compute_aggregate(child: pa.Table, aggregate: Aggregate, main_keys: pd.Series) -> AggregateResult:
    """``aggregate`` over ``child`` (its key and measure columns, any Arrow types) for the main keys (text)."""
    keys = pa.array(pd.unique(pd.concat([pd.Series([""], dtype="str"), main_keys.astype("str")])), pa.string())
    n = len(keys)
    child_keys = as_text(child.column(aggregate.key).combine_chunks()) if len(child) else pa.array([], pa.string())
    found = pc.index_in(child_keys, value_set=keys.slice(1))     # '' (the first key) never matches a child row
    position = np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    group = np.where(position >= 0, position + 1, n)       # orphans go to one more group, dropped at the end
    rows, aggregated = len(child), int((position >= 0).sum())
    columns: dict[str, pa.Array] = {}
    problems = []
    for name, measure in aggregate.measures.items():
        column = None if measure.column is None else child.column(measure.column).combine_chunks()
        text, bad, code = _measure(measure, column, group, n + 1)
        columns[f"{aggregate.name}.{name}"] = text.slice(0, n)
        bad &= group < n
        if bad.any():
            problems.append(pd.DataFrame({
                "key": pd.array(keys.take(pa.array(group[bad])), dtype="str"), "column": f"{aggregate.name}.{name}",
                "code": code, "value": pd.array(as_text(column).filter(pa.array(bad)), dtype="str")}))
    bad_values = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(
        {c: pd.Series([], dtype="str") for c in ("key", "column", "code", "value")})
    orphans = rows - aggregated
    return AggregateResult(keys, columns, bad_values.astype("str"), rows, orphans,
                           {"rows": rows, "aggregated": aggregated, "orphans": orphans})


def aggregate_findings(result: AggregateResult, keys: pd.Series) -> pd.DataFrame:
    """The values ``result`` left out, as findings of the rows whose key is in ``keys`` (index source_ref)."""
    if result.problems.empty:
        return empty_findings()
    rows = pd.DataFrame({"source_ref": keys.index.astype("str"), "key": keys.astype("str").to_numpy()})
    found = rows.merge(result.problems, on="key", how="inner", sort=False)
    codes = found["code"].map(lambda code: reason(code))
    return pd.DataFrame({
        "source_ref": found["source_ref"], "contact_nr": "", "column": found["column"], "code": found["code"],
        "severity": codes.map(lambda r: r.severity), "message": codes.map(lambda r: r.message), "value": found["value"],
    })[FINDING_COLUMNS].astype("str")
