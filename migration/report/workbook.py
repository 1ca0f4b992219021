"""``report.xlsx``: the customer's report of a deliverable or of the production import, in their language.

Sheets: the counts (rows in, imported, rejected, merged, dropped, and the check that
imported + not imported = rows in), every reason in plain words with its row count, the
rows to fix with their reason, the duplicates and the contact each was merged into, and
the rows a rule left out. It is built from the files of the folders (rejects.csv,
duplicates.csv, dropped.csv, and the import's rejects.csv for production), so a report
says what those files say. The same inputs give the same bytes (fixed creation date).

Written by :mod:`..secutix_file.xlsx_book`, a chunk of rows at a time over whole columns (the
~300k dropped rows and ~200k rows to fix of a 1M-row source in seconds; XlsxWriter took ~20 s).
Every text is a text cell, never a formula; an empty text is an empty cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from ..deliverable import MANIFEST, read_manifest_identity
from ..secutix_file.xlsx_book import BOLD, BookSheet, write_book
from ..text_arrays import text_column
from .words import column_label, reason_text, word

REPORT_FILE = "report.xlsx"
DROPPED_FILE = "dropped.csv"
MAX_SHEET_ROWS = 1_048_000    # Excel's limit is 1,048,576 rows; the rest is said, not written


@dataclass
class ReportInput:
    """What a report shows. ``findings``: rows of rejects.csv (plus ``stage``); counts as in summary.json."""

    language: str
    project: str
    deliverable_id: str | None             # None in the deliverable's own report (a replay writes the same bytes)
    protocol_hash: str
    snapshot_id: str | None
    produced: datetime
    counts: dict[str, int]
    findings: pd.DataFrame
    duplicates: pd.DataFrame
    dropped: pd.DataFrame                     # source_ref, code
    header: dict[str, str] = field(default_factory=dict)


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not Path(path).exists():
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    return pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")


def read_folder_findings(folder: Path, stage: str) -> pd.DataFrame:
    frame = _read(Path(folder) / "rejects.csv", ["source_ref", "contact_nr", "column", "code", "severity", "message", "value"])
    return frame.assign(stage=stage)


def write_dropped(dropped: pd.Series, path: Path) -> None:
    """``dropped.csv``: every row a filter rule left out (source_ref, code), in source order."""
    frame = pd.DataFrame({"source_ref": dropped.index.astype("str"), "code": dropped.astype("str").to_numpy()})
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def deliverable_report(folder: Path, language: str, project: str, produced: datetime) -> ReportInput:
    """The report of a deliverable folder (its manifest or summary, rejects, duplicates, dropped rows)."""
    import json

    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    identity = read_manifest_identity(folder) if (folder / MANIFEST).exists() else None
    counts = {k: int(summary.get(k, 0)) for k in ("rows_in", "rejected", "merged", "dropped")}
    counts["imported"] = int(summary.get("valid", 0))
    return ReportInput(language=language, project=project, deliverable_id=folder.name,
                       protocol_hash=identity.protocol_hash if identity else "",
                       snapshot_id=identity.snapshot_id if identity else None,
                       produced=produced, counts=counts, findings=read_folder_findings(folder, "prepare"),
                       duplicates=_read(folder / "duplicates.csv", ["source_ref", "contact_nr", "survivor_ref",
                                                                    "survivor_contact_nr", "rule", "score"]),
                       dropped=_read(folder / DROPPED_FILE, ["source_ref", "code"]))


def with_import(report: ReportInput, import_folder: Path, import_counts: dict) -> ReportInput:
    """The production report: the deliverable's plus what the import itself refused."""
    refused = read_folder_findings(import_folder, "import")
    counts = dict(report.counts)
    counts["imported"] = sum(int(import_counts.get(k, 0)) for k in ("imported", "updated", "unchanged"))
    counts["import_refused"] = int(import_counts.get("not_imported", 0))
    return ReportInput(**{**report.__dict__, "counts": counts, "findings": pd.concat([report.findings, refused],
                                                                                       ignore_index=True)})


def not_imported_count(counts: dict[str, int]) -> int:
    return sum(int(counts.get(k, 0)) for k in ("rejected", "merged", "dropped", "import_refused"))


def write_report(report: ReportInput, path: Path) -> Path:
    """Write ``report.xlsx`` at ``path``; returns it."""
    lang = report.language
    dropped = report.dropped.assign(reason=_per_code(report.dropped["code"], lambda c: reason_text(c, lang)))
    sheets = [
        _counts_sheet(report), _reasons_sheet(report), _fix_sheet(report),
        _table(word("duplicates", lang),
               [word("row", lang), word("contact_nr", lang), word("merged_into", lang), word("contact_nr", lang),
                word("rule", lang), word("score", lang)],
               report.duplicates[["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]]),
        _table(word("dropped_rows", lang), [word("row", lang), word("rule", lang), word("reason", lang)],
               dropped[["source_ref", "code", "reason"]]),
    ]
    return write_book(path, sheets, title=word("report", lang), created=report.produced)


def _counts_sheet(report: ReportInput) -> BookSheet:
    lang, counts = report.language, report.counts
    rows: dict[int, list] = {1: [(word("report", lang), BOLD)]}
    info = [(word("project", lang), report.project), (word("deliverable", lang), report.deliverable_id or "—"),
            (word("snapshot", lang), report.snapshot_id or ""), (word("protocol", lang), report.protocol_hash[:12]),
            (word("produced", lang), report.produced.strftime("%Y-%m-%d %H:%M")), *report.header.items()]
    for r, (label, value) in enumerate(info, start=3):
        rows[r] = [label, str(value)]
    r = len(info) + 4
    rows[r] = [(word("counts", lang), BOLD)]
    lines = [("rows_in", counts.get("rows_in", 0)), ("imported", counts.get("imported", 0)),
             ("not_imported", not_imported_count(counts)), ("rejected", counts.get("rejected", 0)),
             ("merged", counts.get("merged", 0)), ("dropped", counts.get("dropped", 0))]
    if "import_refused" in counts:
        lines.append(("import_refused", counts["import_refused"]))
    for i, (key, value) in enumerate(lines, start=r + 1):
        rows[i] = [word(key, lang), int(value)]
    holds = counts.get("imported", 0) + not_imported_count(counts) == counts.get("rows_in", 0)
    rows[r + len(lines) + 2] = [f"{word('check', lang)}: {word('reconciles', lang)}", word("yes" if holds else "no", lang)]
    return BookSheet(word("counts", lang), rows, widths={0: 42, 1: 30})


def _reasons_sheet(report: ReportInput) -> BookSheet:
    lang, f = report.language, report.findings
    rows = [(code, sev, reason_text(code, lang), n) for (code, sev), n in
            f.groupby(["code", "severity"]).size().sort_values(ascending=False).items()] if len(f) else []
    rows += [("MERGED", "merged", reason_text("MERGED", lang), len(report.duplicates))] if len(report.duplicates) else []
    rows += [(code, "dropped", reason_text(code, lang), n) for code, n in report.dropped["code"].value_counts().items()]
    effect = {"error": word("error", lang), "warning": word("warning", lang), "merged": word("merged", lang),
              "dropped": word("dropped", lang)}
    frame = pd.DataFrame([(reason, effect.get(sev, sev), code, str(n)) for code, sev, reason, n in rows],
                         columns=["reason", "effect", "code", "rows"])
    return _table(word("reasons", lang), [word("reason", lang), word("severity", lang), word("code", lang),
                                          word("rows", lang)], frame, numeric={3})


def _fix_sheet(report: ReportInput) -> BookSheet:
    lang, f = report.language, report.findings
    f = f.sort_values("severity", kind="stable")          # errors (rows not imported) first
    stage = {s: word(f"stage_{s}", lang) for s in ("prepare", "import", "dedup")}
    effect = {"error": word("error", lang), "warning": word("warning", lang)}
    frame = pd.DataFrame({
        "source_ref": f["source_ref"], "contact_nr": f["contact_nr"],
        "column": _per_code(f["column"], lambda c: f"{c} ({column_label(c, lang)})" if c else ""),
        "reason": _per_code(f["code"], lambda c: reason_text(c, lang)),
        "effect": f["severity"].map(effect).fillna(f["severity"]),
        "value": f["value"], "stage": f["stage"].map(stage).fillna(f["stage"]), "code": f["code"]})
    return _table(word("to_fix", lang), [word("row", lang), word("contact_nr", lang), word("column", lang),
                                         word("reason", lang), word("severity", lang), word("value", lang),
                                         word("stage", lang), word("code", lang)], frame)


def _per_code(values: pd.Series, text) -> pd.Series:
    """``values.map(text)``, calling ``text`` once per distinct value (a few codes over ~10^5 rows)."""
    distinct = pd.unique(values.to_numpy(dtype=object))
    return values.map(dict(zip(distinct, map(text, distinct))))


def _table(title: str, headers: list[str], frame: pd.DataFrame, numeric: set[int] = frozenset()) -> BookSheet:
    """A sheet of a bold header row and ``frame``'s rows as text (``numeric`` columns as numbers: a small
    frame, built in Python), cut after :data:`MAX_SHEET_ROWS` rows with a line saying how many more."""
    sheet = BookSheet(title, {1: [(h, BOLD) for h in headers]}, widths={c: 18 if c else 22 for c in range(len(headers))})
    shown = frame.iloc[:MAX_SHEET_ROWS]
    if numeric:
        for r, row in enumerate(shown.astype("str").itertuples(index=False), start=2):
            sheet.rows[r] = [int(v) if c in numeric else v for c, v in enumerate(row)]
    else:
        sheet.table = [text_column(shown[column]) for column in shown.columns]
    if len(frame) > MAX_SHEET_ROWS:
        sheet.rows[MAX_SHEET_ROWS + 2] = [f"… {len(frame) - MAX_SHEET_ROWS} more: see the CSV files"]
    return sheet
