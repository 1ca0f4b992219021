"""Apply a compiled protocol to the snapshot's tables: joins, pivots, filters, columns.

Everything is whole-column: each operation runs once per output column over every
kept row. Every row of the main dataset ends either in ``contacts`` (one output row)
or in ``dropped`` (with the filter's reason code).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import concat_findings
from ..format.catalogue import extended_format
from .compile import CompiledColumn, CompiledProtocol
from .model import Pivot
from .registry import ProjectContext, StepContext
from .unique import constant_column, distinct_values, spread


@dataclass
class ProtocolResult:
    contacts: pd.DataFrame        # SecuTix frame of the kept rows (index source_ref)
    findings: pd.DataFrame        # warnings/errors the operations reported
    dropped: pd.Series            # source_ref → reason code of the rows a filter removed
    source_numbers: pd.Series     # source_ref → contact number from the source ('' when none)


def _positions(main_keys: pd.Series, keys) -> np.ndarray:
    """For each main row, the position of its key in ``keys`` (unique), -1 when absent: one hash lookup."""
    return pd.Index(pd.array(keys, dtype="str")).get_indexer(main_keys)


def _take(values: pa.Array, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[positions]`` as a ``str`` column, '' where the position is -1 (Arrow take, no Python objects)."""
    if len(values) == 0:
        return constant_column("", index)
    missing = positions < 0
    taken = values.take(pa.array(np.where(missing, 0, positions)))
    taken = pc.if_else(pa.array(missing), pa.scalar("", taken.type), pc.fill_null(taken, ""))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def _arrow_text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype("str"))


def _pivot_columns(child: pd.DataFrame, pivot: Pivot, main: pd.DataFrame) -> dict[str, pd.Series]:
    """``pivot.name.KEY`` columns: per main row, its child values for KEY joined (or the first), in child order."""
    child = child[child[pivot.key].isin(pivot.keys) & (child[pivot.value].str.strip() != "")]
    table = pa.table({"parent": _arrow_text(child[pivot.parent]), "key": _arrow_text(child[pivot.key]),
                      "value": _arrow_text(child[pivot.value])})
    # one thread keeps each group's values in the child table's order (deterministic replay)
    grouped = table.group_by(["parent", "key"], use_threads=False)
    if pivot.keep == "first":
        done = grouped.aggregate([("value", "first")])
        joined = done["value_first"].combine_chunks()
    else:
        done = grouped.aggregate([("value", "list")])
        separator = pa.scalar(pivot.separator, table.schema.field("value").type)
        joined = pc.binary_join(done["value_list"], separator).combine_chunks()
    parents = done["parent"].combine_chunks()
    distinct_parents = pc.unique(parents)
    parent_pos = pc.index_in(parents, value_set=distinct_parents).to_numpy()
    main_pos = _positions(main[pivot.main_key], distinct_parents)
    keys = done["key"].to_numpy(zero_copy_only=False)
    columns = {}
    for key in pivot.keys:
        rows = np.flatnonzero(keys == key)
        slot = np.full(len(distinct_parents), -1, dtype="int64")   # parent → aggregated row for this key
        slot[parent_pos[rows]] = rows
        positions = np.where(main_pos < 0, -1, slot[np.maximum(main_pos, 0)])
        columns[f"{pivot.name}.{key}"] = _take(joined, positions, main.index)
    return columns


def build_source_columns(compiled: CompiledProtocol, tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Every column reference the protocol may read, aligned on the main rows' index."""
    ds = compiled.model.datasets
    main = tables[ds.main]
    columns: dict[str, pd.Series] = {c: main[c] for c in main.columns}
    for join in ds.joins:
        right = tables[join.dataset]
        right = right[right[join.key] != ""].drop_duplicates(join.key, keep="first")
        positions = _positions(main[join.main_key], right[join.key])
        for column in right.columns:
            columns[f"{join.dataset}.{column}"] = _take(_arrow_text(right[column]), positions, main.index)
    for pivot in ds.pivots:
        columns.update(_pivot_columns(tables[pivot.dataset], pivot, main))
    return columns


def _per_distinct_value(column: CompiledColumn) -> bool:
    """A one-input pipeline that reads no other output runs once per distinct value (same result, far less work)."""
    if column.many or len(column.inputs) != 1:
        return False
    return all(step.operation.inputs == "one" and getattr(step.params, "region_from", None) is None for step in column.steps)


def _run_steps(column: CompiledColumn, values, ctx: StepContext):
    for step in column.steps:
        arg = values if step.operation.inputs != "none" else None
        values = step.operation.fn(arg, step.params, ctx)
    return values


def apply_protocol(compiled: CompiledProtocol, tables: dict[str, pd.DataFrame], project: ProjectContext) -> ProtocolResult:
    """Run the protocol on ``tables`` (dataset → frame of ``str`` columns; the main one indexed by source_ref)."""
    sources = build_source_columns(compiled, tables)
    index = tables[compiled.main].index

    drop_code = pd.Series("", index=index, dtype="str")
    for flt in compiled.filters:
        needed = {c: sources[c] for c in flt.rule.columns(flt.params)}
        drop = flt.rule.fn(needed, flt.params, project)
        drop_code = drop_code.where(~(drop & (drop_code == "")), flt.code)   # first filter that drops names it
    kept = drop_code == ""
    dropped = drop_code[~kept]
    kept_index = index[kept.to_numpy()]

    outputs: dict[str, pd.Series] = {}
    findings = []
    for column in compiled.columns:
        inputs = [sources[ref][kept] for ref in column.inputs]
        if _per_distinct_value(column):
            codes, distinct = distinct_values(inputs[0])
            ctx = StepContext(column.code, outputs, project, distinct.index)
            outputs[column.code] = spread(_run_steps(column, distinct, ctx), codes, kept_index)
            findings.extend(ctx.findings_for(kept_index, codes))
        else:
            ctx = StepContext(column.code, outputs, project, kept_index)
            values = inputs if column.many else (inputs[0] if inputs else None)
            values = _run_steps(column, values, ctx)
            outputs[column.code] = values.astype("str") if values is not None else constant_column("", kept_index)
            findings.extend(ctx.findings_for(kept_index))

    layout = extended_format().layout(with_role="ROLE" in outputs)
    defaults = {"INSTITUTION": project.institution, "ORGANIZATION": project.organization, "OPERATION": "INSERT"}
    empty = constant_column("", kept_index)   # one array shared by the empty columns (copy-on-write)
    frame = {}
    for code in layout:
        if code in outputs:
            frame[code] = outputs[code]
        elif code in defaults:
            frame[code] = constant_column(defaults[code], kept_index)
        else:
            frame[code] = empty
    contacts = pd.DataFrame(frame, index=kept_index, copy=False)
    contacts.index = contacts.index.astype("str").rename("source_ref")

    number_ref = compiled.model.contact_number.from_
    numbers = sources[number_ref][kept].str.strip() if number_ref else constant_column("", kept_index)
    return ProtocolResult(contacts, concat_findings(findings), dropped, numbers.astype("str"))
