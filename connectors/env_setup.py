"""``stx-migrate env setup``: an emulated SecuTix environment set up for a project, or copied from another.

Without ``from_env`` the environment gets the project's institution (with its country
and language), its organization and the reference data of the project's ``reference.yaml``
(titles, languages, structure types, criteria…: what SecuTix holds before an import).
With ``from_env`` (``--from prod``) it gets what that environment holds: step 11's copy
of production into pre-production. Either way what was there is kept, and a second run
adds nothing. Only ``sql`` environments (the emulated stores) can be set up here; a real
SecuTix is set up by SecuTix.
"""
from __future__ import annotations

from pathlib import Path

from stx_migrate.migration.environment_setup import EnvironmentSetup, missing_from
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.store.setup_io import read_setup, write_setup

from .environments import environment_settings, open_environment_store, store_url

REFERENCE_FILE = "reference.yaml"


def _sql_only(project: Project, env: str) -> None:
    settings = environment_settings(project, env)
    if settings.kind != "sql":
        raise ConfigError(f"{project.folder / 'project.yaml'} › environments › {env} › kind: {settings.kind} "
                          "cannot be set up from here (allowed: sql, an emulated store)")


def store_exists(project: Project, env: str) -> bool:
    """False for a SQLite store whose file does not exist yet (a server store is taken as existing)."""
    url, _ = store_url(project, env)
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


def project_setup(project: Project) -> EnvironmentSetup:
    """What the project's environments must hold: its institution, organization and ``reference.yaml``."""
    path = project.folder / REFERENCE_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: file not found (the target's code lists: titles, languages, structure_types, "
                          "criteria…; see config/demo/reference.yaml)")
    config = project.config
    return EnvironmentSetup(institutions={config.institution: (config.country, config.language)},
                            organizations=frozenset({config.organization}), reference=load_reference(path))


def read_environment_setup(project: Project, env: str) -> EnvironmentSetup:
    """What ``env`` holds now (an empty set-up for a store that does not exist yet)."""
    _sql_only(project, env)
    if not store_exists(project, env):
        return EnvironmentSetup()
    store = open_environment_store(project, env)
    try:
        return read_setup(store)
    finally:
        store.dispose()


def setup_environment(project: Project, env: str, from_env: str | None = None) -> dict:
    """Set up ``env`` (see the module); returns what it holds afterwards and what was copied from where."""
    _sql_only(project, env)
    if from_env is not None:
        if from_env == env:
            raise ConfigError(f"--from {from_env}: an environment cannot be copied onto itself")
        _sql_only(project, from_env)
        if not store_exists(project, from_env):
            raise ConfigError(f"environment {from_env} does not exist yet: set it up first "
                              f"(stx-migrate env setup --project {project.folder} --env {from_env})")
        wanted = read_environment_setup(project, from_env)
    else:
        wanted = project_setup(project)
    store = open_environment_store(project, env)
    try:
        write_setup(store, wanted)
        held = read_setup(store)
    finally:
        store.dispose()
    return {"environment": env, "from": from_env or REFERENCE_FILE, "holds": held.counts(),
            "missing": missing_from(held, wanted, env, from_env or REFERENCE_FILE)}


def compare_environments(project: Project, env: str, reference_env: str = "prod") -> list[str]:
    """What ``reference_env`` holds that ``env`` lacks (step 11's check); empty when the copy is complete."""
    return missing_from(read_environment_setup(project, env), read_environment_setup(project, reference_env),
                        env, reference_env)
