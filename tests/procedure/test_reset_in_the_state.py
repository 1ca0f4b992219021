"""What an ``env reset`` means for the procedure's state and guards (no store, no Prefect)."""
from stx_migrate.migration.procedure import (
    Decision, DeliverableRef, Event, customer_answer_guard, load_state, production_guard, record_decision, record_event,
    refresh_guard,
)

H1 = "a" * 64
J1 = DeliverableRef(deliverable_id="D2", protocol_hash=H1, gate_passed=True)   # the J-1 deliverable


def imported(d, env, deliverable="D1"):
    record_event(d, Event(kind="import", env=env, deliverable_id=deliverable, protocol_hash=H1))


def reset(d, env, ok=True, detail="contacts 3"):
    record_event(d, Event(kind="env-reset", env=env, ok=ok, detail=detail))


def approve(d, deliverable="D1"):
    record_decision(d, Decision(approved=True, by="Claire", deliverable_id=deliverable, protocol_hash=H1))


def test_imports_before_a_reset_of_their_environment_no_longer_count(tmp_path):
    imported(tmp_path, "dev")
    imported(tmp_path, "preprod")
    reset(tmp_path, "dev")
    state = load_state(tmp_path)
    assert state.imported("dev") == [] and state.last("import", env="dev") is None   # a resumed procedure imports again
    assert state.imported("preprod") == ["D1"]
    imported(tmp_path, "dev")
    assert load_state(tmp_path).imported("dev") == ["D1"]


def test_a_reset_of_dev_leaves_the_customers_approval_and_production_allowed(tmp_path):
    imported(tmp_path, "preprod")
    approve(tmp_path)
    reset(tmp_path, "dev")
    state = load_state(tmp_path)
    assert production_guard(state, J1) == [] and refresh_guard(state, H1) == []


def test_a_reset_of_preprod_withdraws_the_approval_until_a_new_import_and_a_new_decision(tmp_path):
    imported(tmp_path, "preprod")
    approve(tmp_path)
    reset(tmp_path, "preprod")
    state = load_state(tmp_path)
    assert state.validated is None and len(state.withdrawn) == 1
    reasons = production_guard(state, J1)
    assert len(reasons) == 2
    assert "decision on protocol aaaaaaaaaaaa was withdrawn: pre-production was reset since" in reasons[0]
    assert "no successful pre-production import" in reasons[1]
    assert refresh_guard(state, H1) != []
    imported(tmp_path, "preprod")                  # the same deliverable again: the old approval stays withdrawn
    assert [r for r in production_guard(load_state(tmp_path), J1) if "withdrawn" in r]
    approve(tmp_path)                              # the customer judged what pre-production holds now
    state = load_state(tmp_path)
    assert production_guard(state, J1) == [] and refresh_guard(state, H1) == []


def test_a_decision_given_after_the_reset_on_the_import_it_removed_does_not_count(tmp_path):
    imported(tmp_path, "preprod")                  # a run paused for the customer...
    reset(tmp_path, "preprod")                     # ...pre-production emptied meanwhile...
    approve(tmp_path)                              # ...and the answer comes: it judged nothing
    assert [r for r in production_guard(load_state(tmp_path), J1) if "withdrawn" in r]


def test_a_reset_that_started_and_failed_still_voids_the_imports(tmp_path):
    imported(tmp_path, "preprod")
    approve(tmp_path)
    reset(tmp_path, "preprod", detail="started")
    reset(tmp_path, "preprod", ok=False, detail="failed (IntegrityError): nothing removed")
    state = load_state(tmp_path)
    assert state.imported("preprod") == [] and state.validated is None


def asked(d, run_id, step=""):
    record_event(d, Event(kind="decision-requested", flow_run_id=run_id, deliverable_id="D1", protocol_hash=H1,
                          detail=step))


def test_an_answer_to_a_question_asked_before_a_reset_of_preprod_is_refused(tmp_path):
    imported(tmp_path, "preprod")
    asked(tmp_path, "run-1")
    assert customer_answer_guard(load_state(tmp_path), "D1", "run-1") == []
    reset(tmp_path, "dev")                          # dev's reset leaves the question standing
    assert customer_answer_guard(load_state(tmp_path), "D1", "run-1") == []
    reset(tmp_path, "preprod", detail="started")    # a started reset counts as done
    [reason] = customer_answer_guard(load_state(tmp_path), "D1", "run-1")
    assert "D1 is no longer in pre-production" in reason and "no decision recorded" in reason
    imported(tmp_path, "preprod")                   # imported again: still void for the run that asked before
    [reason] = customer_answer_guard(load_state(tmp_path), "D1", "run-1")
    assert "after run run-1 asked" in reason and "void" in reason
    assert customer_answer_guard(load_state(tmp_path), "D1") == []   # no paused run: the import in force counts
    asked(tmp_path, "run-2")                        # the new import's run asks anew
    assert customer_answer_guard(load_state(tmp_path), "D1", "run-2") == []
    asked(tmp_path, "run-3", step="gate")           # a gate sign-off's question is not the customer's
    assert customer_answer_guard(load_state(tmp_path), "D1", "run-3") == []
