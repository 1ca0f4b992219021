"""Environments by ``kind``: where a deliverable's contacts land (architecture §2).

- ``sql``: a SecuTix contact store (``migration/store``) on SQLite or PostgreSQL; the URL
  may hold ``${env:NAME}`` / ``${secret:BLOCK}`` references, resolved here at connect
  time and never written anywhere; a relative ``sqlite:///`` path is taken from the
  project folder;
- ``file-drop``: the deliverable's import file copied into a folder that SecuTix's own
  import service reads, with ``<file>.sha256`` beside it; both appear atomically (written
  under a temporary name, then renamed), the checksum last.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pandas as pd

from stx_migrate.migration.delivery import DeliveredFile
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.store.store import ContactStore, open_store

from .secrets import redact, resolve

T = TypeVar("T")


def environment_settings(project: Project, env: str):
    envs = project.config.environments
    if env not in envs:
        allowed = ", ".join(envs) or "none declared"
        raise ConfigError(f"{project.folder / 'project.yaml'} › environments › {env}: not declared (allowed: {allowed})")
    return envs[env]


def store_url(project: Project, env: str) -> tuple[str, list[str]]:
    """The environment's resolved SQLAlchemy URL (relative SQLite paths from the project folder) and its secrets."""
    settings = environment_settings(project, env)
    where = f"project.yaml › environments › {env} › url"
    resolved = resolve(settings.url, where)
    url = resolved.value
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = "sqlite:///" + str(project.folder / url.removeprefix("sqlite:///"))
    return url, resolved.secrets


def open_environment_store(project: Project, env: str) -> ContactStore:
    """Open (create or upgrade) the ``sql`` environment's store; errors never carry the URL's secrets."""
    return _open_scrubbed(*store_url(project, env), env)


def _open_scrubbed(url: str, secrets: list[str], env: str) -> ContactStore:
    try:
        return open_store(url, name=env)
    except Exception as e:  # the driver's message may quote the URL: scrub it
        e.args = tuple(redact(str(a), secrets) for a in e.args)
        raise


def read_environment_store(project: Project, env: str, read: Callable[[ContactStore], T]) -> T | None:
    """``read(store)`` on the ``sql`` environment's store, then closed; None when it is a SQLite
    file that does not exist yet (an environment is never created just to be read).

    Errors never carry the URL's secrets, those of ``read`` included.
    """
    url, secrets = store_url(project, env)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    store = _open_scrubbed(url, secrets, env)
    try:
        return read(store)
    except Exception as e:
        e.args = tuple(redact(str(a), secrets) for a in e.args)
        raise
    finally:
        store.dispose()


def seed_environment(project: Project, env: str, reference) -> None:
    """Set up a ``sql`` environment for a demo or a test: the project's institution and ``reference``.

    The institution (``project.yaml › institution``, with its country and language) must
    exist in the store, or every row of an import is ``IMPORT_UNKNOWN_INSTITUTION``.
    """
    from stx_migrate.migration.store import seed_reference_data

    store = open_environment_store(project, env)
    try:
        seed_reference_data(store, reference, institutions=[project.config.institution],
                            country=project.config.country, language=project.config.language)
    finally:
        store.dispose()


def pseudonym_key(project: Project, env: str) -> tuple[bytes, list[str]] | None:
    """The environment's pseudonym key (resolved here, never written anywhere) and the secret to redact; None when off."""
    settings = environment_settings(project, env)
    if not settings.pseudonymise:
        return None
    resolved = resolve(settings.pseudonym_key, f"project.yaml › environments › {env} › pseudonym_key")
    if len(resolved.value.encode("utf-8")) < 16:
        raise ConfigError(f"project.yaml › environments › {env} › pseudonym_key: the key must hold at least 16 bytes "
                          "(e.g. 32 random bytes, hex)")
    return resolved.value.encode("utf-8"), resolved.secrets


class _Environment:
    """An environment of the project, with its settings from ``project.yaml › environments``."""

    def __init__(self, project: Project, name: str):
        self.project, self.name = project, name
        self.settings = environment_settings(project, name)


class SqlEnvironment(_Environment):
    kind = "sql"

    def describe(self) -> str:
        return f"sql environment {self.name} ({redact(self.settings.url or '')})"

    def import_contacts(self, contacts: pd.DataFrame, *, run_id: str, deliverable_id: str,
                        on_batch: Callable[[int, int], None] | None = None,
                        on_wait: Callable[[], None] | None = None) -> ImportResult:
        from stx_migrate.migration.store.importer import import_contacts

        store = open_environment_store(self.project, self.name)
        try:
            return import_contacts(store, contacts, run_id=run_id, deliverable_id=deliverable_id,
                                   batch_rows=self.settings.batch_rows, on_batch=on_batch, on_wait=on_wait)
        finally:
            store.dispose()


class FileDropEnvironment(_Environment):
    kind = "file-drop"

    def __init__(self, project: Project, name: str):
        super().__init__(project, name)
        folder = Path(self.settings.path)
        self.folder = folder if folder.is_absolute() else project.folder / folder

    def describe(self) -> str:
        return f"file-drop environment {self.name} ({self.folder})"

    def target(self) -> str:
        return str(self.folder)

    def deliver(self, files: list[tuple[Path, str]]) -> list[DeliveredFile]:
        """Copy each (local file, name) in order, each under a temporary name then renamed; the
        import file (the first) gets ``<name>.sha256`` beside it, written after it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        delivered = []
        for position, (source, name) in enumerate(files):
            target = self.folder / name
            digest = hashlib.sha256()
            tmp = self.folder / f".{name}.part"
            with open(source, "rb") as src, open(tmp, "wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    digest.update(block)
                    dst.write(block)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, target)
            if position == 0:
                checksum = self.folder / f"{name}.sha256"
                tmp_sum = self.folder / f".{checksum.name}.part"
                tmp_sum.write_text(f"{digest.hexdigest()}  {name}\n", encoding="ascii")
                os.replace(tmp_sum, checksum)
            delivered.append(DeliveredFile(name=name, sha256=digest.hexdigest(), size=target.stat().st_size,
                                           checked="local copy"))
        return delivered


ENVIRONMENT_KINDS = {"sql": SqlEnvironment, "file-drop": FileDropEnvironment}
DELIVERY_KINDS = ("file-drop", "sftp")   # SecuTix's own importer takes the file: a delivery, then its log


def open_environment(project: Project, env: str):
    """The environment ``env`` of the project, by its kind (sftp imports paramiko only when used)."""
    settings = environment_settings(project, env)
    if settings.kind == "sftp":
        from .sftp import SftpEnvironment

        return SftpEnvironment(project, env)
    return ENVIRONMENT_KINDS[settings.kind](project, env)
