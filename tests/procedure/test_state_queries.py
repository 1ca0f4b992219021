"""The procedure state's queries a resumed procedure relies on, and the one manifest reader."""
import json

import pytest

from stx_migrate.migration.deliverable import read_manifest_identity
from stx_migrate.migration.procedure import Event, load_state, record_event
from stx_migrate.migration.procedure.milestones import run_time, scheduled_run, team_of

H1 = "a" * 64


def test_current_cycle_starts_after_the_last_closing(tmp_path):
    record_event(tmp_path, Event(kind="receive", snapshot_id="S1"))
    record_event(tmp_path, Event(kind="closed"))
    assert load_state(tmp_path).current_cycle().last("receive") is None
    record_event(tmp_path, Event(kind="receive", snapshot_id="S2"))
    record_event(tmp_path, Event(kind="receive", snapshot_id="S3", detail="j-1"))
    cycle = load_state(tmp_path).current_cycle()
    assert [e.kind for e in cycle.events] == ["receive", "receive"]
    assert cycle.last("receive", detail="").snapshot_id == "S2"      # a J-1 receive is not the procedure's own
    assert cycle.last("receive").snapshot_id == "S3"


def test_last_skips_failed_events_and_matches_every_field(tmp_path):
    record_event(tmp_path, Event(kind="import", env="dev", deliverable_id="D1"))
    record_event(tmp_path, Event(kind="import", env="prod", deliverable_id="D1", ok=False))
    state = load_state(tmp_path)
    assert state.last("import", env="prod") is None
    assert state.last("import", env="dev", deliverable_id="D1").env == "dev"
    assert state.last("import", env="dev", deliverable_id="D2") is None


def test_manifest_identity_is_typed(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"snapshot_id": "S1", "protocol_hash": H1, "later": 1}))
    manifest = read_manifest_identity(tmp_path)
    assert (manifest.snapshot_id, manifest.protocol_hash) == ("S1", H1)
    (tmp_path / "manifest.json").write_text(json.dumps({"protocol_hash": H1}))
    with pytest.raises(ValueError, match="snapshot_id"):
        read_manifest_identity(tmp_path)


def test_one_calendar_for_schedules_and_tags():
    from datetime import date, datetime, timezone

    j = date(2027, 3, 1)
    assert scheduled_run("refresh-j-1", j) == run_time(j, 1) == datetime(2027, 2, 28, 6, 0, tzinfo=timezone.utc)
    assert scheduled_run("import-production", j) == datetime(2027, 3, 1, 6, 0, tzinfo=timezone.utc)
    assert scheduled_run("import-preprod", j) is None      # a milestone, but started by hand
    assert (team_of("receive-data"), team_of("import-dev"), team_of("final-validation")) == ("vn", "adi", "pl")
