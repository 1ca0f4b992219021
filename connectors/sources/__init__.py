"""Sources by ``kind``: one registry, one interface (:class:`~.base.Source`).

Each kind lives in its own module, imported only when a project uses it (so a CSV
project never imports a database driver). docs/sources.md documents every kind.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.settings.source import SourceSettings

from .base import DatasetInfo, Source, rechunk

# kind -> "module:Class" inside this package
REGISTRY: dict[str, str] = {
    "csv": "csv_files:CsvSource",
    "excel": "excel_files:ExcelSource",
    "sqlite": "sqlite:SqliteSource",
    "postgresql": "postgresql:PostgresSource",
    "mysql": "mysql:MysqlSource",
    "mssql": "mssql:MssqlSource",
    "oracle": "oracle:OracleSource",
    "access": "access:AccessSource",
    "odbc": "odbc:OdbcSource",
    "sql-dump": "sql_dump:SqlDumpSource",
    "secutix-file": "secutix_file:SecutixFileSource",
}


def source_class(kind: str) -> type[Source]:
    """The class registered for ``kind``; ConfigError lists the known kinds."""
    if kind not in REGISTRY:
        raise ConfigError(f"source › kind: unknown kind {kind!r} (allowed: {', '.join(REGISTRY)})")
    module_name, class_name = REGISTRY[kind].split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, class_name)


def open_source(settings: SourceSettings, base_dir: Path) -> Source:
    """A source for the project's ``source`` block (not yet connected: use it in a ``with``).

    ``base_dir`` is the project folder: relative paths in the block are taken from it.
    """
    return source_class(settings.kind)(settings, base_dir)


__all__ = ["DatasetInfo", "Source", "REGISTRY", "open_source", "source_class", "rechunk"]
