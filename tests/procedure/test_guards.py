"""Decision record, procedure journal and the guards built on them (no Prefect)."""
import json

import pytest

from stx_migrate.migration.procedure import (
    Decision, DeliverableRef, Event, load_state, production_guard, read_decisions, read_deliverable_ref,
    record_decision, record_event, refresh_guard,
)
from stx_migrate.migration.procedure.guards import close_guard, preprod_guard

H1, H2 = "a" * 64, "b" * 64


def decide(d, approved, h=H1, deliverable="D1", by="Claire"):
    record_decision(d, Decision(approved=approved, by=by, deliverable_id=deliverable, protocol_hash=h, snapshot_id="S1"))


def preprod(d, deliverable="D1", h=H1, ok=True):
    record_event(d, Event(kind="import", env="preprod", deliverable_id=deliverable, protocol_hash=h, ok=ok))


def test_decision_record_is_append_only_and_survives_a_torn_line(tmp_path):
    decide(tmp_path, True)
    decide(tmp_path, False)
    with open(tmp_path / "decisions.jsonl", "a") as f:
        f.write('{"approved": tr')            # a crash in the middle of a write
    decisions = read_decisions(tmp_path)
    assert [d.approved for d in decisions] == [True, False]
    assert decisions[0].protocol_hash == H1 and decisions[0].snapshot_id == "S1"
    lines = (tmp_path / "decisions.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["by"] == "Claire"


def test_production_allowed_when_gate_approval_and_preprod_hold(tmp_path):
    preprod(tmp_path)
    decide(tmp_path, True)
    refreshed = DeliverableRef(deliverable_id="D2", protocol_hash=H1, gate_passed=True)  # J-1 deliverable
    assert production_guard(load_state(tmp_path), refreshed) == []


def test_production_refused_without_approval_with_every_reason(tmp_path):
    reasons = production_guard(load_state(tmp_path), DeliverableRef(deliverable_id="D1", protocol_hash=H1, gate_passed=False))
    assert len(reasons) == 3
    assert "gate failed" in reasons[0] and "not approved" in reasons[1] and "pre-production" in reasons[2]


def test_a_rejection_after_an_approval_blocks_production(tmp_path):
    preprod(tmp_path)
    decide(tmp_path, True)
    decide(tmp_path, False, by="Marc")
    reasons = production_guard(load_state(tmp_path), DeliverableRef(deliverable_id="D1", protocol_hash=H1, gate_passed=True))
    assert reasons == [reasons[0]] and "rejected" in reasons[0] and "Marc" in reasons[0]


def test_production_refused_when_preprod_import_failed_or_other_hash(tmp_path):
    preprod(tmp_path, ok=False)
    preprod(tmp_path, deliverable="D0", h=H2)
    decide(tmp_path, True)
    reasons = production_guard(load_state(tmp_path), DeliverableRef(deliverable_id="D1", protocol_hash=H1, gate_passed=True))
    assert len(reasons) == 1 and "pre-production" in reasons[0]


def test_gate_verdict_falls_back_to_the_journal(tmp_path):
    preprod(tmp_path)
    decide(tmp_path, True)
    record_event(tmp_path, Event(kind="gate", deliverable_id="D1", ok=False))
    ref = DeliverableRef(deliverable_id="D1", protocol_hash=H1)
    assert "gate failed" in production_guard(load_state(tmp_path), ref)[0]
    assert preprod_guard(ref, load_state(tmp_path))


def test_refresh_replays_only_the_validated_hash(tmp_path):
    assert "no customer validation" in refresh_guard(load_state(tmp_path), H1)[0]
    decide(tmp_path, False)
    assert "rejected" in refresh_guard(load_state(tmp_path), H1)[0]
    decide(tmp_path, True)
    assert refresh_guard(load_state(tmp_path), H1) == []
    changed = refresh_guard(load_state(tmp_path), H2)
    assert len(changed) == 1 and "protocol changed" in changed[0] and H1[:12] in changed[0]
    decide(tmp_path, True, h=H2, deliverable="D3")            # a new validation of the new protocol
    assert refresh_guard(load_state(tmp_path), H2) == []
    decide(tmp_path, False, h=H2, deliverable="D3")           # ... withdrawn: the old approval is in force again
    assert refresh_guard(load_state(tmp_path), H1) == []


def test_close_needs_a_production_import(tmp_path):
    assert close_guard(load_state(tmp_path))
    record_event(tmp_path, Event(kind="import", env="prod", deliverable_id="D2", protocol_hash=H1))
    assert close_guard(load_state(tmp_path)) == []


def test_deliverable_ref_reads_manifest_and_gate(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"snapshot_id": "S9", "protocol_hash": H2}))
    ref = read_deliverable_ref(tmp_path)
    assert (ref.deliverable_id, ref.snapshot_id, ref.protocol_hash, ref.gate_passed) == (tmp_path.name, "S9", H2, None)
    (tmp_path / "gate.json").write_text(json.dumps({"passed": False, "reasons": ["reject rate 9% > 5%"]}))
    assert read_deliverable_ref(tmp_path).gate_reasons == ["reject rate 9% > 5%"]
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ValueError, match="protocol hash"):
        read_deliverable_ref(tmp_path)
