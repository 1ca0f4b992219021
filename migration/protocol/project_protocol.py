"""The protocol a project applies: its protocol file, or the pass-through of a ``secutix-file`` source.

A customer who fills in the SecuTix template needs no transformation: with no
``protocol:`` in project.yaml, a ``secutix-file`` project applies the **pass-through**
protocol (every layout column from the column of the same code, no step; the file's
CONTACT_NR is the source number). With a ``protocol:``, that file is laid over the
pass-through: the columns it names replace theirs (whole-column steps such as
``{case: upper}``), its filters apply, and every other column still passes through;
``datasets`` may be left out. Either way the protocol applied is written as YAML
text, recorded in the deliverable and hashed like any protocol file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..format.catalogue import extended_format
from ..settings.base import read_yaml
from ..settings.project import Project
from ..settings.source import SECUTIX_DATASET, SECUTIX_FILE
from .compile import CompiledProtocol, compile_protocol
from .registry import ProjectContext

DEFAULT_PROTOCOL = "protocol.yaml"
_PASSTHROUGH_NOTE = ("# The protocol applied to a secutix-file source: every column as the customer's file holds it{}.\n"
                     "# Written by stx-migrate; the hash of its meaning is the deliverable's protocol_hash.\n")


def passthrough_protocol() -> dict[str, Any]:
    """Every template column (ROLE aside: older templates only) from itself, unchanged."""
    return {
        "version": 1,
        "description": "pass-through of the customer's SecuTix file",
        "datasets": {"main": SECUTIX_DATASET},
        "contact_number": {"from": "CONTACT_NR"},
        "columns": {code: {"from": code} for code in extended_format().layout()},
    }


def laid_over(base: dict[str, Any], overlay: Any) -> dict[str, Any]:
    """``overlay`` (a protocol file's content) over the pass-through: named columns replaced, the rest kept."""
    if not isinstance(overlay, dict):
        return overlay   # let the model say what is wrong with it
    merged = {**base, **{k: v for k, v in overlay.items() if k != "columns"}}
    columns = dict(base["columns"])
    extra = overlay.get("columns") or {}
    if isinstance(extra, dict):
        columns.update(extra)
    merged["columns"] = columns if isinstance(extra, dict) else extra
    return merged


def protocol_file_of(project: Project) -> Path | None:
    """The project's protocol file; None for a secutix-file source that names none (pass-through)."""
    named = project.config.protocol
    if named is None and project.config.source.kind == SECUTIX_FILE:
        return None
    return project.path(named or DEFAULT_PROTOCOL)


def project_protocol_text(project: Project) -> tuple[Path, str | None]:
    """(the file messages name, the YAML text applied; None = the file itself, read as it is)."""
    file = protocol_file_of(project)
    if project.config.source.kind != SECUTIX_FILE:
        return file, None
    if file is None:
        return project.folder / DEFAULT_PROTOCOL, _PASSTHROUGH_NOTE.format("") + _dump(passthrough_protocol())
    merged = laid_over(passthrough_protocol(), read_yaml(file))
    note = _PASSTHROUGH_NOTE.format(f", but for what {file.name} changes")
    return file, note + _dump(merged)


def compile_project_protocol(project: Project, snapshot_manifest: Any, context: ProjectContext | None = None) -> CompiledProtocol:
    """:func:`compile_protocol` on the project's protocol (see the module's docstring)."""
    file, text = project_protocol_text(project)
    return compile_protocol(file, snapshot_manifest, context, text=text)


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
