"""Artifacts and log redaction against a real Prefect API (the harness server)."""
from __future__ import annotations

import logging
import time

import pandas as pd
import pytest

from stx_migrate.tasks.artifacts import (
    artifact_key, publish_file_links, publish_gate_report, publish_progress, publish_rejects_by_code, publish_summary,
)
from stx_migrate.tasks.logging import install_redaction, redact


@pytest.mark.parametrize("text, expected", [
    ("mail marie.dupont@example.ch now", "mail <email> now"),
    ("call +41 79 123 45 67 or 06 12 34 56 78", "call <phone> or <phone>"),
    ("0041791234567", "<phone>"),
    ("1000000 rows in 12.5 s, run 20261125T144512123Z-3fa2c1", "1000000 rows in 12.5 s, run 20261125T144512123Z-3fa2c1"),
    ("hash 0a12345678901234bc, date 2027-03-01, ref clients:0612345678x", "hash 0a12345678901234bc, date 2027-03-01, ref clients:0612345678x"),
])
def test_redact_replaces_emails_and_phones_only(text, expected):
    assert redact(text) == expected


def test_artifact_key_is_valid_for_prefect():
    assert artifact_key("Théâtre_du Lac", "J-1", "diff") == "th-tre-du-lac-j-1-diff"
    with pytest.raises(ValueError):
        artifact_key("__")


def test_helpers_do_nothing_outside_a_run(tmp_path):
    assert publish_summary("x", {"rows_in": 1, "valid": 1}) is None
    progress = publish_progress("x", 10)
    progress.advance(5)
    assert progress.id is None and progress.percent == 50


def test_artifacts_and_redacted_logs_reach_the_api(prefect_api, tmp_path):
    from prefect import flow, get_client, get_run_logger
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId

    (tmp_path / "contacts.csv").write_text("x")
    findings = pd.DataFrame({"code": ["EMAIL_INVALID", "EMAIL_INVALID", "TITLE_UNKNOWN"],
                             "severity": ["error", "error", "warning"]})

    @flow(name="artifact-probe")
    def probe():
        install_redaction()
        get_run_logger().warning("bad value marie@example.com in clients:12")
        logging.getLogger("stx_migrate.migration.probe").warning("phone +33 6 12 34 56 78 in clients:13")
        publish_summary("probe-summary", {"rows_in": 3, "valid": 1, "rejected": 2, "reasons": {"EMAIL_INVALID": 2}})
        publish_rejects_by_code("probe-rejects", findings)
        publish_gate_report("probe-gate", False, ["reject rate 66.7% > 5.0%"], [{"check": "reject_rate", "value": 0.667, "passed": False},
                                                                          {"check": "fill_rate", "value": 1, "passed": True}])
        publish_file_links("probe-files", {"contacts.csv": tmp_path / "contacts.csv", "gone.xlsx": tmp_path / "gone.xlsx"})
        progress = publish_progress("probe-progress", 4)
        for _ in range(4):
            progress.advance()
        from prefect.runtime import flow_run
        return str(flow_run.id)

    run_id = probe()
    with get_client(sync_client=True) as client:
        arts = {a.key: a for a in client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))) if a.key}
        logs = []
        for _ in range(100):  # the API log handler ships batches in the background
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            if len(logs) >= 2:
                break
            time.sleep(0.1)
    assert set(arts) == {"probe-summary", "probe-rejects", "probe-gate", "probe-files", "probe-progress"}
    assert arts["probe-progress"].data == 100
    assert "FAILED" in arts["probe-gate"].data and "reject rate" in arts["probe-gate"].data
    assert "| reject_rate | 0.667 | ✗ |" in arts["probe-gate"].data and "| fill_rate | 1 | ✓ |" in arts["probe-gate"].data
    assert "True" not in arts["probe-gate"].data and "False" not in arts["probe-gate"].data
    # files: where they are from the workspace folder, not a machine's absolute path
    assert "* gone.xlsx: missing (`gone.xlsx`)" in arts["probe-files"].data
    assert "* contacts.csv: `contacts.csv`" in arts["probe-files"].data and str(tmp_path) not in arts["probe-files"].data
    summary = str(arts["probe-summary"].data)
    assert "rows_in" in summary and "yes" in summary
    assert "EMAIL_INVALID" in str(arts["probe-rejects"].data)
    text = "\n".join(log.message for log in logs)
    assert "marie@example.com" not in text and "12 34 56 78" not in text
    # WARNING reaches the API even with the quiet test level; both loggers were captured
    assert "<email> in clients:12" in text
    assert "<phone> in clients:13" in text
