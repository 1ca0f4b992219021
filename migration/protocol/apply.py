"""Apply a compiled protocol to the snapshot's tables: joins, pivots, filters, columns.

Everything is whole-column: each operation runs once per output column over every
kept row. Every row of the main dataset ends either in ``contacts`` (one output row)
or in ``dropped`` (with the filter's reason code).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import concat_findings
from ..format.catalogue import extended_format
from .aggregates import AggregateResult, aggregate_findings, aggregate_table
from .compile import CompiledColumn, CompiledProtocol
from .model import Pivot
from .registry import ProjectContext, StepContext
from ..rows import as_mask, select_values
from ..text_arrays import text_array, text_positions
from .unique import constant_column, distinct_values, spread


@dataclass
class ProtocolResult:
    contacts: pd.DataFrame        # SecuTix frame of the kept rows (index source_ref)
    findings: pd.DataFrame        # warnings/errors the operations reported
    dropped: pd.Series            # source_ref → reason code of the rows a filter removed
    source_numbers: pd.Series     # source_ref → contact number from the source ('' when none)
    aggregates: dict[str, dict[str, int]] = field(default_factory=dict)   # name → child rows, aggregated, orphans
    kept: np.ndarray | None = None   # per main row: kept by the filters (contacts = those rows, in order)


def _take(values: pa.Array, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """``values[positions]`` as a ``str`` column, '' where the position is -1 (Arrow take, no Python objects)."""
    if len(values) == 0:
        return constant_column("", index)
    missing = positions < 0
    taken = values.take(pa.array(np.where(missing, 0, positions)))
    taken = pc.if_else(pa.array(missing), pa.scalar("", taken.type), pc.fill_null(taken, ""))
    return pd.Series(pd.array(taken, dtype="str"), index=index)


def _pivot_columns(child: pd.DataFrame, pivot: Pivot, main: pd.DataFrame) -> dict[str, pd.Series]:
    """``pivot.name.KEY`` columns: per main row, its child values for KEY joined (or the first), in child order.

    Integer work only: each child row gets a group number (main key × declared key),
    a stable sort keeps the child order inside a group, and values are joined rank by
    rank (one vectorised pass per rank, a handful at most).
    """
    child = child[child[pivot.key].isin(pivot.keys) & (child[pivot.value].str.strip() != "")]
    main_codes, main_keys = pd.factorize(main[pivot.main_key], use_na_sentinel=False)
    parent = text_positions(child[pivot.parent], main_keys)
    known = parent >= 0
    key_number = text_positions(child[pivot.key], list(pivot.keys))   # every child row left has a declared key
    width = len(pivot.keys)
    group = (parent.astype("int64") * width + key_number)[known]
    values = text_array(child[pivot.value]).filter(pa.array(known))
    order = np.argsort(group, kind="stable")
    group, values = group[order], values.take(pa.array(order))
    first = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    group_of_row = np.cumsum(first) - 1
    rank = np.arange(len(group)) - starts[group_of_row] if len(group) else np.zeros(0, dtype="int64")
    joined = pd.Series(pd.array(values.take(pa.array(starts)), dtype="str"))
    if pivot.keep == "all":
        for r in range(1, int(rank.max()) + 1 if len(rank) else 1):
            at = np.flatnonzero(rank == r)
            more = pd.Series(pd.array(values.take(pa.array(at)), dtype="str"))
            targets = group_of_row[at]
            joined.iloc[targets] = (joined.iloc[targets].reset_index(drop=True) + pivot.separator + more).to_numpy()
    joined_arrow = pa.array(joined.astype("str"))
    group_ids = group[starts]
    columns = {}
    for number, key in enumerate(pivot.keys):
        mine = np.flatnonzero(group_ids % width == number)
        slot = np.full(len(main_keys), -1, dtype="int64")      # main key → its joined group for this key
        slot[group_ids[mine] // width] = mine
        columns[f"{pivot.name}.{key}"] = _take(joined_arrow, slot[main_codes], main.index)
    return columns


def build_source_columns(compiled: CompiledProtocol, tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Every column reference the protocol may read, aligned on the main rows' index."""
    ds = compiled.model.datasets
    main = tables[ds.main]
    columns: dict[str, pd.Series] = {c: main[c] for c in main.columns}
    for join in ds.joins:
        right = tables[join.dataset]
        right = right[right[join.key] != ""].drop_duplicates(join.key, keep="first")
        positions = text_positions(main[join.main_key], right[join.key])
        for column in right.columns:
            columns[f"{join.dataset}.{column}"] = _take(text_array(right[column]), positions, main.index)
    for pivot in ds.pivots:
        columns.update(_pivot_columns(tables[pivot.dataset], pivot, main))
    for aggregate in ds.aggregates:
        result: AggregateResult = tables[aggregate_table(aggregate.name)]
        positions = text_positions(main[aggregate.main_key], result.keys)   # every main key is among them
        for name, values in result.columns.items():
            columns[name] = _take(values, positions, main.index)
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
    kept = as_mask(drop_code == "")
    dropped = drop_code[~kept]
    kept_index = index[kept]
    kept_mask = pa.array(kept)

    outputs: dict[str, pd.Series] = {}
    findings, stats = [], {}
    for aggregate in compiled.model.datasets.aggregates:
        result = tables[aggregate_table(aggregate.name)]
        stats[aggregate.name] = dict(result.stats)
        keys = select_values(tables[compiled.main][aggregate.main_key], kept_mask, kept_index)
        findings.append(aggregate_findings(result, keys))
    for column in compiled.columns:
        inputs = [select_values(sources[ref], kept_mask, kept_index) for ref in column.inputs]
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
    numbers = select_values(sources[number_ref], kept_mask, kept_index).str.strip() if number_ref else constant_column("", kept_index)
    return ProtocolResult(contacts, concat_findings(findings), dropped, numbers.astype("str"), stats, kept)
