"""report.xlsx in a deliverable: the customer's counts, reasons, rows to fix, merges and dropped rows, in their language."""
from __future__ import annotations

import openpyxl
import pandas as pd

from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.report.words import reason_text
from stx_migrate.migration.settings import load_project


def _sheets(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def _count(rows, label):
    return next(r[1] for r in rows if r[0] == label)


def test_the_report_holds_every_row_in_the_projects_language(demo_project, demo_snapshot):
    text = (demo_project / "project.yaml").read_text().replace("language: fr", "language: de")
    (demo_project / "project.yaml").write_text(text)
    project = load_project(demo_project)
    folder = prepare_deliverable(project, demo_snapshot.path, load_reference(demo_project / "reference.yaml"), [])
    summary, rejects = Deliverable(folder).summary(), Deliverable(folder).rejects()
    sheets = _sheets(folder / "report.xlsx")
    assert list(sheets) == ["Zahlen", "Gründe", "Zu korrigierende Zeilen", "Zusammengeführte Dubletten",
                            "Ausgeschlossene Zeilen"]
    counts = sheets["Zahlen"]
    assert _count(counts, "Erhaltene Zeilen") == summary.rows_in == 600
    assert _count(counts, "Importiert") == summary.valid
    assert _count(counts, "Nicht importiert") == summary.rejected + summary.merged + summary.dropped
    assert _count(counts, "Durch eine Regel ausgeschlossen") == summary.dropped > 0
    assert counts[-1] == ("Kontrolle: importiert + nicht importiert = erhaltene Zeilen", "ja")
    # every finding is a row to fix, errors first, with its reason in words
    to_fix = pd.DataFrame(sheets["Zu korrigierende Zeilen"][1:], columns=sheets["Zu korrigierende Zeilen"][0])
    assert len(to_fix) == len(rejects)
    assert set(to_fix["Zeile (Referenz)"]) == set(rejects["source_ref"])
    assert (to_fix["Wirkung"].iloc[: (rejects["severity"] == "error").sum()] == "Zeile nicht importiert").all()
    first = to_fix[to_fix["Code"] == "NAME_MISSING"].iloc[0]
    assert first["Grund"] == reason_text("NAME_MISSING", "de")
    # reasons: one line per code and effect, with the counts of the summary
    reasons = {r[2]: r[3] for r in sheets["Gründe"][1:] if r[1] != "Wert korrigiert, Zeile importiert"}
    for code in ("RETENTION", "DELETED_ACCOUNT", "NAME_MISSING"):
        assert reasons[code] == summary.reasons[code]
    assert reasons.get("MERGED", 0) == summary.merged
    merged = sheets["Zusammengeführte Dubletten"][1:]
    duplicates = Deliverable(folder).duplicates()
    assert [(r[0], r[2]) for r in merged] == list(zip(duplicates["source_ref"], duplicates["survivor_ref"]))
    dropped = sheets["Ausgeschlossene Zeilen"][1:]
    assert len(dropped) == summary.dropped
    assert {r[1] for r in dropped} == {"RETENTION", "DELETED_ACCOUNT"}
    assert pd.read_csv(folder / "dropped.csv", dtype=str)["source_ref"].tolist() == [r[0] for r in dropped]
