"""Prefect artifacts every step publishes: what a VN or ADI person reads in the UI.

Artifacts are stored verbatim on the server and shown to everyone who can open the UI,
so these helpers take **counts, codes and row references only** — never a name,
an e-mail or a phone number. Keys are lowercase letters, digits and dashes
(:func:`artifact_key` makes any text into one); a key gives a history across runs
in the UI (Artifacts › key), so keys name the project and the step, e.g.
``theatre-du-lac-prepare-summary``.

Outside a Prefect run (a plain function call, a unit test) every helper does
nothing and returns ``None``: the pure core can be exercised without a server.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

_KEY_ALLOWED = re.compile(r"[^a-z0-9-]+")


def artifact_key(*parts: object) -> str:
    """A valid artifact key from ``parts``: lowercase, other characters become dashes.

    >>> artifact_key("Theatre_du_Lac", "prepare", "summary")
    'theatre-du-lac-prepare-summary'
    """
    text = "-".join(str(p) for p in parts if p is not None and str(p) != "")
    key = _KEY_ALLOWED.sub("-", text.lower()).strip("-")
    key = re.sub(r"-{2,}", "-", key)
    if not key:
        raise ValueError("an artifact key needs at least one letter or digit")
    return key


def in_prefect_run() -> bool:
    """True inside a flow or task run (artifacts are attached to it)."""
    from .orchestrator import prefect_loaded

    if not prefect_loaded():   # a plain run: Prefect not even imported
        return False
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_table(key: str, rows: list[dict[str, Any]], description: str | None = None):
    """A table artifact from a list of dicts (one dict per line). Returns its id or None."""
    if not in_prefect_run():
        return None
    from prefect.artifacts import create_table_artifact

    return create_table_artifact(key=artifact_key(key), table=rows, description=description)


def publish_markdown(key: str, markdown: str, description: str | None = None):
    """A markdown artifact (reports, warnings). Returns its id or None."""
    if not in_prefect_run():
        return None
    from prefect.artifacts import create_markdown_artifact

    return create_markdown_artifact(key=artifact_key(key), markdown=markdown, description=description)


_LABELS = {"warnings": "warnings (rows with at least one; rejects.csv has a line per value)",
           "warning_lines": "warning lines in rejects.csv"}
_SUMMARY_FIELDS = ("rows_in", "valid", "rejected", "merged", "dropped", "warnings",
                   "imported", "updated", "unchanged", "not_imported")


def publish_summary(key: str, summary: Mapping[str, Any] | Any, description: str | None = None):
    """The step's counts as a table, with the reconciliation line a reviewer checks first.

    ``summary`` is a :class:`~stx_migrate.migration.summary.Summary` or the dict of
    ``summary.json``. Only the count fields of architecture §4 are shown (plus any other
    integer field); ``reasons`` goes to :func:`publish_rejects_by_code`.
    """
    data = summary.model_dump() if hasattr(summary, "model_dump") else dict(summary)
    rows = [{"count": _LABELS.get(name, name), "value": int(data[name])} for name in _SUMMARY_FIELDS if name in data]
    rows += [{"count": name, "value": int(value)} for name, value in data.items()
             if name not in _SUMMARY_FIELDS and isinstance(value, int) and not isinstance(value, bool)]
    if "rows_in" in data:
        total = sum(int(data.get(n, 0)) for n in ("valid", "rejected", "merged", "dropped"))
        rows.append({"count": "reconciles (rows_in = valid + rejected + merged + dropped)",
                     "value": "yes" if total == int(data["rows_in"]) else f"NO ({total})"})
    return publish_table(key, rows, description or "counts of this step")


def publish_rejects_by_code(key: str, reasons: Mapping[str, int] | Any, description: str | None = None,
                            empty: str = "No rejected or warned rows."):
    """Rejected / warned rows per reason code, largest first.

    ``reasons`` is ``summary.reasons`` (code → count) or a findings frame (the columns
    of ``rejects.csv``), in which case codes are counted per severity.
    """
    if hasattr(reasons, "groupby"):
        if len(reasons) == 0:
            rows: list[dict[str, Any]] = []
        else:
            counts = reasons.groupby(["code", "severity"]).size().sort_values(ascending=False)
            rows = [{"code": code, "severity": sev, "rows": int(n)} for (code, sev), n in counts.items()]
    else:
        rows = [{"code": code, "rows": int(n)} for code, n in sorted(dict(reasons).items(), key=lambda kv: -kv[1])]
    if not rows:
        return publish_markdown(key, empty, description or "rejects by code")
    return publish_table(key, rows, description or "rejects by code (details in rejects.csv)")


def publish_gate_report(key: str, passed: bool, reasons: Iterable[str] = (), checks: Iterable[Mapping[str, Any]] = (),
                        report_markdown: str | None = None):
    """The quality gate's verdict: PASSED/FAILED, why, and each check (name, value, threshold).

    ``report_markdown`` (the gate's own readable report), when given, is appended verbatim;
    it must itself hold counts and codes only.
    """
    lines = [f"# Quality gate: {'✓ PASSED' if passed else '✗ FAILED'}", ""]
    reasons = list(reasons)
    if reasons:
        lines += ["## Reasons", ""] + [f"* {r}" for r in reasons] + [""]
    checks = list(checks)
    if checks:
        columns = list(dict.fromkeys(k for c in checks for k in c))
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(c.get(col, "")) for col in columns) + " |" for c in checks]
        lines.append("")
    if report_markdown:
        lines += [report_markdown]
    return publish_markdown(key, "\n".join(lines), "quality gate")


def _cell(value: Any) -> str:
    """A table cell as a person reads it: ✓ / ✗ for yes / no, never Python's True / False."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return str(value)


def publish_file_links(key: str, files: Mapping[str, Path | str], title: str = "Deliverable files"):
    """The files of a run folder, as one markdown artifact: where each is in the workspace.

    Paths are given from the workspace folder (``STX_MIGRATE_HOME``), the same on every
    machine that shares it; a browser cannot open a ``file://`` link from the UI anyway.
    Missing files are listed as missing, so the artifact never lies.
    """
    from stx_migrate.migration.workspace import workspace_home

    home = workspace_home()
    lines = [f"# {title}", "", "In the workspace (`STX_MIGRATE_HOME`):", ""]
    for label, path in files.items():
        p = Path(path).resolve()
        shown = p.relative_to(home).as_posix() if p.is_relative_to(home) else p.name
        lines.append(f"* {label}: `{shown}`" if p.exists() else f"* {label}: missing (`{shown}`)")
    return publish_markdown(key, "\n".join(lines), title)


class Progress:
    """A progress artifact for a long step: ``advance(n)`` after each chunk.

    Outside a run, or when ``total`` is 0, it does nothing. Updates are throttled to
    whole percents so a million-row step does not flood the API.
    """

    def __init__(self, key: str, total: int, description: str | None = None):
        self.total, self.done, self._sent, self.id = max(int(total), 0), 0, -1, None
        if in_prefect_run():
            from prefect.artifacts import create_progress_artifact

            self.id = create_progress_artifact(progress=0.0, key=artifact_key(key), description=description)

    def advance(self, n: int = 1) -> None:
        self.done += int(n)
        self._send()

    def finish(self) -> None:
        self.done = self.total
        self._send()

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else min(100.0, 100.0 * self.done / self.total)

    def _send(self) -> None:
        whole = int(self.percent)
        if self.id is None or whole == self._sent:
            return
        from prefect.artifacts import update_progress_artifact

        update_progress_artifact(artifact_id=self.id, progress=float(whole))
        self._sent = whole


def publish_progress(key: str, total: int, description: str | None = None) -> Progress:
    """Start a progress artifact; call ``.advance(n)`` per chunk and ``.finish()`` at the end."""
    return Progress(key, total, description)
