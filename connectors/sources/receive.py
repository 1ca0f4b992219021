"""Read every dataset of a project's source into a new snapshot (plain Python, no Prefect).

This is the receive step's whole job; ``tasks/receive.py`` only adds retries,
logging and artifacts around :func:`receive_snapshot`.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stx_migrate.migration.profile import DatasetProfile, StreamProfile, add_orphan_counts
from stx_migrate.migration.protocol.compile import declared_aggregates
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.snapshot import PROFILE, DatasetManifest, DatasetSpec, Snapshot, description, write_snapshot
from stx_migrate.migration.workspace import Workspace

from . import open_source
from .base import Source

log = logging.getLogger("stx_migrate.receive")


@dataclass
class ReceiveResult:
    snapshot: Snapshot
    profiles: list[DatasetProfile] = field(default_factory=list)


def _spec(source: Source, name: str, chunk_rows: int, profiles: dict[str, StreamProfile] | None) -> DatasetSpec:
    """How to freeze dataset ``name``; its profile, when wanted, is counted on the chunks as they are written."""
    info = source.describe()[name]
    if profiles is not None:
        profiles[name] = StreamProfile(name, info.schema, info.encoding)
    return DatasetSpec(
        name=name,
        schema=info.schema,
        chunks=source.read(name, chunk_rows),
        on_chunk=profiles[name].add if profiles is not None else None,  # beside the Parquet writer, off the reading thread
        on_end=profiles[name].finish if profiles is not None else None,  # counted while the last row groups are written
        again=lambda: _spec(source, name, chunk_rows, profiles),
        **description(info),
    )


def _specs(source: Source, chunk_rows: int, profiles: dict[str, StreamProfile] | None) -> Iterator[DatasetSpec]:
    for name, info in source.describe().items():
        log.info("dataset %s: %d columns from %s", name, len(info.columns), info.origin)
        yield _spec(source, name, chunk_rows, profiles)


def receive_snapshot(project: Project, workspace: Workspace | None = None, chunk_rows: int | None = None,
                     profile: bool = True) -> ReceiveResult:
    """Read the project's source completely into a new, immutable snapshot; profile each dataset.

    Memory stays bounded by ``chunk_rows`` (default: the source block's
    ``chunk_rows``); ``profile=False`` skips the profile (benchmarks). On any error nothing is left in the workspace and the error
    propagates: InputError / ConfigError (exit 2), SourceUnavailable (retriable).
    """
    settings = project.config.source
    workspace = workspace or Workspace(project.config.name)
    chunk_rows = chunk_rows or settings.chunk_rows
    profiles: list[DatasetProfile] = []
    streaming: dict[str, StreamProfile] | None = {} if profile else None
    links = declared_aggregates(project.path(project.config.protocol)) if project.config.protocol else ("", [])

    def after_dataset(folder: Path, spec: DatasetSpec, manifest: DatasetManifest) -> None:
        log.info("dataset %s: %d rows frozen", spec.name, manifest.rows)
        if streaming is None:
            return
        profiles.append(streaming.pop(spec.name).result())
        add_orphan_counts(profiles, folder, *links)
        (folder / PROFILE).write_text(json.dumps({p.dataset: p.model_dump() for p in profiles}, indent=2) + "\n", encoding="utf-8")

    with open_source(settings, project.folder) as source:
        snapshot = write_snapshot(workspace, project.config.name, source.description(), _specs(source, chunk_rows, streaming),
                                  after_dataset=after_dataset)
    return ReceiveResult(snapshot, profiles)
