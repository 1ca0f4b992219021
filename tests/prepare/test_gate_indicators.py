"""The gate shows each indicator's distribution and reconciles each aggregate's child rows (orphans apart)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.gate import evaluate_gate
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.settings import load_project

CASE = Path(__file__).parents[1] / "golden" / "aggregates_buckets"


def gate_of(tmp_path, edit=None):
    folder = shutil.copytree(CASE, tmp_path / "case", ignore=shutil.ignore_patterns("expected"))
    project = load_project(folder)
    snapshot = receive_snapshot(project).snapshot
    deliverable = prepare_deliverable(project, snapshot.path, None, [])
    if edit:
        edit(deliverable)
    return evaluate_gate(deliverable, project.config.gate, None, project.config.contact_numbers, []), deliverable


def test_each_indicator_shows_its_count_per_code(tmp_path, workspace_home):
    report, folder = gate_of(tmp_path)
    found = {d.column: (d.source, d.counts) for d in report.indicators}
    assert found["CRIT11"] == ("sales.orders", {"FREQUENCY=NEW": 3, "FREQUENCY=NONE": 2, "FREQUENCY=OCCASIONAL": 1})
    assert found["CRIT12"] == ("sales.last_order", {"(empty)": 3, "RECENCY=CURRENT": 1, "RECENCY=LAPSED": 1,
                                                   "RECENCY=RECENT": 1})
    assert len(found) == 13                                     # every column that reads the aggregate
    check = {c.name: c for c in report.checks}["aggregate sales rows"]
    assert (check.passed, check.value, check.limit) == (True, "8 + 2", "10")
    text = (folder / "gate.md").read_text(encoding="utf-8")
    assert "## Indicators" in text and "### CRIT11 (from sales.orders)" in text and "| FREQUENCY=NEW | 3 |" in text
    saved = json.loads((folder / "gate.json").read_text(encoding="utf-8"))
    assert saved["indicators"][10]["counts"] == {"FREQUENCY=NEW": 3, "FREQUENCY=NONE": 2, "FREQUENCY=OCCASIONAL": 1}


def test_child_rows_that_do_not_reconcile_refuse_the_gate(tmp_path, workspace_home):
    def lose_a_row(folder):
        path = folder / "summary.json"
        summary = json.loads(path.read_text(encoding="utf-8"))
        summary["aggregates"]["sales"]["orphans"] = 1
        path.write_text(json.dumps(summary), encoding="utf-8")

    report, _ = gate_of(tmp_path, lose_a_row)
    assert not report.passed
    assert any(r.startswith("aggregate sales rows: 8 + 1 (limit 10)") for r in report.reasons)


def test_the_snapshot_profile_counts_each_aggregates_orphans_at_receive(tmp_path, workspace_home):
    folder = shutil.copytree(CASE, tmp_path / "case", ignore=shutil.ignore_patterns("expected"))
    profile = receive_snapshot(load_project(folder)).snapshot.profile()
    assert profile["orders"]["orphans"] == [{"aggregate": "sales", "key": "CLIENT", "main_dataset": "clients",
                                             "main_key": "ID", "orphans": 2}]   # client 999 and the line without a client
    assert profile["clients"]["orphans"] == []
