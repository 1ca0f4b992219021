"""Quiet failures: the terminal gets one line per problem, the workspace gets the tracebacks.

A project leader's terminal must never show a Python or Prefect traceback (exit codes:
0 done, 1 a gate or guard refused, 2 bad input or configuration, 3 an unexpected failure).
Prefect logs a failing task or flow with its traceback; here the console handler prints
such a record as its one message line plus where the traceback went, and an incident
log under ``<workspace>/logs/`` receives the full record. The log file is created only
when there is something to put in it.
"""
from __future__ import annotations

import logging
import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

from stx_migrate.migration.workspace import workspace_home
from stx_migrate.tasks.logging import redact

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Prefect's console look (its logging.yml), which a command's run logs have whether Prefect runs them or not
RUN_LOG_FORMAT, RUN_LOG_DATES = "%(asctime)s.%(msecs)03d | %(levelname)-7s | %(name)s - %(message)s", "%H:%M:%S"


class IncidentLog:
    """The log file of this command, opened on first use under ``<workspace>/logs/``."""

    def __init__(self) -> None:
        self._path: Path | None = None

    def start(self) -> None:
        """A new command: its incidents go to a new file (in-process callers run many commands)."""
        self._path = None

    @property
    def path(self) -> Path:
        folder = workspace_home() / "logs"
        if self._path is None or self._path.parent != folder:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            self._path = folder / f"stx-migrate-{stamp}-{os.getpid()}.log"
        return self._path

    def write(self, text: str) -> Path:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
        return self.path


INCIDENTS = IncidentLog()


class _ConsoleFormatter(logging.Formatter):
    """One line per record: a traceback goes to the incident log, the console says where."""

    def format(self, record: logging.LogRecord) -> str:
        if not (record.exc_info or record.exc_text or record.stack_info):
            return super().format(record).replace("\n", " ")
        saved = record.exc_info, record.exc_text, record.stack_info
        full = logging.Formatter(LOG_FORMAT).format(record)
        where = INCIDENTS.write(full)
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record).replace("\n", " ")
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        return f"{line} (traceback in {where})"


class _Stderr(logging.StreamHandler):
    """A stderr handler that follows ``sys.stderr`` (tests swap it between commands)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_ConsoleFormatter(LOG_FORMAT))

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it
        pass


def quiet_console(verbose: bool = False) -> None:
    """Route the CLI's logs to stderr, one line per record; idempotent."""
    logging.raiseExceptions = False   # a broken handler must not print "--- Logging error ---" and a traceback
    root = logging.getLogger()
    for handler in list(root.handlers):   # Prefect's own console handler prints tracebacks: ours replaces it
        if type(handler).__name__ == "PrefectConsoleHandler":
            root.removeHandler(handler)
    if not any(isinstance(h, _Stderr) for h in root.handlers):
        root.addHandler(_Stderr())
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for chatty in ("httpx", "httpcore", "urllib3", "alembic"):   # one line per call drowns the progress
        logging.getLogger(chatty).setLevel(logging.WARNING)


def plain_run_console() -> None:
    """A plain run without Prefect: the console as Prefect's logging set-up leaves it (its line format,
    other libraries at WARNING, ``stx_migrate`` at INFO), so a command's terminal reads the same."""
    quiet_console()
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, _Stderr):
            handler.setFormatter(_ConsoleFormatter(RUN_LOG_FORMAT, RUN_LOG_DATES))
    root.setLevel(logging.WARNING)
    ours = logging.getLogger("stx_migrate")
    if ours.level == logging.NOTSET:
        ours.setLevel(logging.INFO)


def no_telemetry() -> None:
    """Every Prefect server this process starts (temporary or the demo's) sends nothing out."""
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"


def unexpected(error: BaseException) -> str:
    """Record an unexpected failure's traceback; the one line the terminal shows instead."""
    text = "".join(traceback.format_exception(error))
    try:
        where = f"the traceback is in {INCIDENTS.write(text)}"
    except OSError as e:   # an unwritable workspace must not turn into a second traceback
        where = f"no log could be written ({e.strerror})"
    summary = redact(" ".join(str(error).split())[:200]) or "no message"
    return f"unexpected failure ({type(error).__name__}: {summary}); {where}"
