"""What prepare and dedup read from a target environment: its catalogue and its contacts.

Every read goes through :func:`~.environments.read_environment_store` (one URL, secrets
scrubbed, a SQLite file never created just to be read).
"""
from __future__ import annotations

import logging

import pandas as pd

from stx_migrate.migration.errors import ConfigError, StxError
from stx_migrate.migration.reference import ReferenceData, load_reference
from stx_migrate.migration.settings.project import Project

from .environments import read_environment_store

REFERENCE_FILE = "reference.yaml"
log = logging.getLogger("stx_migrate.prepare")


def target_catalogue(project: Project, env: str | None) -> tuple[ReferenceData | None, frozenset[str], str]:
    """The target's reference data and existing contact numbers, and where they came from.

    The environment ``env`` (default: ``dev``, else the first one) when it is a ``sql``
    store that holds reference data; otherwise the project's ``reference.yaml`` (no
    existing numbers known); otherwise nothing (the gate then says so).
    """
    envs = project.config.environments
    name = env or ("dev" if "dev" in envs else next(iter(envs), None))
    numbers: frozenset[str] = frozenset()
    if name is not None and name in envs and envs[name].kind == "sql" and envs[name].url:
        try:
            reference, numbers = read_environment_store(project, name, _catalogue) or (None, frozenset())
            if reference is not None:
                return reference, numbers, f"environment {name}"
        except StxError as e:
            log.warning("environment %s not readable for the gate's preconditions (%s)", name, type(e).__name__)
    path = project.folder / REFERENCE_FILE
    if path.is_file():
        return load_reference(path), numbers, REFERENCE_FILE
    return None, numbers, "none"


def _catalogue(store) -> tuple[ReferenceData | None, frozenset[str]]:
    reference = store.reference_data()
    numbers = store.existing_contact_numbers()
    empty = not (reference.structure_types or reference.criteria)
    return (None if empty else reference), numbers


def existing_contacts(project: Project, env: str | None) -> pd.DataFrame | None:
    """The contacts already in environment ``env``, for prepare's dedup to match against (None: nothing to match).

    Only when prepare was given ``env`` explicitly, dedup is enabled with ``match_existing``,
    and ``env`` is a ``sql`` environment whose store exists (it is never created here).
    A store that cannot be read is an error (a silent fallback would insert duplicates).
    """
    config = project.config
    if env is None or not (config.dedup.enabled and config.dedup.match_existing):
        return None
    settings = config.environments.get(env)
    if settings is None or settings.kind != "sql" or not settings.url:
        return None
    return read_environment_store(project, env, lambda store: store.export_contacts())


def environment_contacts(project: Project, env: str) -> pd.DataFrame | None:
    """The contacts of the ``sql`` environment ``env`` that the ``dedup`` command matches against
    (index ``<env>:<contact_nr>``; None when its SQLite file does not exist yet)."""
    settings = project.config.environments.get(env)
    if settings is None:
        known = ", ".join(project.config.environments) or "none"
        raise ConfigError(f"project.yaml › environments: no environment {env!r} (allowed: {known})")
    if settings.kind != "sql":
        raise ConfigError(f"project.yaml › environments › {env}: kind {settings.kind} holds no contacts to match "
                          "against (allowed: sql)")
    return read_environment_store(project, env, lambda store: store.export_contacts())
