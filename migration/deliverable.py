"""Reading a deliverable back: its manifest, summary, contacts, log and duplicates.

A deliverable folder (``<workspace>/<project>/deliverables/<id>/``) holds
``contacts.xlsx``, ``contacts.csv``, ``rejects.csv``, ``duplicates.csv``,
``protocol.yaml``, ``manifest.json``, ``summary.json`` and, once the gate ran,
``gate.json`` and ``gate.md``.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import GuardRefused, InputError
from .findings import FINDING_COLUMNS
from .secutix_file import read_secutix_file
from .snapshot import file_sha256
from .summary import Summary, read_summary

MANIFEST = "manifest.json"


class ManifestIdentity(BaseModel):
    """What a deliverable's ``manifest.json`` says it was made from: the snapshot and the protocol.

    All the procedure's guards read of a manifest (:func:`read_manifest_identity`).
    """

    model_config = ConfigDict(extra="allow")

    snapshot_id: str
    protocol_hash: str


class DeliverableManifest(ManifestIdentity):
    """``manifest.json`` of a deliverable (extra keys kept for later versions)."""

    project: str
    institution: str = ""
    snapshot_sha256: str = ""
    protocol_file: str = "protocol.yaml"
    code_version: str
    contact_numbers: dict = {}
    retention_cutoff: date | None = None
    counts: dict[str, int]
    files: dict[str, str]


class Deliverable:
    """A finished deliverable folder, read lazily."""

    def __init__(self, path: Path):
        self.path = Path(path)
        manifest = self.path / MANIFEST
        if not manifest.is_file():
            raise InputError("not a deliverable folder (no manifest.json)", file=self.path)
        self.manifest = DeliverableManifest.model_validate_json(manifest.read_text(encoding="utf-8"))

    @property
    def id(self) -> str:
        return self.path.name

    def summary(self) -> Summary:
        return read_summary(self.path / "summary.json")

    def contacts(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The import file as a SecuTix frame (read from contacts.csv); ``columns``: only these
        (every data row kept, see :func:`read_secutix_file`)."""
        return read_secutix_file(self.path / "contacts.csv", columns=columns).frame

    def rejects(self) -> pd.DataFrame:
        return _read_text_csv(self.path / "rejects.csv", FINDING_COLUMNS)

    def duplicates(self) -> pd.DataFrame:
        return _read_text_csv(self.path / "duplicates.csv", None)

    def protocol_text(self) -> str:
        return (self.path / self.manifest.protocol_file).read_text(encoding="utf-8")

    def gate(self) -> dict | None:
        path = self.path / "gate.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def changed_files(self) -> list[str]:
        """Files whose sha256 no longer matches the manifest (empty = intact)."""
        changed = []
        for name, digest in self.manifest.files.items():
            path = self.path / name
            if not path.is_file() or file_sha256(path) != digest:
                changed.append(name)
        return changed

    def require_intact(self) -> None:
        """Refuse (exit 1) a deliverable edited after prepare: every file's sha256 against manifest.json."""
        changed = self.changed_files()
        if changed:
            raise GuardRefused(f"deliverable {self.id}: {', '.join(changed)} changed since prepare wrote it "
                               f"(sha256 differs from {self.path / MANIFEST}); prepare a new deliverable")


def _read_text_csv(path: Path, columns: list[str] | None) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    if columns is not None and list(frame.columns) != columns:
        raise InputError(f"unexpected columns (expected {', '.join(columns)})", file=path, value=",".join(frame.columns))
    return frame


class _ManifestFiles(BaseModel):
    model_config = ConfigDict(extra="allow")

    files: dict[str, str] = {}


def read_manifest_files(folder: Path) -> dict[str, str]:
    """File name → sha256, as the folder's manifest lists them (empty when there is no manifest)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return {}
    return _ManifestFiles.model_validate_json(path.read_text(encoding="utf-8")).files


def read_manifest_identity(folder: Path) -> ManifestIdentity:
    """The snapshot and protocol hash a deliverable folder's manifest names.

    A missing manifest is a FileNotFoundError; a manifest without a protocol hash or a
    snapshot id is a ValueError naming the file and the key.
    """
    path = Path(folder) / MANIFEST
    try:
        return ManifestIdentity.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as e:
        keys = ", ".join(str(error["loc"][0]) for error in e.errors() if error["loc"])
        what = "no protocol hash" if "protocol_hash" in keys else "incomplete"
        raise ValueError(f"{path}: {what} (key {keys or 'manifest'})") from None


def open_deliverable(path: Path) -> Deliverable:
    return Deliverable(path)
