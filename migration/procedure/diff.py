"""The diff between two deliverables: what the J-1 refresh changes against the validated one.

Contacts are matched by their migration identity, the ``source_ref`` (``dataset:key``,
architecture §4) that indexes every SecuTix frame. Reported: new, changed and vanished
contacts (with the columns that changed), rejects that are new in the refresh
(same source_ref and code not rejected before), and columns whose type or fill rate
changed. Everything is vectorised; the result holds row references and column codes,
never values, so it can go into an artifact.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..text_arrays import large_text, text_column, to_bool

# a column's "type" as SecuTix sees its text: the kind every non-empty value matches
_KINDS = (
    ("integer", r"-?\d+"),
    ("decimal", r"-?\d+[.,]\d+"),
    ("date", r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\d{2}\.\d{2}\.\d{4}"),
    ("boolean", r"(?i:true|false)"),
)
FILL_RATE_TOLERANCE = 0.05   # a 5-point move in a column's fill rate is worth a look


SAMPLE = 1024   # a kind the first filled values already deny is not checked on the whole column


def _all_match(values: pa.ChunkedArray, pattern: str) -> bool:
    anchored = f"^(?:{pattern})$"
    head = values.slice(0, SAMPLE)
    if not pc.all(pc.match_substring_regex(head, anchored)).as_py():
        return False
    return len(values) <= SAMPLE or pc.all(pc.match_substring_regex(values, anchored)).as_py()


def _kind_of_text(values: pa.ChunkedArray) -> str:
    filled = values.filter(pc.greater(pc.binary_length(values), 0))
    if len(filled) == 0:
        return "empty"
    for kind, pattern in _KINDS:
        if _all_match(filled, pattern):
            return kind
    return "text"


def column_kind(values: pd.Series) -> str:
    """``empty``, ``integer``, ``decimal``, ``date``, ``boolean`` or ``text``: what every filled cell is."""
    return _kind_of_text(text_column(values))


def fill_rate(values: pd.Series) -> float:
    return _fill_rate_of_text(text_column(values))


def _fill_rate_of_text(values: pa.ChunkedArray) -> float:
    return 0.0 if len(values) == 0 else pc.sum(pc.greater(pc.binary_length(values), 0)).as_py() / len(values)


@dataclass
class ColumnChange:
    column: str
    old_kind: str
    new_kind: str
    old_fill_rate: float
    new_fill_rate: float

    @property
    def what(self) -> str:
        parts = []
        if self.old_kind != self.new_kind:
            parts.append(f"type {self.old_kind} → {self.new_kind}")
        if abs(self.new_fill_rate - self.old_fill_rate) >= FILL_RATE_TOLERANCE:
            parts.append(f"fill rate {self.old_fill_rate:.1%} → {self.new_fill_rate:.1%}")
        if self.old_kind == "missing" or self.new_kind == "missing":
            parts = [f"column {'added' if self.old_kind == 'missing' else 'removed'}"]
        return ", ".join(parts)


@dataclass
class DeliverableDiff:
    old_id: str
    new_id: str
    old_rows: int
    new_rows: int
    new: list[str] = field(default_factory=list)
    vanished: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)     # source_ref → changed columns
    new_rejects: list[dict[str, str]] = field(default_factory=list)  # source_ref, column, code
    columns: list[ColumnChange] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"contacts_before": self.old_rows, "contacts_after": self.new_rows, "new": len(self.new),
                "changed": len(self.changed), "vanished": len(self.vanished),
                "unchanged": self.old_rows - len(self.vanished) - len(self.changed),
                "new_rejects": len(self.new_rejects), "columns_changed": len(self.columns)}

    def to_json(self) -> dict:
        data = asdict(self)
        data["counts"] = self.counts
        data["columns"] = [dict(asdict(c), what=c.what) for c in self.columns]
        return data

    def to_markdown(self, sample: int = 20) -> str:
        """A report for the UI: counts, the columns that moved, and a sample of row references."""
        c = self.counts
        lines = [f"# J-1 diff: {self.new_id} against validated {self.old_id}", "",
                 "| | contacts |", "|---|---|"]
        lines += [f"| {name.replace('_', ' ')} | {value} |" for name, value in c.items()]
        if self.columns:
            lines += ["", "## Columns that changed type or fill rate", "", "| column | change |", "|---|---|"]
            lines += [f"| {col.column} | {col.what} |" for col in self.columns]
        if self.new_rejects:
            by_code = pd.Series([r["code"] for r in self.new_rejects]).value_counts()
            lines += ["", "## New rejects by code", "", "| code | rows |", "|---|---|"]
            lines += [f"| {code} | {n} |" for code, n in by_code.items()]
        for title, refs in (("New", self.new), ("Vanished", self.vanished), ("Changed", list(self.changed))):
            if refs:
                shown = ", ".join(f"`{r}`" for r in refs[:sample])
                more = f" … and {len(refs) - sample} more (diff.json)" if len(refs) > sample else ""
                lines += ["", f"**{title}** ({len(refs)}): {shown}{more}"]
        return "\n".join(lines)


def diff_deliverables(old: pd.DataFrame, new: pd.DataFrame, old_rejects: pd.DataFrame | None = None,
                      new_rejects: pd.DataFrame | None = None, old_id: str = "old", new_id: str = "new") -> DeliverableDiff:
    """Compare two SecuTix frames (index = source_ref, unique) and their findings (rejects.csv frames).

    A contact is *changed* when any cell of a column both frames have differs; columns
    present in only one frame are reported as column changes, not as changed contacts.
    Only ``error`` findings count as rejects.
    """
    old_refs, new_refs = large_text(old.index.astype("str")), large_text(new.index.astype("str"))
    # each new row's position among the old ones (null: a new contact), hashed once by Arrow
    at_old = pc.index_in(new_refs, value_set=old_refs)
    result = DeliverableDiff(old_id, new_id, len(old), len(new))
    result.new = sorted(new_refs.filter(pc.is_null(at_old)).to_pylist())
    result.vanished = sorted(old_refs.filter(pc.invert(pc.is_in(old_refs, value_set=new_refs))).to_pylist())
    common_cols = [c for c in new.columns if c in old.columns]
    if at_old.null_count < len(at_old) and common_cols:
        result.changed = _changed_cells(old, new, at_old, new_refs, common_cols)
    for column in list(dict.fromkeys([*old.columns, *new.columns])):
        in_old, in_new = column in old.columns, column in new.columns
        a = text_column(old[column]) if in_old else None
        b = text_column(new[column]) if in_new else None
        ok, nk = (_kind_of_text(a) if in_old else "missing"), (_kind_of_text(b) if in_new else "missing")
        of, nf = (_fill_rate_of_text(a) if in_old else 0.0), (_fill_rate_of_text(b) if in_new else 0.0)
        if ok != nk or abs(nf - of) >= FILL_RATE_TOLERANCE:
            result.columns.append(ColumnChange(column, ok, nk, round(of, 4), round(nf, 4)))
    result.new_rejects = _new_rejects(old_rejects, new_rejects)
    return result


def _changed_cells(old: pd.DataFrame, new: pd.DataFrame, at_old: pa.Array, new_refs: pa.Array,
                   common_cols: list[str]) -> dict:
    """source_ref → the columns whose cell differs, sorted by source_ref; columns in frame order.

    Column by column in Arrow: the old column is gathered in the new rows' order (null on a
    new contact, which is not a change), then compared with the new column as it is. One
    bool per cell; only the few differing rows are visited. Building both frames' common
    part as pandas copies cost a gigabyte and most of the diff's time at a million contacts.
    """
    differs = np.zeros((len(common_cols), len(new)), dtype=bool)
    for j, column in enumerate(common_cols):
        before = text_column(old[column]).take(at_old)
        differs[j] = to_bool(pc.not_equal(before, text_column(new[column])))
    cols, rows = np.nonzero(differs)
    if not len(rows):
        return {}
    order = np.lexsort((cols, rows))                     # row by row, columns in order
    rows, cols = rows[order], cols[order]
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    names = np.asarray(common_cols, dtype=object)
    refs = new_refs.take(pa.array(rows[starts])).to_pylist()
    return dict(sorted((ref, list(names[cols[s:e]])) for ref, s, e in zip(refs, starts, ends)))


def _errors(findings: pd.DataFrame | None) -> pd.DataFrame:
    if findings is None or len(findings) == 0:
        return pd.DataFrame({"source_ref": [], "column": [], "code": []}, dtype="str")
    errors = findings[findings["severity"].astype("str") == "error"] if "severity" in findings else findings
    return errors[["source_ref", "column", "code"]].astype("str").drop_duplicates()


def _new_rejects(old_rejects: pd.DataFrame | None, new_rejects: pd.DataFrame | None) -> list[dict[str, str]]:
    old_e, new_e = _errors(old_rejects), _errors(new_rejects)
    merged = new_e.merge(old_e[["source_ref", "code"]].drop_duplicates(), on=["source_ref", "code"],
                         how="left", indicator=True)
    fresh = merged[merged["_merge"] == "left_only"].drop(columns="_merge").sort_values(["source_ref", "code"])
    return fresh.to_dict("records")


def write_diff(diff: DeliverableDiff, out_dir: Path) -> Path:
    """Write ``diff.json`` (everything) and ``diff.md`` (the report) into ``out_dir``; returns diff.json."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "diff.md").write_text(diff.to_markdown() + "\n", encoding="utf-8")
    path = out_dir / "diff.json"
    path.write_text(json.dumps(diff.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
