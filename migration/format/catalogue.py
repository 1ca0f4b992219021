"""The extended import format loaded from ``columns.yaml``: column specs, sections, layouts.

This is the one definition of the target every other module reads: the reader and
writer take the column order and header rows from here, the rule engine takes
types, lengths, code lists and severities from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..yaml_load import parse_yaml

HEADER_ROWS = 4          # secutix-format §2.1: 4 header rows, data from row 5
CODE_ROW = 4             # the row the importer reads (technical field codes)
EMPTY = ""               # an empty cell: keep (UPDATE) / nothing stored (INSERT)
CLEAR = "="              # secutix-format §3: remove the stored value


@dataclass(frozen=True)
class ColumnSpec:
    code: str
    number: int
    section: str
    type: str
    label: str
    help: str
    source: str
    mandatory: str = "no"
    on_bad: str = "drop"
    max_length: int | None = None
    allowed: tuple[str, ...] = ()
    default: str | None = None
    catalogue: str | None = None
    in_layout: bool = True


@dataclass(frozen=True)
class Format:
    columns: tuple[ColumnSpec, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    groups: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def column(self, code: str) -> ColumnSpec:
        return self.by_code[code]

    def group(self, name: str) -> tuple[str, ...]:
        """The column codes of a group named in ``columns.yaml › groups``, in its order."""
        for group, codes in self.groups:
            if group == name:
                return codes
        raise KeyError(f"columns.yaml › groups: no group {name!r} (allowed: {', '.join(g for g, _ in self.groups)})")

    @property
    def by_code(self) -> dict[str, ColumnSpec]:
        return {c.code: c for c in self.columns}

    def layout(self, with_role: bool = False) -> list[str]:
        """Column codes in template order (row 4). ROLE only when the template has it (§13 Q8)."""
        return [c.code for c in self.columns if c.in_layout or (with_role and c.code == "ROLE")]

    def of_type(self, *types: str) -> list[str]:
        return [c.code for c in self.columns if c.type in types]

    def header_rows(self, codes: list[str]) -> list[list[str]]:
        """Rows 1–4 of the built-in template for ``codes``.

        Row 1 names the section on its first column, row 2 the field label, row 3 the
        type/help text, row 4 the technical codes. A customer's own template replaces
        rows 1–3 verbatim (secutix-format §2.1, §13 Q1).
        """
        section_of = {c: name for name, cols in self.sections for c in cols}
        row1, seen = [], set()
        for code in codes:
            name = section_of.get(code, "")
            row1.append(name if name not in seen else "")
            seen.add(name)
        specs = self.by_code
        return [row1, [specs[c].label for c in codes], [specs[c].help for c in codes], list(codes)]


def _members(items: list[str]) -> list[str]:
    """Column codes of a section or group (``CRIT01-CRIT50`` stands for the fifty criteria)."""
    codes: list[str] = []
    for item in items:
        codes += [f"CRIT{i:02d}" for i in range(1, 51)] if item == "CRIT01-CRIT50" else [item]
    return codes


def _expand(entry: dict) -> list[dict]:
    prefix, first, count = entry.pop("code_prefix"), entry.pop("first_number"), entry.pop("count")
    return [dict(entry, code=f"{prefix}{i:02d}", number=first + i - 1, label=f"{entry['label']} {i:02d}") for i in range(1, count + 1)]


@lru_cache(maxsize=1)
def extended_format() -> Format:
    """The extended import format (cached; immutable)."""
    data = parse_yaml(resources.files(__package__).joinpath("columns.yaml").read_text(encoding="utf-8"), "columns.yaml")
    raw = list(data["columns"]) + _expand(dict(data["criteria"]))
    sections: list[tuple[str, tuple[str, ...]]] = []
    section_of: dict[str, str] = {}
    for section in data["sections"]:
        cols = _members(section["columns"])
        sections.append((section["name"], tuple(cols)))
        section_of.update({c: section["name"] for c in cols})
    columns = []
    for item in raw:
        item = dict(item)
        item["allowed"] = tuple(item.get("allowed", ()))
        item["section"] = section_of[item["code"]]
        columns.append(ColumnSpec(**item))
    columns.sort(key=lambda c: c.number)
    order = [c for _, cols in sections for c in cols]
    if order != [c.code for c in columns]:
        raise RuntimeError("columns.yaml: sections and column numbers disagree on the order")
    groups = tuple((name, tuple(_members(items))) for name, items in data["groups"].items())
    unknown = sorted({c for _, codes in groups for c in codes} - set(order))
    if unknown:
        raise RuntimeError(f"columns.yaml › groups: unknown column(s) {', '.join(unknown)}")
    return Format(columns=tuple(columns), sections=tuple(sections), groups=groups)
