"""The quality gate: thresholds, reconciliation and preconditions on a deliverable.

:func:`evaluate_gate` reads the deliverable (the log, the import file, the protocol,
the manifest), checks it and writes ``gate.json`` and ``gate.md`` next to it. It never
changes the data files. ``GateReport.passed`` is false when any check fails; the
flow then ends Failed and the CLI exits 1 (architecture §4).

Rates: the reject rate is ``rejected / (rows_in - dropped)`` (rows removed on purpose by
a filter rule do not count as rejects); the duplicate rate is ``merged / (valid + merged)``.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from .column_changes import change_warnings, read_column_changes
from .deliverable import Deliverable
from .format import extended_format
from .indicators import IndicatorDistribution, aggregate_rows, distributions, indicator_columns
from .indicators import markdown as indicator_markdown
from .protocol.compile import protocol_hash
from .protocol.model import ProtocolModel
from .protocol.numbers import as_number_set
from .reference import ReferenceData
from .rows import as_mask
from .settings.gate import GateSettings
from .settings.prepare import ContactNumberPolicy
from .text_arrays import text_column, text_isin, to_bool
from .yaml_load import parse_yaml

CheckKind = Literal["threshold", "reconciliation", "precondition"]


class GateCheck(BaseModel):
    name: str
    kind: CheckKind
    passed: bool
    value: str = ""
    limit: str = ""
    detail: str = ""        # counts and codes only: never a name, e-mail or phone


class GateReport(BaseModel):
    deliverable_id: str
    protocol_hash: str
    snapshot_id: str
    passed: bool
    reasons: list[str]
    checks: list[GateCheck]
    warnings: list[str] = []         # columns the protocol mostly changed or emptied (gate.max_changed_rate)
    columns: list[dict] = []         # per output column: rows, filled, source, source_filled, changed, emptied
    indicators: list[IndicatorDistribution] = []    # per indicator column: contacts per code

    def markdown(self) -> str:
        """The readable report (gate.md): verdict, reasons, every check."""
        lines = [f"# Quality gate: {'PASSED' if self.passed else 'REFUSED'}", "",
                 f"Deliverable `{self.deliverable_id}`, snapshot `{self.snapshot_id}`, protocol `{self.protocol_hash[:12]}`.", ""]
        if self.reasons:
            lines += ["## Why it refuses", ""] + [f"- {r}" for r in self.reasons] + [""]
        if self.warnings:
            lines += ["## Warnings", ""] + [f"- {w}" for w in self.warnings] + [""]
        lines += ["## Checks", "", "| check | kind | result | value | limit | detail |", "|---|---|---|---|---|---|"]
        for c in self.checks:
            lines.append(f"| {c.name} | {c.kind} | {'ok' if c.passed else 'FAILED'} | {c.value} | {c.limit} | {c.detail} |")
        lines += [""] + indicator_markdown(self.indicators) if self.indicators else []
        if self.columns:
            lines += ["", "## Columns: what the protocol did", "",
                      "| column | fill rate | source column | source values | changed | emptied |", "|---|---|---|---|---|---|"]
            for e in self.columns:
                fill = _pct(_rate(e["filled"], e["rows"])) if e["rows"] else "-"
                lines.append(f"| {e['column']} | {fill} | {e['source'] or '(several, joined or pivoted)'} | "
                             f"{'' if e['source_filled'] is None else e['source_filled']} | "
                             f"{'' if e['changed'] is None else e['changed']} | {'' if e['emptied'] is None else e['emptied']} |")
        return "\n".join(lines) + "\n"


def _rate(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _distinct_text(contacts: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The distinct non-empty cells of ``columns``, hashed by Arrow (a Python set of a million cells takes seconds)."""
    found = [pc.unique(text_column(contacts[c])) for c in columns if c in contacts]
    if not found:
        return pd.Series([], dtype="str")
    cells = pc.unique(pa.chunked_array(found, type=pa.large_string()))
    return pd.Series(pd.array(cells.filter(pc.not_equal(cells, "")), dtype="str"))


def _criteria_used(contacts: pd.DataFrame) -> pd.DataFrame:
    """(code, element) pairs used in CRITnn cells (``CODE=v1|v2``)."""
    cells = _distinct_text(contacts, [c for c in contacts.columns if c.startswith("CRIT")])
    if cells.empty:   # no CRITnn column, or every cell blank: no pair to split
        return pd.DataFrame({"code": pd.Series([], dtype="str"), "element": pd.Series([], dtype="str")})
    split = cells.str.split("=", n=1, expand=True, regex=False)
    if split.shape[1] < 2:
        split[1] = ""
    pairs = pd.DataFrame({"code": split[0], "element": split[1].fillna("").str.split("|", regex=False)}).explode("element")
    return pairs.fillna("").drop_duplicates().astype("str")


def _is_config(contacts: pd.DataFrame) -> np.ndarray:
    """Per row: a CONFIG row (secutix-format §3.2), as a numpy mask (compared in Arrow: no hash of the refs)."""
    if "OPERATION" not in contacts:
        return np.zeros(len(contacts), dtype=bool)
    return to_bool(pc.equal(text_column(contacts["OPERATION"]), "CONFIG"))


def _config_created(contacts: pd.DataFrame) -> tuple[set[str], set[str]]:
    """Structure types and criterion codes named by CONFIG rows of the file (secutix-format §3.2)."""
    config = contacts[_is_config(contacts)]
    types = set(_distinct_text(config, ["STRUCT_TYPE"]))
    codes = set(_criteria_used(config)["code"]) - {""}
    return types, codes


def _people(contacts: pd.DataFrame) -> pd.DataFrame:
    """The rows that are contacts (not CONFIG rows), with only the columns the preconditions read."""
    columns = [c for c in contacts.columns if c in ("OPERATION", "STRUCT_TYPE", "CONTACT_NR") or c.startswith("CRIT")]
    config = _is_config(contacts)
    return contacts.loc[~config, columns] if config.any() else contacts[columns]


def _numbers_outside(numbers: pd.Series, first: int, last: int) -> int:
    """Numbers not inside ``first``–``last``, text that is no number counting as outside.

    Plain digits are cast by Arrow; anything else (rare) goes through pandas' reading.
    """
    text = pc.utf8_trim_whitespace(text_column(numbers))
    digits = to_bool(pc.match_substring_regex(text, r"^[0-9]{1,18}$"))
    values = np.full(len(numbers), np.nan)
    values[digits] = pc.cast(pc.filter(text, pa.array(digits)), pa.int64()).to_numpy(zero_copy_only=False)
    if not digits.all():
        values[~digits] = pd.to_numeric(numbers[~digits], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return int((~((values >= first) & (values <= last))).sum())


def evaluate_gate(
    deliverable_dir: Path,
    gate_settings: GateSettings,
    reference: ReferenceData | None,
    contact_number_policy: ContactNumberPolicy,
    existing_contact_numbers: Iterable | None,
) -> GateReport:
    """Check a deliverable and write ``gate.json`` + ``gate.md`` into it; returns the report."""
    d = Deliverable(deliverable_dir)
    summary = d.summary()
    applied = ProtocolModel.model_validate(parse_yaml(d.protocol_text(), d.path / d.manifest.protocol_file))
    contacts = d.contacts(columns=_columns_read(gate_settings, applied))
    rejects = d.rejects()
    duplicates = d.duplicates()
    checks: list[GateCheck] = []

    # -- reconciliation --------------------------------------------------------------
    total = summary.valid + summary.rejected + summary.merged + summary.dropped
    checks.append(GateCheck(name="rows reconcile", kind="reconciliation", passed=total == summary.rows_in,
                            value=str(total), limit=str(summary.rows_in), detail="valid + rejected + merged + dropped = rows_in"))
    checks.append(GateCheck(name="import file rows", kind="reconciliation", passed=len(contacts) == summary.valid,
                            value=str(len(contacts)), limit=str(summary.valid), detail="contacts.csv rows = valid"))
    error_rows = rejects.loc[rejects["severity"] == "error", "source_ref"].nunique()
    checks.append(GateCheck(name="log rejected rows", kind="reconciliation", passed=error_rows == summary.rejected,
                            value=str(error_rows), limit=str(summary.rejected), detail="rows with an error in rejects.csv = rejected"))
    checks.append(GateCheck(name="duplicates rows", kind="reconciliation", passed=len(duplicates) == summary.merged,
                            value=str(len(duplicates)), limit=str(summary.merged), detail="duplicates.csv rows = merged"))
    checks.append(GateCheck(name="protocol hash", kind="reconciliation", passed=protocol_hash(applied) == d.manifest.protocol_hash,
                            value=protocol_hash(applied)[:12], limit=d.manifest.protocol_hash[:12], detail="protocol.yaml = manifest"))
    for name, rows, aggregated, orphans in aggregate_rows(getattr(summary, "aggregates", None) or {}):
        checks.append(GateCheck(name=f"aggregate {name} rows", kind="reconciliation", passed=aggregated + orphans == rows,
                                value=f"{aggregated} + {orphans}", limit=str(rows),
                                detail=f"aggregated + orphans (key matching no contact) = child rows; {orphans} orphans"))
    changed = d.changed_files()
    checks.append(GateCheck(name="files intact", kind="reconciliation", passed=not changed,
                            value=", ".join(changed) or "all", detail="sha256 of each file = manifest"))

    people = len(contacts) - int(_is_config(contacts).sum())
    checks.append(GateCheck(name="contacts to import", kind="reconciliation", passed=people > 0,
                            value=str(people), limit="> 0", detail="no contacts" if not people else "rows in contacts.csv"))

    # -- thresholds -------------------------------------------------------------------
    considered = summary.rows_in - summary.dropped
    reject_rate = _rate(summary.rejected, considered)
    checks.append(GateCheck(name="reject rate", kind="threshold", passed=reject_rate <= gate_settings.max_reject_rate,
                            value=_pct(reject_rate), limit=_pct(gate_settings.max_reject_rate),
                            detail=f"{summary.rejected} of {considered} rows"))
    errors = rejects[rejects["severity"] == "error"].drop_duplicates(["source_ref", "code"])
    per_code = errors["code"].value_counts()
    for code, limit in sorted(gate_settings.max_reject_rate_per_rule.items()):
        rate = _rate(int(per_code.get(code, 0)), considered)
        checks.append(GateCheck(name=f"reject rate {code}", kind="threshold", passed=rate <= limit,
                                value=_pct(rate), limit=_pct(limit), detail=f"{int(per_code.get(code, 0))} rows"))
    for column, minimum in sorted(gate_settings.min_fill_rate.items()):
        filled = int((contacts[column] != "").sum()) if column in contacts else 0
        rate = _rate(filled, len(contacts)) if len(contacts) else 1.0
        checks.append(GateCheck(name=f"fill rate {column}", kind="threshold", passed=rate >= minimum,
                                value=_pct(rate), limit=f">= {_pct(minimum)}", detail=f"{filled} of {len(contacts)} rows"))
    dup_rate = _rate(summary.merged, summary.valid + summary.merged)
    checks.append(GateCheck(name="duplicate rate", kind="threshold", passed=dup_rate <= gate_settings.max_duplicate_rate,
                            value=_pct(dup_rate), limit=_pct(gate_settings.max_duplicate_rate), detail=f"{summary.merged} merged"))
    backlog = int(getattr(summary, "to_review", 0) or 0)
    checks.append(GateCheck(name="review backlog", kind="threshold", passed=backlog <= gate_settings.max_review_backlog,
                            value=str(backlog), limit=str(gate_settings.max_review_backlog), detail="pairs waiting for a decision"))

    # -- what the protocol did to each column (warnings, not refusals) ---------------
    changes = read_column_changes(d.path)
    warnings = change_warnings(changes, gate_settings.max_changed_rate)

    # -- preconditions (secutix-format §8) -----------------------------------------------------
    checks += _preconditions(contacts, reference, contact_number_policy, existing_contact_numbers)

    reasons = [f"{c.name}: {c.value} (limit {c.limit})" + (f" — {c.detail}" if c.detail else "") for c in checks if not c.passed]
    report = GateReport(deliverable_id=d.id, protocol_hash=d.manifest.protocol_hash, snapshot_id=d.manifest.snapshot_id,
                        passed=not reasons, reasons=reasons, checks=checks, warnings=warnings, columns=changes,
                        indicators=distributions(contacts, applied))
    (d.path / "gate.json").write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    (d.path / "gate.md").write_text(report.markdown(), encoding="utf-8")
    return report


def _columns_read(settings: GateSettings, applied: ProtocolModel) -> list[str]:
    """The import file's columns the gate looks at (the others' text is never built: most of a read)."""
    criteria = [c for c in extended_format().layout(with_role=True) if c.startswith("CRIT")]
    return sorted({"OPERATION", "STRUCT_TYPE", "CONTACT_NR", *criteria, *settings.min_fill_rate,
                   *indicator_columns(applied)})


def _listed(values: Iterable[str], limit: int = 10) -> str:
    values = sorted(values)
    return ", ".join(values[:limit]) + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _preconditions(contacts: pd.DataFrame, reference: ReferenceData | None, policy: ContactNumberPolicy,
                   existing: Iterable | None) -> list[GateCheck]:
    checks: list[GateCheck] = []
    created_types, created_codes = _config_created(contacts)
    data = _people(contacts)
    used_types = set(_distinct_text(data, ["STRUCT_TYPE"]))
    if reference is None:
        used = bool(used_types) or not _criteria_used(data).empty
        checks.append(GateCheck(name="reference data", kind="precondition", passed=not used, value="unknown",
                                detail="structure types or criteria are used but the target's catalogue is unknown"
                                if used else "no structure type or criterion used"))
    else:
        if reference.structure_types is not None:
            missing = used_types - set(reference.structure_types) - created_types
            checks.append(GateCheck(name="structure types exist", kind="precondition", passed=not missing,
                                    value=str(len(used_types)), detail=f"unknown in the target: {_listed(missing)}" if missing else "all known"))
        pairs = _criteria_used(data)
        if reference.criteria is not None:
            known = reference.criteria
            missing_codes = set(pairs["code"]) - set(known) - created_codes - {""}
            checks.append(GateCheck(name="criteria exist", kind="precondition", passed=not missing_codes,
                                    value=str(pairs["code"].nunique()),
                                    detail=f"unknown in the target: {_listed(missing_codes)}" if missing_codes else "all known"))
            bad = []
            for code, elements in pairs.groupby("code")["element"]:
                crit = known.get(code)
                if crit is not None and crit.elements is not None:
                    bad += [f"{code}={e}" for e in set(elements) - set(crit.elements) - {""}]
            checks.append(GateCheck(name="criterion elements exist", kind="precondition", passed=not bad,
                                    value=str(len(pairs)), detail=f"unknown in the target: {_listed(bad)}" if bad else "all known"))
    numbers = inserts = pd.Series([], dtype="str")
    if "CONTACT_NR" in data:    # positional masks: a label lookup of millions of source_refs costs seconds
        given = as_mask(data["CONTACT_NR"] != "")
        numbers = data["CONTACT_NR"][given]
        inserted = as_mask(data["OPERATION"].isin(["INSERT", ""])) if "OPERATION" in data else True
        inserts = data["CONTACT_NR"][given & inserted]
    taken = int(text_isin(inserts, as_number_set(existing)).sum())
    checks.append(GateCheck(name="contact numbers free", kind="precondition", passed=taken == 0,
                            value=str(taken), limit="0", detail=f"{taken} numbers already exist in the target"))
    repeated = len(numbers) - pc.count_distinct(text_column(numbers), mode="all").as_py()
    checks.append(GateCheck(name="contact numbers unique", kind="precondition", passed=repeated == 0,
                            value=str(repeated), limit="0", detail="numbers given twice in the file"))
    if policy.reserved_range is not None:
        outside = _numbers_outside(inserts, policy.reserved_range.first, policy.reserved_range.last)
        checks.append(GateCheck(name="contact numbers in reserved range", kind="precondition", passed=outside == 0,
                                value=str(outside), limit="0",
                                detail=f"range {policy.reserved_range.first}-{policy.reserved_range.last}"))
    return checks


def read_gate(deliverable_dir: Path) -> GateReport | None:
    """The gate report written into a deliverable, or None when the gate has not run."""
    path = Path(deliverable_dir) / "gate.json"
    return GateReport.model_validate_json(path.read_text(encoding="utf-8")) if path.exists() else None


__all__ = ["GateCheck", "GateReport", "evaluate_gate", "read_gate"]
