"""``stx-migrate env reset``: an emulated environment emptied of what imports put in it, for a new trial.

The procedure's "trial import, fix, repeat": the first trial's contacts hold the numbers the
next trial brings again, so the next trial needs the store as ``env setup`` left it
(``migration/store/reset.py`` says what goes and what stays). Refused for a production
environment (``prod``, or ``production: true``) and for any environment that is not an
emulated ``sql`` store (a real SecuTix environment is SecuTix's to empty). Each reset is
recorded in the procedure journal (``env-reset``: the environment and the counts, no person).
"""
from __future__ import annotations

from collections.abc import Callable

from stx_migrate.migration.errors import GuardRefused
from stx_migrate.migration.procedure.state import Event, record_event
from stx_migrate.migration.settings.environments import is_production
from stx_migrate.migration.settings.project import Project
from stx_migrate.migration.workspace import Workspace

from .env_setup import store_exists
from .environments import environment_settings, read_environment_store


def check_resettable(project: Project, env: str) -> None:
    """GuardRefused (exit 1) when ``env`` must not be reset from here; ConfigError when it is not declared."""
    settings = environment_settings(project, env)
    if is_production(env, settings):
        raise GuardRefused(f"{env} is a production environment (prod, or production: true in project.yaml): "
                           "it is never reset")
    if settings.kind != "sql":
        raise GuardRefused(f"{env} is a {settings.kind} environment: its contacts are in SecuTix, which alone can "
                           "remove them; only an emulated sql store is reset from here")


def contacts_held(project: Project, env: str) -> int | None:
    """The contacts ``env`` holds (None: its SQLite store does not exist yet, nothing to reset)."""
    check_resettable(project, env)
    return read_environment_store(project, env, lambda store: store.count("contact"))


def reset_environment(project: Project, env: str, expected_contacts: int | None = None,
                      on_wait: Callable[[], None] | None = None) -> dict[str, int]:
    """Empty ``env`` (one transaction) and journal it; returns the rows removed, by kind ({}: no store yet).

    ``expected_contacts`` (what the user confirmed) must still be the count, or nothing is removed.
    An import running into ``env`` ends first (``on_wait()`` is called once if the reset waits for one).
    The journal hears of the reset before the store is touched (once its writers' lock is held and the
    count confirmed: a wait given up, or a count that changed, touched nothing and voids nothing): a reset killed right after its
    commit must still void the imports it removed (the guards err on the safe side: a reset that
    failed voids them too, and the environment is imported again).
    """
    from stx_migrate.migration.store.reset import reset_store

    check_resettable(project, env)
    if not store_exists(project, env):
        return {}
    procedure_dir = Workspace(project.config.name).procedure_dir
    started: list[Event] = []

    def reset(store):   # once the store is open and its writers' lock held: an unreachable server, or a wait
        return reset_store(store, expected_contacts, on_wait, on_locked=lambda: started.append(   # given up, voids nothing
            record_event(procedure_dir, Event(kind="env-reset", env=env, detail="started"))))

    try:
        counts = read_environment_store(project, env, reset)
    except Exception as e:
        if started:
            record_event(procedure_dir, Event(kind="env-reset", ok=False, env=env,
                                              detail=f"failed ({type(e).__name__}): nothing removed"))
        raise
    record_event(procedure_dir, Event(kind="env-reset", env=env,
                                      detail=", ".join(f"{what} {n}" for what, n in counts.items())))
    return counts
