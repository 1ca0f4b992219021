"""What ``stx-migrate init`` reads from a source: its datasets, their columns and a sample of values.

:func:`inspect_source` turns ``--from FILE`` (or ``--kind KIND --url URL``) into the
project's ``source`` block, lists the tables of a database, and reads the first
``sample_rows`` rows of each dataset to guess the columns (:mod:`migration.scaffold`).
Values stay in memory: nothing of them is written or logged.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from stx_migrate.migration.errors import ConfigError, InputError
from stx_migrate.migration.scaffold import ScaffoldInput, guess_columns
from stx_migrate.migration.settings.base import validate_model
from stx_migrate.migration.settings.source import SECUTIX_DATASET, SourceSettings

from .sources import open_source

SAMPLE_ROWS = 500
_BY_SUFFIX = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel",
              ".ods": "excel", ".xlsb": "excel", ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite",
              ".mdb": "access", ".accdb": "access", ".sql": "sql-dump", ".dump": "sql-dump"}
_PROBE = {"probe": {"query": "SELECT 1"}}   # a connected source needs one dataset: this one is never read


def dataset_name(text: str) -> str:
    """A dataset name (it names a Parquet file) from a file, sheet or table name."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-")
    return name if name and name[0].isalnum() else f"d_{name or 'data'}"


def _is_secutix_file(path: Path) -> bool:
    from stx_migrate.migration.secutix_file import read_secutix_file

    try:
        read_secutix_file(path)
    except InputError:
        return False
    return True


def _list_tables(source) -> list[str]:
    if isinstance(getattr(source, "tables", None), list):     # access: mdb-tables ran on connect
        return list(source.tables)
    conn = getattr(source, "conn", None)
    if isinstance(conn, sqlite3.Connection):
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [r[0] for r in rows]
    if type(conn).__module__.startswith("psycopg"):
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                            "AND table_schema = current_schema() ORDER BY table_name").fetchall()
        return [r[0] for r in rows]
    if type(conn).__module__.startswith("sqlalchemy"):
        import sqlalchemy as sa

        return sorted(sa.inspect(conn).get_table_names())
    raise ConfigError(f"source kind {source.kind}: tables cannot be listed here; name them with --table NAME")


def _copy_inside(path: Path, project_dir: Path) -> Path:
    """The customer's file copied to ``<project>/data/`` (kept as it is when already there)."""
    target = project_dir / "data" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        shutil.copy2(path, target)
    return target


def _file_block(path: Path, project_dir: Path, sheet: str | None) -> tuple[dict[str, Any], bool]:
    suffix = path.suffix.lower()
    kind = _BY_SUFFIX.get(suffix)
    if kind is None:
        raise InputError(f"unknown kind of file (allowed: {', '.join(sorted(_BY_SUFFIX))}; a server: --kind KIND --url URL)",
                         file=path)
    if kind in ("csv", "excel") and not _is_secutix_file(path) and not path.resolve().is_relative_to(project_dir.resolve()):
        path = _copy_inside(path, project_dir)   # a file dataset is read only from inside the project folder
    relative = os.path.relpath(path.resolve(), project_dir.resolve())
    if kind in ("csv", "excel") and _is_secutix_file(path):
        return {"kind": "secutix-file", "path": relative, **({"sheet": sheet} if sheet else {})}, True
    if kind == "csv":
        return {"kind": "csv", "datasets": {dataset_name(path.stem): {"file": relative}}}, False
    if kind == "excel":
        import fastexcel

        sheets = [sheet] if sheet else fastexcel.read_excel(str(path)).sheet_names
        return {"kind": "excel", "path": relative, "datasets": {dataset_name(s): {"sheet": s} for s in sheets}}, False
    return {"kind": kind, "path": relative}, False


def inspect_source(project_dir: Path, *, from_path: Path | None = None, kind: str | None = None, url: str | None = None,
                   tables: list[str] | None = None, sheet: str | None = None, name: str,
                   sample_rows: int = SAMPLE_ROWS) -> ScaffoldInput:
    """The source block and the guesses of every dataset; ConfigError / InputError when unreadable."""
    if from_path is not None:
        from_path = Path(from_path)
        if not from_path.is_file():
            raise InputError("file not found", file=from_path)
        block, secutix_file = _file_block(from_path, project_dir, sheet)
        origin = from_path.name
    elif kind and url:
        block, secutix_file, origin = {"kind": kind, "url": url}, False, f"a {kind} source"
    else:
        raise ConfigError("init needs --from FILE, or --kind KIND with --url URL (a reference such as ${env:LEGACY_DB_URL})")
    if not secutix_file and "datasets" not in block:
        if not tables:
            probe = validate_model(SourceSettings, {**block, "datasets": _PROBE}, "init › source")
            with open_source(probe, project_dir) as source:
                tables = _list_tables(source)
            if not tables:
                raise InputError("the database holds no table", file=block.get("path") or kind)
        block["datasets"] = {dataset_name(t): {"table": t} for t in tables}
    settings = validate_model(SourceSettings, block, "init › source")
    guesses, sampled = {}, {}
    with open_source(settings, project_dir) as source:
        for dataset, info in source.describe().items():
            first = next(iter(source.read(dataset, sample_rows)), None)
            rows = first.to_pylist() if first is not None else []
            sampled[dataset] = len(rows)
            samples = {c: ["" if r[c] is None else str(r[c]) for r in rows] for c in info.columns}
            guesses[dataset] = guess_columns(samples)
    return ScaffoldInput(name=name, origin=origin, source=block, guesses=guesses, sampled_rows=sampled,
                         secutix_file=secutix_file)


__all__ = ["inspect_source", "SECUTIX_DATASET", "SAMPLE_ROWS"]
