"""The tasks' shared retry and error policy.

A task retries only an error that says a retry can help (``StxError.retriable``: a
source or environment out of reach); what reaches Prefect's state and logs is
:func:`~stx_migrate.migration.errors.public_error` of the error (no quoted value).
"""
from __future__ import annotations

from stx_migrate.migration.errors import StxError

RETRIES = {"retries": 2, "retry_delay_seconds": 5}


def retry_only_when_retriable(task, task_run, state) -> bool:
    try:
        state.result()
    except StxError as e:
        return e.retriable
    except Exception:
        return False
    return False


def retriable(**task_kwargs) -> dict:
    """Keyword arguments of ``@task`` for a step that retries only what may succeed the next time."""
    return {**RETRIES, "retry_condition_fn": retry_only_when_retriable, **task_kwargs}

