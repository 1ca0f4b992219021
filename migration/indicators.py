"""Indicators in the gate: each indicator's distribution, and the aggregates' reconciliation.

An indicator is an output column computed from an aggregate (``from: sales.orders``):
sales history turned into a code (usually ``bucket`` then ``criterion``). The gate shows,
per indicator, how many contacts of the import file carry each code; counts only, never a
person. Each aggregate's child rows must reconcile: ``rows = aggregated + orphans``.
"""
from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from .protocol.model import ProtocolModel

EMPTY = "(empty)"


class IndicatorDistribution(BaseModel):
    column: str                      # the SecuTix column (CRIT03)
    source: str                      # the aggregate column it comes from (sales.orders)
    counts: dict[str, int]           # cell value → contacts; EMPTY for an empty cell


def indicator_columns(model: ProtocolModel) -> dict[str, str]:
    """Output column → the aggregate column it reads, for every column that reads one."""
    names = {a.name for a in model.datasets.aggregates}
    found = {}
    for code, rule in model.columns.items():
        inputs = [rule.from_] if isinstance(rule.from_, str) else list(rule.from_ or [])
        refs = [ref for ref in inputs if ref.split(".", 1)[0] in names and "." in ref]
        if refs:
            found[code] = ", ".join(refs)
    return found


def distributions(contacts: pd.DataFrame, model: ProtocolModel) -> list[IndicatorDistribution]:
    """Per indicator column: contacts per value (most frequent first, then by value)."""
    result = []
    for column, source in indicator_columns(model).items():
        values = contacts[column] if column in contacts else pd.Series([], dtype="str")
        counted = values.astype("str").replace("", EMPTY).value_counts()
        ordered = sorted(counted.items(), key=lambda item: (-int(item[1]), str(item[0])))
        result.append(IndicatorDistribution(column=column, source=source, counts={str(k): int(v) for k, v in ordered}))
    return result


def aggregate_rows(summary_aggregates: dict) -> list[tuple[str, int, int, int]]:
    """(aggregate, child rows, aggregated, orphans) from summary.json's ``aggregates``."""
    return [(name, int(s.get("rows", 0)), int(s.get("aggregated", 0)), int(s.get("orphans", 0)))
            for name, s in sorted((summary_aggregates or {}).items())]


def markdown(found: list[IndicatorDistribution]) -> list[str]:
    """The gate.md section: one small table per indicator."""
    if not found:
        return []
    lines = ["## Indicators", ""]
    for item in found:
        lines += [f"### {item.column} (from {item.source})", "", "| code | contacts |", "|---|---|"]
        lines += [f"| {code} | {count} |" for code, count in item.counts.items()] + [""]
    return lines
