"""Aggregates and bucket: typed child columns, compile-time checks, interval edges (the text path is golden)."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pyarrow as pa
import pytest
import yaml

from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.protocol import compile_protocol
from stx_migrate.migration.protocol.aggregates import compute_aggregate
from stx_migrate.migration.protocol.model import Aggregate
from stx_migrate.migration.protocol.ops_buckets import BucketParams, bucket
from stx_migrate.migration.protocol.registry import ProjectContext, StepContext


def aggregate(measures: dict) -> Aggregate:
    return Aggregate.model_validate({"name": "s", "dataset": "orders", "key": "C", "main_key": "ID", "measures": measures})


def as_dict(result, main: list[str]) -> dict[str, list[str]]:
    keys = result.keys.to_pylist()
    return {name: [values[keys.index(k)].as_py() for k in main] for name, values in result.columns.items()}


def test_typed_child_columns_are_read_without_text_round_trips():
    child = pa.table({
        "C": pa.array([1, 1, 2, 7, None], pa.int64()),                      # integer keys against text main keys
        "AMOUNT": pa.array([10, -3, 5, 100, 1], pa.int64()),
        "PRICE": pa.array([1.25, 0.5, None, 9.0, 1.0], pa.float64()),
        "DAY": pa.array([date(2024, 5, 1), date(2023, 1, 2), None, date(2020, 1, 1), None], pa.date32()),
        "AT": pa.array([datetime(2024, 5, 1, 10), datetime(2024, 5, 1, 9), None, None, None], pa.timestamp("us")),
    })
    result = compute_aggregate(child, aggregate({
        "n": {"op": "count"}, "total": {"op": "sum", "column": "AMOUNT"}, "price": {"op": "sum", "column": "PRICE"},
        "low": {"op": "min", "column": "AMOUNT"}, "first": {"op": "min", "column": "DAY", "formats": ["%d.%m.%Y"]},
        "last": {"op": "max", "column": "AT", "formats": ["%d.%m.%Y"]},
    }), pd.Series(["1", "2", "3"], dtype="str"))
    got = as_dict(result, ["1", "2", "3", ""])
    assert got["s.n"] == ["2", "1", "0", "0"]
    assert got["s.total"] == ["7", "5", "0", "0"]
    assert got["s.price"] == ["1.75", "0", "0", "0"]
    assert got["s.low"] == ["-3", "5", "", ""]
    assert got["s.first"] == ["2023-01-02", "", "", ""]
    assert got["s.last"] == ["2024-05-01", "", "", ""]
    assert result.stats == {"rows": 5, "aggregated": 3, "orphans": 2}   # key 7 and the null key
    assert result.problems.empty


def test_sums_are_exact_decimals_and_distinct_sorts_ties_once():
    child = pa.table({"C": ["a"] * 4 + ["b"] * 3, "X": ["0.1", "0.2", "0.7", "1", "b", "a", "b"]})
    result = compute_aggregate(child, aggregate({"sum": {"op": "sum", "column": "X"}, "d": {"op": "distinct", "column": "X"},
                                                 "f": {"op": "first", "column": "X"}, "l": {"op": "last", "column": "X"}}),
                               pd.Series(["a", "b"], dtype="str"))
    got = as_dict(result, ["a", "b"])
    assert got["s.sum"][0] == "2"                 # 0.1 + 0.2 + 0.7 + 1, no float residue
    assert got["s.d"] == ["0.1|0.2|0.7|1", "a|b"]
    assert (got["s.f"], got["s.l"]) == (["0.1", "b"], ["1", "b"])
    assert result.problems[["key", "code", "value"]].values.tolist() == [
        ["b", "AMOUNT_UNPARSED", "b"], ["b", "AMOUNT_UNPARSED", "a"], ["b", "AMOUNT_UNPARSED", "b"]]


@pytest.mark.parametrize("amounts, text", [
    (["0.05", "-0.1"], "-0.05"), (["1.50", "0"], "1.5"), (["-12.30"], "-12.3"), (["99.99", "0.01"], "100"),
    (["1000000"], "1000000"), (["-0.001", "0.001"], "0"), (["123456789.125"], "123456789.125"),
])
def test_sums_are_written_as_exact_decimal_text(amounts, text):
    child = pa.table({"C": ["a"] * len(amounts), "X": amounts})
    result = compute_aggregate(child, aggregate({"sum": {"op": "sum", "column": "X"}}), pd.Series(["a"], dtype="str"))
    assert as_dict(result, ["a"])["s.sum"] == [text]


@pytest.mark.parametrize("value, label", [("-1", "NONE"), ("0.99", "NONE"), ("1", "NEW"), ("2.5", "NEW"), ("3", "OCCASIONAL"),
                                          ("9", "OCCASIONAL"), ("10", "LOYAL"), ("1e6", "LOYAL"), ("", "")])
def test_bucket_edges_belong_to_the_interval_above(value, label):
    params = BucketParams(edges=[1, 3, 10], labels=["NONE", "NEW", "OCCASIONAL", "LOYAL"])
    ctx = StepContext("CRIT01", {}, ProjectContext(), pd.RangeIndex(1))
    assert bucket(pd.Series([value], dtype="str"), params, ctx).tolist() == [label]
    assert not ctx.reports


def test_bucket_dates_read_iso_and_secutix_dates_and_report_the_rest():
    params = BucketParams.model_validate({"edges": ["2024-01-01", date(2025, 1, 1)], "labels": ["OLD", "LAST", "THIS"]})
    values = pd.Series(["2023-12-31", "01.01.2024", "2025-01-01", "soon", ""], dtype="str")
    ctx = StepContext("CRIT01", {}, ProjectContext(), values.index)
    assert bucket(values, params, ctx).tolist() == ["OLD", "LAST", "THIS", "", ""]
    assert [code for _, code, _ in ctx.reports] == ["BUCKET_VALUE_INVALID"]


MANIFEST = {"datasets": {"clients": {"columns": ["ID", "NOM"]}, "orders": {"columns": ["C", "AMOUNT", "DAY"]}}}


def problems_of(tmp_path, datasets_extra: dict, columns: dict) -> list[str]:
    protocol = {"datasets": {"main": "clients", **datasets_extra}, "columns": columns}
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(protocol, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        compile_protocol(path, MANIFEST)
    return e.value.problems


def test_the_compiler_names_every_bad_aggregate_and_bucket_with_its_path(tmp_path):
    aggs = {"aggregates": [
        {"name": "sales", "dataset": "orderz", "key": "C", "main_key": "ID", "measures": {"n": {"op": "count"}}},
        {"name": "more", "dataset": "orders", "key": "CLIENT", "main_key": "NUM", "measures": {
            "t": {"op": "sum", "column": "AMT"}, "d": {"op": "max", "column": "DAY", "formats": ["%Y"]}}},
    ]}
    found = problems_of(tmp_path, aggs, {
        "CRIT01": {"from": "more.t", "steps": [{"bucket": {"edges": [3, 1], "labels": ["A", "B", "C"]}}]},
        "CRIT02": {"from": "more.t", "steps": [{"bucket": {"edges": [1, 2], "labels": ["A", "B"]}}]},
        "CRIT03": {"from": "more.nope"},
    })
    text = "\n".join(found)
    assert "datasets › aggregates › 0 › dataset: unknown dataset 'orderz'" in text
    assert "datasets › aggregates › 1 › main_key: unknown column 'NUM' of dataset 'clients'" in text
    assert "datasets › aggregates › 1 › key: unknown column 'CLIENT' of dataset 'orders' (allowed: C, AMOUNT, DAY)" in text
    assert "datasets › aggregates › 1 › measures › t › column: unknown column 'AMT'" in text
    assert "datasets › aggregates › 1 › measures › d › formats" in text
    assert "columns › CRIT01 › steps › 0 › bucket" in text and "edges must be sorted" in text
    assert "columns › CRIT02 › steps › 0 › bucket" in text and "one more label than edges" in text
    assert "columns › CRIT03 › from: unknown column 'more.nope'" in text
    assert all(line.startswith(str(tmp_path / "protocol.yaml") + " › ") for line in found)


@pytest.mark.parametrize("measure, message", [
    ({"op": "sum"}, "sum needs a column"),
    ({"op": "count", "column": "C", "formats": ["%d.%m.%Y"]}, "formats is for min and max only"),
    ({"op": "first", "column": "C", "separator": ","}, "separator is for distinct only"),
    ({"op": "median", "column": "C"}, "op"),
])
def test_a_measure_that_does_not_fit_its_op_is_refused(tmp_path, measure, message):
    found = problems_of(tmp_path, {"aggregates": [{"name": "s", "dataset": "orders", "key": "C", "main_key": "ID",
                                                   "measures": {"m": measure}}]}, {"LASTNAME": {"from": "NOM"}})
    assert any("datasets › aggregates › 0 › measures › m" in p and message in p for p in found), found


def test_an_aggregate_named_like_a_joined_dataset_is_refused(tmp_path):
    found = problems_of(tmp_path, {"joins": [{"dataset": "orders", "main_key": "ID", "key": "C"}],
                                   "aggregates": [{"name": "orders", "dataset": "orders", "key": "C", "main_key": "ID",
                                                   "measures": {"n": {"op": "count"}}}]}, {"LASTNAME": {"from": "NOM"}})
    assert any("aggregates › 0 › name" in p and "clash" in p for p in found)
