"""``report.xlsx``: the customer's report of a deliverable or of the production import, in their language.

Sheets: the counts (rows in, imported, rejected, merged, dropped, and the check that
imported + not imported = rows in), every reason in plain words with its row count, the
rows to fix with their reason, the duplicates and the contact each was merged into, and
the rows a rule left out. It is built from the files of the folders (rejects.csv,
duplicates.csv, dropped.csv, and the import's rejects.csv for production), so a report
says what those files say. The same inputs give the same bytes (fixed creation date).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..deliverable import MANIFEST, read_manifest_identity
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
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                           "strings_to_urls": False, "constant_memory": True})
    book.set_properties({"created": report.produced, "title": word("report", lang)})
    bold = book.add_format({"bold": True})
    try:
        _counts_sheet(book, report, bold)
        _reasons_sheet(book, report, bold)
        _fix_sheet(book, report, bold)
        _table(book, word("duplicates", lang), bold,
               [word("row", lang), word("contact_nr", lang), word("merged_into", lang), word("contact_nr", lang),
                word("rule", lang), word("score", lang)],
               report.duplicates[["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]])
        dropped = report.dropped.assign(reason=report.dropped["code"].map(lambda c: reason_text(c, lang)))
        _table(book, word("dropped_rows", lang), bold, [word("row", lang), word("rule", lang), word("reason", lang)],
               dropped[["source_ref", "code", "reason"]])
    finally:
        book.close()
    return Path(path)


def _counts_sheet(book, report: ReportInput, bold) -> None:
    lang, counts = report.language, report.counts
    sheet = book.add_worksheet(word("counts", lang)[:31])
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 1, 30)
    sheet.write(0, 0, word("report", lang), bold)
    info = [(word("project", lang), report.project), (word("deliverable", lang), report.deliverable_id or "—"),
            (word("snapshot", lang), report.snapshot_id or ""), (word("protocol", lang), report.protocol_hash[:12]),
            (word("produced", lang), report.produced.strftime("%Y-%m-%d %H:%M")), *report.header.items()]
    for r, (label, value) in enumerate(info, start=2):
        sheet.write_string(r, 0, label)
        sheet.write_string(r, 1, str(value))
    r = len(info) + 3
    sheet.write(r, 0, word("counts", lang), bold)
    lines = [("rows_in", counts.get("rows_in", 0)), ("imported", counts.get("imported", 0)),
             ("not_imported", not_imported_count(counts)), ("rejected", counts.get("rejected", 0)),
             ("merged", counts.get("merged", 0)), ("dropped", counts.get("dropped", 0))]
    if "import_refused" in counts:
        lines.append(("import_refused", counts["import_refused"]))
    for i, (key, value) in enumerate(lines, start=r + 1):
        sheet.write_string(i, 0, word(key, lang))
        sheet.write_number(i, 1, int(value))
    holds = counts.get("imported", 0) + not_imported_count(counts) == counts.get("rows_in", 0)
    sheet.write_string(r + len(lines) + 2, 0, f"{word('check', lang)}: {word('reconciles', lang)}")
    sheet.write_string(r + len(lines) + 2, 1, word("yes" if holds else "no", lang))


def _reasons_sheet(book, report: ReportInput, bold) -> None:
    lang, f = report.language, report.findings
    rows = [(code, sev, reason_text(code, lang), n) for (code, sev), n in
            f.groupby(["code", "severity"]).size().sort_values(ascending=False).items()] if len(f) else []
    rows += [("MERGED", "merged", reason_text("MERGED", lang), len(report.duplicates))] if len(report.duplicates) else []
    rows += [(code, "dropped", reason_text(code, lang), n) for code, n in report.dropped["code"].value_counts().items()]
    effect = {"error": word("error", lang), "warning": word("warning", lang), "merged": word("merged", lang),
              "dropped": word("dropped", lang)}
    frame = pd.DataFrame([(reason, effect.get(sev, sev), code, str(n)) for code, sev, reason, n in rows],
                         columns=["reason", "effect", "code", "rows"])
    _table(book, word("reasons", lang), bold, [word("reason", lang), word("severity", lang), word("code", lang),
                                               word("rows", lang)], frame, numeric={3})


def _fix_sheet(book, report: ReportInput, bold) -> None:
    lang, f = report.language, report.findings
    f = f.sort_values("severity", kind="stable")          # errors (rows not imported) first
    stage = {s: word(f"stage_{s}", lang) for s in ("prepare", "import", "dedup")}
    effect = {"error": word("error", lang), "warning": word("warning", lang)}
    frame = pd.DataFrame({
        "source_ref": f["source_ref"], "contact_nr": f["contact_nr"],
        "column": f["column"].map(lambda c: f"{c} ({column_label(c, lang)})" if c else ""),
        "reason": f["code"].map(lambda c: reason_text(c, lang)), "effect": f["severity"].map(effect).fillna(f["severity"]),
        "value": f["value"], "stage": f["stage"].map(stage).fillna(f["stage"]), "code": f["code"]})
    _table(book, word("to_fix", lang), bold, [word("row", lang), word("contact_nr", lang), word("column", lang),
                                              word("reason", lang), word("severity", lang), word("value", lang),
                                              word("stage", lang), word("code", lang)], frame)


def _table(book, title: str, bold, headers: list[str], frame: pd.DataFrame, numeric: set[int] = frozenset()) -> None:
    sheet = book.add_worksheet(title[:31])
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h, bold)
        sheet.set_column(c, c, 18 if c else 22)
    values = frame.astype("str").to_numpy()
    for r, row in enumerate(values[:MAX_SHEET_ROWS], start=1):
        for c, v in enumerate(row):
            if c in numeric:
                sheet.write_number(r, c, int(v))
            else:
                sheet.write_string(r, c, v)
    if len(values) > MAX_SHEET_ROWS:
        sheet.write_string(MAX_SHEET_ROWS + 1, 0, f"… {len(values) - MAX_SHEET_ROWS} more: see the CSV files")
