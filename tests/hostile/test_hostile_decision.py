"""The validator's comment: kept whole in the decision record, redacted wherever others read it."""
from __future__ import annotations

import json
import os

import pytest

from stx_migrate.cli.main import main
from stx_migrate.migration.procedure import Event, load_state, record_event
from stx_migrate.migration.procedure.protocol_ref import protocol_file_hash
from stx_migrate.migration.workspace import Workspace

DEL1 = "20270201T000000000Z-d00001"
COMMENT = "  ok, call me at +41 79 123 45 67 or zoe.martin@example.org  "


@pytest.mark.prefect
def test_the_comment_is_trimmed_recorded_whole_and_redacted_in_the_ticket(tmp_path, workspace_home, prefect_api, capsys):
    from stx_migrate.config.demo_data import materialise_demo_project

    project = materialise_demo_project(tmp_path / "demo", rows=20)
    h = protocol_file_hash(project / "protocol.yaml")
    folder = workspace_home / "demo-theatre" / "deliverables" / DEL1   # what the decision reads of a deliverable
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"snapshot_id": "20270101T000000000Z-aaaaaa", "protocol_hash": h}))
    procedure = Workspace("demo-theatre").procedure_dir
    record_event(procedure, Event(kind="import", env="preprod", deliverable_id=DEL1, protocol_hash=h))
    assert main(["decide", "--project", str(project), "--approve", "--by", "  Claire  ", "--comment", COMMENT]) == 0
    capsys.readouterr()
    [decision] = load_state(procedure).decisions
    assert decision.by == "Claire" and decision.comment == COMMENT.strip()   # the record: whole, trimmed
    journal = (procedure / "ticket.jsonl").read_text(encoding="utf-8")
    assert "customer validation: approved by Claire" in journal
    assert "<phone>" in journal and "<email>" in journal
    assert "123 45 67" not in journal and "zoe.martin@example.org" not in journal
    assert all(json.loads(line) for line in journal.splitlines())


def test_the_cli_turns_prefect_telemetry_off():
    os.environ.pop("PREFECT_SERVER_ANALYTICS_ENABLED", None)
    main(["version"])
    assert os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"   # inherited by every server the CLI starts
