"""Prefect's decorators and run helpers, or plain stand-ins when this process runs its flows plainly.

Importing Prefect costs about 1.5 s of CPU, in every command. A plain run
(``deployments/run_mode.py``) never uses it, so when the plain mode was chosen before
the flow and task modules are imported, :func:`flow` and :func:`task` return
:class:`PlainCall` objects and Prefect is not imported at all. Otherwise (a server, a
test harness, mode not chosen yet) they are Prefect's own flows and tasks: a run on a
server records exactly what it did before. Flows and tasks import these names instead
of Prefect's.
"""
from __future__ import annotations

import contextlib
import functools
import logging
import sys
from typing import Any

from .plain import is_plain

NO_CACHE = "NO_CACHE"   # stands for prefect.cache_policies.NO_CACHE in decorator options


def _prefect_options(options: dict[str, Any]) -> dict[str, Any]:
    if options.get("cache_policy") == NO_CACHE:
        from prefect.cache_policies import NO_CACHE as prefect_no_cache

        options = {**options, "cache_policy": prefect_no_cache}
    return options


class PlainCall:
    """A flow or task of a plain run: calling it calls its function (``.fn``), as Prefect's would in a plain run.

    Anything else (``deploy``, ``with_options``…) is the Prefect object's, built on first use.
    """

    def __init__(self, fn, decorator: str, options: dict[str, Any]):
        functools.update_wrapper(self, fn)
        self.fn, self.name = fn, options.get("name") or fn.__name__
        self._decorator, self._options, self._prefect = decorator, options, None

    def __call__(self, *args, **kwargs):
        kwargs.pop("return_state", None)
        return self.fn(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr.startswith("__") or attr in ("_decorator", "_options", "_prefect"):
            raise AttributeError(attr)
        if self._prefect is None:
            import prefect

            self._prefect = getattr(prefect, self._decorator)(**_prefect_options(self._options))(self.fn)
        return getattr(self._prefect, attr)


def _decorator(kind: str, options: dict[str, Any]):
    def decorate(fn):
        if is_plain():
            return PlainCall(fn, kind, options)
        import prefect

        return getattr(prefect, kind)(**_prefect_options(options))(fn)

    return decorate


def flow(**options):
    """``@prefect.flow(**options)``, or a :class:`PlainCall` in a plain run."""
    return _decorator("flow", options)


def task(**options):
    """``@prefect.task(**options)`` (``cache_policy=NO_CACHE`` allowed), or a :class:`PlainCall` in a plain run."""
    return _decorator("task", options)


def tags(*names: str):
    """``prefect.tags(*names)``; nothing to tag in a plain run."""
    if is_plain():
        return contextlib.nullcontext()
    from prefect import tags as prefect_tags

    return prefect_tags(*names)


def get_run_logger():
    """The run's logger; in a plain run, ``stx_migrate.run`` (what the terminal shows)."""
    if is_plain():
        return logging.getLogger("stx_migrate.run")
    from prefect import get_run_logger as prefect_logger

    return prefect_logger()


def prefect_loaded() -> bool:
    """Whether Prefect was imported in this process (if not, no flow or task run can exist in it, and
    no setting of it can have been changed in-process). The one test of it everywhere."""
    return "prefect" in sys.modules


def flow_run_id() -> str | None:
    """The id of the flow run this code runs in, or None (always None in a plain run)."""
    if not prefect_loaded():
        return None
    from prefect.runtime import flow_run

    return str(flow_run.id) if flow_run.id else None


def run_input_base():
    """The base class of a pause's form: Prefect's ``RunInput``; in a plain run (no pause) a pydantic model
    that validates the same way (extra fields forbidden)."""
    if is_plain() and not prefect_loaded():
        from pydantic import BaseModel, ConfigDict

        class PlainRunInput(BaseModel):
            model_config = ConfigDict(extra="forbid")

        return PlainRunInput
    from prefect.input import RunInput

    return RunInput
