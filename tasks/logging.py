"""Keep personal data out of logs: a redaction filter on Prefect's run loggers and ours.

Logs are stored on the Prefect server and shown to everyone who opens a run. Code
should log counts, codes and row references only; this filter is the safety net
for the day someone logs a value: e-mail addresses become ``<email>`` and phone
numbers ``<phone>`` before any handler (console or API) sees the record.

:func:`install_redaction` is idempotent; flows call it at their start, and it also
attaches Prefect's API handlers to the ``stx_migrate`` loggers so that the pure
core's logging lands on the run page (``PREFECT_LOGGING_EXTRA_LOGGERS=stx_migrate``
does the same for processes that set it before importing Prefect).
"""
from __future__ import annotations

import logging
import os
import re

EXTRA_LOGGER = "stx_migrate"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number starts with +, 00 or 0 and has at least 8 more digits, with the usual
# separators; counts, dates, ids and hashes (which do not start that way, or are glued
# to letters) are left alone.
PHONE = re.compile(r"(?<![\w+])(?:\+|0)\d(?:[ .\-/()]{0,2}\d){7,}(?!\w)")


def redact(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers replaced by placeholders."""
    return PHONE.sub("<phone>", EMAIL.sub("<email>", text))


class RedactPersonalData(logging.Filter):
    """Rewrite a record's message (and its formatted traceback) with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_stx_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the record as it is
            return True
        record.msg, record.args = redact(message), None
        if _is_refusal(record.exc_info):   # a guard's or a gate's answer, not a crash: its reasons, no traceback
            record.exc_info, record.exc_text = None, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record._stx_redacted = True
        return True


def _is_refusal(exc_info) -> bool:
    from stx_migrate.migration.errors import StxError

    error = exc_info[1] if isinstance(exc_info, tuple) else exc_info
    return isinstance(error, StxError) and error.exit_code == 1


class _InRunOnly(logging.Handler):
    """Forward to Prefect's API handler only inside a run (outside, the CLI's stderr suffices)."""

    def __init__(self, target: logging.Handler):
        super().__init__(level=target.level)
        self.target = target
        self.addFilter(RedactPersonalData())

    def emit(self, record: logging.LogRecord) -> None:
        from prefect.context import FlowRunContext, TaskRunContext

        if FlowRunContext.get() is not None or TaskRunContext.get() is not None:
            self.target.handle(record)


_FILTER = RedactPersonalData()
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
_HANDLER_LOGGERS = ("", "prefect", "prefect.flow_runs", "prefect.task_runs", "prefect.extra", EXTRA_LOGGER)


def _add_once(target: logging.Filterer) -> None:
    if not any(isinstance(f, RedactPersonalData) for f in target.filters):
        target.addFilter(_FILTER)


def install_redaction() -> None:
    """Install the filter on Prefect's run loggers, on the handlers they and ``stx_migrate`` use.

    Handler-level filters cover child loggers (``stx_migrate.migration.…``) whose records
    propagate without passing their parents' logger filters. Safe to call many times.
    """
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", EXTRA_LOGGER)
    ours = logging.getLogger(EXTRA_LOGGER)
    if ours.level == logging.NOTSET:
        ours.setLevel(logging.INFO)
    from .orchestrator import prefect_loaded
    from .plain import is_plain

    if is_plain() and not prefect_loaded():   # a plain run: no Prefect logger or handler to cover
        for handler in logging.getLogger().handlers:
            _add_once(handler)
        return
    # what PREFECT_LOGGING_EXTRA_LOGGERS would have done, had it been set before `import prefect`
    import prefect  # noqa: F401  (sets up Prefect's logging config)

    if not any(isinstance(h, _InRunOnly) for h in ours.handlers):
        for handler in logging.getLogger("prefect.extra").handlers:
            ours.addHandler(_InRunOnly(handler))
    for name in _RUN_LOGGERS:
        _add_once(logging.getLogger(name))
    for name in _HANDLER_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            _add_once(handler)


def get_logger(name: str = "") -> logging.Logger:
    """A logger under ``stx_migrate`` (what migration/ and connectors/ should use)."""
    return logging.getLogger(f"{EXTRA_LOGGER}.{name}" if name else EXTRA_LOGGER)
