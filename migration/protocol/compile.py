"""Compile a protocol against a snapshot's columns before any row is touched.

:func:`compile_protocol` loads ``protocol.yaml`` into the strict model, then checks
every dataset, column reference, operation and parameter against the snapshot's
manifest and the operation registry. Every problem is reported at once in one
:class:`ConfigError`, each line ``file › path: problem (allowed: …)``.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import ConfigError
from ..format.catalogue import extended_format
from ..settings.base import StrictModel, format_validation_error, read_yaml, validate_model
from .filters import FILTER_RULES, FilterRule
from .model import ProtocolModel
from .ops_dates import ParseDateParams
from .registry import Operation, ProjectContext, get_operation, operation_names

_MAX_LISTED = 25


@dataclass(frozen=True)
class CompiledStep:
    operation: Operation
    params: StrictModel
    path: str


@dataclass(frozen=True)
class CompiledColumn:
    code: str
    inputs: tuple[str, ...]          # column references (main, dataset.column, pivot.KEY)
    many: bool                       # the first step takes the inputs as a list
    steps: tuple[CompiledStep, ...]


@dataclass(frozen=True)
class CompiledFilter:
    rule: FilterRule
    params: StrictModel
    code: str


@dataclass(frozen=True)
class CompiledProtocol:
    """A protocol checked against one snapshot's columns, ready to apply."""

    file: Path
    text: str                        # the protocol file as written (copied into the deliverable)
    hash: str                        # sha256 of the protocol's meaning (see :func:`protocol_hash`)
    model: ProtocolModel
    columns: tuple[CompiledColumn, ...]
    filters: tuple[CompiledFilter, ...]
    needed: dict[str, tuple[str, ...]]   # dataset → the columns the protocol reads from it

    @property
    def main(self) -> str:
        return self.model.datasets.main


def protocol_hash(model: ProtocolModel) -> str:
    """Content hash of a protocol: sha256 of its canonical JSON.

    Comments, key order and YAML spelling do not change it; any change of meaning does.
    """
    canonical = json.dumps(model.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def snapshot_columns(snapshot_manifest: Any) -> dict[str, list[str]]:
    """Dataset → column names from a snapshot manifest (a dict, a manifest.json path or a model)."""
    if isinstance(snapshot_manifest, (str, Path)):
        snapshot_manifest = json.loads(Path(snapshot_manifest).read_text(encoding="utf-8"))
    if not isinstance(snapshot_manifest, Mapping):
        snapshot_manifest = snapshot_manifest.model_dump(mode="json")
    found: dict[str, list[str]] = {}
    for name, entry in dict(snapshot_manifest.get("datasets", {})).items():
        cols = entry.get("columns", []) if isinstance(entry, Mapping) else getattr(entry, "columns", [])
        if isinstance(cols, Mapping):
            found[name] = list(cols)
        else:
            found[name] = [c if isinstance(c, str) else c["name"] for c in cols]
    return found


def _allowed(names) -> str:
    names = list(names)
    shown = ", ".join(names[:_MAX_LISTED])
    return shown + (f", … ({len(names)} in all)" if len(names) > _MAX_LISTED else "")


class _Checker:
    def __init__(self, source: str, tables: dict[str, list[str]] | None, model: ProtocolModel):
        self.source, self.model = source, model
        self.columns_known = tables is not None     # None: no snapshot yet, column references are not checked
        self.tables = tables or {}
        self.problems: list[str] = []
        self.needed: dict[str, set[str]] = {}
        self.references: dict[str, tuple[str, str]] = {}   # reference → (dataset, column) or (pivot, key)

    def problem(self, path: str, text: str) -> None:
        self.problems.append(f"{self.source} › {path}: {text}")

    def dataset(self, path: str, name: str) -> bool:
        if not self.columns_known:
            return False
        if name not in self.tables:
            self.problem(path, f"unknown dataset {name!r} (allowed: {_allowed(self.tables)})")
            return False
        return True

    def column_of(self, path: str, dataset: str, column: str) -> None:
        if not self.columns_known:
            return
        if dataset in self.tables and column not in self.tables[dataset]:
            self.problem(path, f"unknown column {column!r} of dataset {dataset!r} (allowed: {_allowed(self.tables[dataset])})")
        else:
            self.needed.setdefault(dataset, set()).add(column)

    def build_references(self) -> None:
        ds = self.model.datasets
        if self.dataset("datasets › main", ds.main):
            for column in self.tables[ds.main]:
                self.references[column] = (ds.main, column)
        for i, join in enumerate(ds.joins):
            path = f"datasets › joins › {i}"
            self.column_of(f"{path} › main_key", ds.main, join.main_key)
            if self.dataset(f"{path} › dataset", join.dataset):
                self.column_of(f"{path} › key", join.dataset, join.key)
                for column in self.tables[join.dataset]:
                    self.references[f"{join.dataset}.{column}"] = (join.dataset, column)
        for i, pivot in enumerate(ds.pivots):
            path = f"datasets › pivots › {i}"
            self.column_of(f"{path} › main_key", ds.main, pivot.main_key)
            if self.dataset(f"{path} › dataset", pivot.dataset):
                for part in ("parent", "key", "value"):
                    self.column_of(f"{path} › {part}", pivot.dataset, getattr(pivot, part))
            for key in pivot.keys:
                self.references[f"{pivot.name}.{key}"] = (f"pivot:{pivot.name}", key)
        self.build_aggregates()

    def build_aggregates(self) -> None:
        """Aggregate columns ``name.measure``; the child table is read apart (in Arrow, only these columns)."""
        ds = self.model.datasets
        taken = {j.dataset for j in ds.joins} | {p.name for p in ds.pivots}
        for i, agg in enumerate(ds.aggregates):
            path = f"datasets › aggregates › {i}"
            if agg.name in taken:
                self.problem(f"{path} › name", f"{agg.name!r} is already a joined dataset, a pivot or an aggregate: "
                                               "column names would clash")
            taken.add(agg.name)
            self.column_of(f"{path} › main_key", ds.main, agg.main_key)
            if self.dataset(f"{path} › dataset", agg.dataset):
                child = self.tables[agg.dataset]
                for where, column in [("key", agg.key)] + [(f"measures › {m} › column", ms.column)
                                                            for m, ms in agg.measures.items() if ms.column]:
                    if column not in child:
                        self.problem(f"{path} › {where}", f"unknown column {column!r} of dataset {agg.dataset!r} "
                                                          f"(allowed: {_allowed(child)})")
            for measure, spec in agg.measures.items():
                if spec.formats is not None:
                    try:
                        ParseDateParams(formats=spec.formats)
                    except ValidationError as e:
                        self.problems.extend(format_validation_error(f"{self.source} › {path} › measures › {measure}", e))
                self.references[f"{agg.name}.{measure}"] = (f"aggregate:{agg.name}", measure)

    def reference(self, path: str, ref: str) -> None:
        if not self.columns_known:
            return
        if ref not in self.references:
            self.problem(path, f"unknown column {ref!r} (allowed: {_allowed(self.references)})")
            return
        dataset, column = self.references[ref]
        if not dataset.startswith(("pivot:", "aggregate:")):
            self.needed.setdefault(dataset, set()).add(column)


def declared_aggregates(protocol_file: Path) -> tuple[str, list]:
    """(the main dataset, the protocol's aggregates) as written; none when the file does not load (check and prepare say why)."""
    try:
        datasets = validate_model(ProtocolModel, read_yaml(Path(protocol_file)), str(protocol_file)).datasets
    except (ConfigError, OSError):
        return "", []
    return datasets.main, list(datasets.aggregates)


def _step_name_and_params(raw: Any) -> tuple[str | None, Any]:
    if isinstance(raw, str):
        return raw, {}
    if isinstance(raw, Mapping) and len(raw) == 1:
        name, params = next(iter(raw.items()))
        return str(name), params
    return None, None


def _compile_step(check: _Checker, path: str, raw: Any) -> CompiledStep | None:
    name, params = _step_name_and_params(raw)
    if name is None:
        check.problem(path, "a step is an operation name or a one-key mapping {operation: parameters}")
        return None
    op = get_operation(name)
    if op is None:
        check.problem(path, f"unknown operation {name!r} (allowed: {_allowed(operation_names())})")
        return None
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        if op.shorthand is None:
            fields = ", ".join(op.params.model_fields) or "none"
            check.problem(f"{path} › {name}", f"give the parameters as a mapping (allowed: {fields})")
            return None
        params = {op.shorthand: params}
    try:
        model = op.params.model_validate(dict(params))
    except ValidationError as e:
        fields = ", ".join(op.params.model_fields) or "none"
        for line in format_validation_error(f"{check.source} › {path} › {name}", e):
            check.problems.append(line + ("" if "allowed" in line else f" (parameters of {name}: {fields})"))
        return None
    return CompiledStep(op, model, f"{path} › {name}")


def compile_protocol(protocol_file: Path, snapshot_manifest: Any, project: ProjectContext | None = None, *,
                     text: str | None = None) -> CompiledProtocol:
    """Load and check ``protocol_file`` against the snapshot's datasets and columns.

    ``text``: the protocol's YAML when it is not the file as written (a pass-through,
    :mod:`.project_protocol`); messages still name ``protocol_file``.
    Raises :class:`ConfigError` listing every unknown dataset, column, operation or
    parameter with the path in the file and the allowed values. With ``project``,
    also checks what the protocol needs from the project (a retention cut-off).
    ``snapshot_manifest=None`` (no snapshot yet) checks everything but the datasets
    and columns; such a result cannot be applied (``needed`` is empty).
    """
    protocol_file = Path(protocol_file)
    source = str(protocol_file)
    raw = read_yaml(protocol_file) if text is None else yaml.safe_load(text)
    model = validate_model(ProtocolModel, raw, source)
    tables = None if snapshot_manifest is None else snapshot_columns(snapshot_manifest)
    check = _Checker(source, tables, model)
    check.build_references()

    layout = extended_format().layout(with_role=True)
    columns: list[CompiledColumn] = []
    declared: list[str] = []
    for code, rule in model.columns.items():
        path = f"columns › {code}"
        if code not in layout:
            check.problem(path, f"not a SecuTix column (allowed: {_allowed(layout)})")
            continue
        inputs = [rule.from_] if isinstance(rule.from_, str) else list(rule.from_ or [])
        for i, ref in enumerate(inputs):
            check.reference(f"{path} › from" + (f" › {i}" if isinstance(rule.from_, list) else ""), ref)
        steps = [_compile_step(check, f"{path} › steps › {i}", raw_step) for i, raw_step in enumerate(rule.steps)]
        compiled = [s for s in steps if s is not None]
        many = isinstance(rule.from_, list)
        if len(compiled) == len(steps):
            _check_arity(check, path, rule.from_, compiled)
            for step in compiled:
                region = getattr(step.params, "region_from", None)
                if region is not None and region not in declared:
                    check.problem(f"{step.path} › region_from",
                                  f"{region!r} is not an output column declared above (allowed: {_allowed(declared) or 'none yet'})")
        declared.append(code)
        columns.append(CompiledColumn(code, tuple(inputs), many, tuple(compiled)))

    filters: list[CompiledFilter] = []
    for i, flt in enumerate(model.filters):
        path = f"filters › {i}"
        rule = FILTER_RULES.get(flt.rule)
        if rule is None:
            check.problem(f"{path} › rule", f"unknown rule {flt.rule!r} (allowed: {_allowed(sorted(FILTER_RULES))})")
            continue
        try:
            params = rule.params.model_validate(flt.params)
        except ValidationError as e:
            check.problems.extend(format_validation_error(f"{source} › {path} › params", e))
            continue
        for column in rule.columns(params):
            check.reference(f"{path} › params › column", column)
        if rule.needs_cutoff and project is not None and project.retention_cutoff is None:
            check.problem(f"{path} › rule", "the retention rule needs retention.cutoff in project.yaml (secutix-format §13 Q14)")
        filters.append(CompiledFilter(rule, params, flt.code or flt.rule.upper()))

    if model.contact_number.from_ is not None:
        check.reference("contact_number › from", model.contact_number.from_)

    if check.problems:
        raise ConfigError(check.problems)
    return CompiledProtocol(
        file=protocol_file,
        text=protocol_file.read_text(encoding="utf-8") if text is None else text,
        hash=protocol_hash(model),
        model=model,
        columns=tuple(columns),
        filters=tuple(filters),
        needed={name: tuple(sorted(cols)) for name, cols in check.needed.items()},
    )


def _check_arity(check: _Checker, path: str, from_: Any, steps: list[CompiledStep]) -> None:
    for i, step in enumerate(steps):
        kind = step.operation.inputs
        if kind == "many" and (i > 0 or not isinstance(from_, list)):
            check.problem(step.path, f"{step.operation.name} takes several columns: give 'from' as a list and put it first")
        if kind == "none" and i > 0:
            check.problem(step.path, f"{step.operation.name} takes no input: put it first")
    first = steps[0].operation.inputs if steps else "one"
    if isinstance(from_, list) and first != "many":
        check.problem(f"{path} › from", "several columns need a first step that combines them (concat, coalesce)")
    if from_ is None and first != "none":
        check.problem(f"{path} › from", "missing: name the source column (or start with a step such as constant)")
