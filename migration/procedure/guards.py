"""The procedure's guards: reasons a step must not run. An empty list means it may.

Guards are plain functions of the procedure state and the deliverable; the flows turn
a non-empty list into ``GuardRefused`` (exit 1, Failed state with the reasons).
"""
from __future__ import annotations

from .state import PREPROD, DeliverableRef, ProcedureState


def production_guard(state: ProcedureState, deliverable: DeliverableRef, again: bool = False) -> list[str]:
    """Why ``deliverable`` must not be imported into production (empty: it may).

    All three must hold:
    1. the gate passed on this very deliverable (its gate.json, or the recorded gate event);
    2. the customer's approval in force is for this deliverable's protocol hash (the
       latest decision on that hash is an approval);
    3. a pre-production import of a deliverable with this protocol hash succeeded — the
       J-1 refresh produces a new deliverable with the validated protocol, so the
       customer judged the same protocol on the pre-production data;
       an ``env reset`` of pre-production voids its imports and the decisions given on them
       (:func:`.state.decisions_in_force`): both must be made again;
    4. production was not imported before, unless ``again`` (``--again``) says it is meant.
    """
    reasons: list[str] = []
    did, h = deliverable.deliverable_id, deliverable.protocol_hash
    gate = deliverable.gate_passed if deliverable.gate_passed is not None else state.gate_passed(did)
    if gate is None:
        reasons.append(f"no quality gate result for deliverable {did}")
    elif not gate:
        why = f" ({'; '.join(deliverable.gate_reasons)})" if deliverable.gate_reasons else ""
        reasons.append(f"the quality gate failed on deliverable {did}{why}")
    on_hash = [d for d in state.decisions if d.protocol_hash == h]
    if not on_hash and any(d.protocol_hash == h for d in state.withdrawn):
        reasons.append(f"the customer's decision on protocol {h[:12]} was withdrawn: pre-production was reset since "
                       "(stx-migrate env reset); import into pre-production again and get a new decision")
    elif not on_hash:
        reasons.append(f"the customer has not approved protocol {h[:12]} (no decision recorded for it)")
    elif not on_hash[-1].approved:
        last = on_hash[-1]
        reasons.append(f"the customer rejected protocol {h[:12]} (decision by {last.by} at {last.at:%Y-%m-%d %H:%M})")
    if not state.preprod_imports_of_hash(h):
        reasons.append(f"no successful pre-production import of a deliverable with protocol {h[:12]}")
    done = state.imported("prod")
    if done and not again:
        reasons.append(f"production was already imported (deliverable {done[-1]}); give --again to import once more")
    return reasons


def refresh_guard(state: ProcedureState, protocol_hash: str) -> list[str]:
    """Why the J-1 refresh must not replay the protocol with ``protocol_hash`` (empty: it may).

    The refresh replays the *validated* protocol: the hash must be the one the
    customer's approval in force names. A changed protocol is refused unless a new
    validation was given for it (a pre-production import of it, then an approval),
    which makes it the validated one.
    """
    validated = state.validated
    if validated is None:
        rejected = state.decisions[-1] if state.decisions else None
        if rejected is not None:
            return [f"no approved customer validation: the last decision ({rejected.by}) rejected protocol "
                    f"{rejected.protocol_hash[:12]}"]
        return ["no customer validation yet: import into pre-production and get the customer's decision first"]
    if validated.protocol_hash != protocol_hash:
        return [f"the protocol changed since the customer's validation: validated {validated.protocol_hash[:12]} "
                f"(deliverable {validated.deliverable_id}), current {protocol_hash[:12]}; "
                "import the new protocol into pre-production and get a new validation, or restore the validated protocol"]
    return []


def preprod_guard(deliverable: DeliverableRef, state: ProcedureState) -> list[str]:
    """Why ``deliverable`` must not go to pre-production: a gate that failed or never ran stops it."""
    gate = deliverable.gate_passed if deliverable.gate_passed is not None else state.gate_passed(deliverable.deliverable_id)
    if gate is None:
        return [f"no quality gate result for deliverable {deliverable.deliverable_id} (no gate.json): run prepare again"]
    if gate is False:
        return [f"the quality gate failed on deliverable {deliverable.deliverable_id}"]
    return []


def customer_answer_guard(state: ProcedureState, deliverable_id: str, flow_run_id: str | None = None) -> list[str]:
    """Why the customer's answer on ``deliverable_id`` must not be recorded (empty: it may).

    The deliverable must still be in pre-production (no ``env reset`` since its import), and when
    the answer is to a run's question (``flow_run_id``), pre-production must not have been reset
    since that run asked: the question was about data that is gone, even if it was imported again
    since (the new import's own run asks again).
    """
    if state.import_event(PREPROD, deliverable_id) is None:
        return [f"deliverable {deliverable_id} is no longer in pre-production (stx-migrate env reset emptied it): "
                "no decision recorded; import it again, then the customer decides"]
    if flow_run_id and state.reset_since_asked(flow_run_id):
        return [f"pre-production was reset (stx-migrate env reset) after run {flow_run_id} asked the customer about "
                f"deliverable {deliverable_id}: that question is void, no decision recorded; answer the one the new "
                "import asks"]
    return []


DESTRUCTIVE_SERVICES = ("delete", "anonymize", "inactivate")


def destructive_service_guard(state: ProcedureState, deliverable: DeliverableRef | None, operation: str,
                              contacts: int, confirm: int | None) -> list[str]:
    """Why ``operation`` (delete, anonymize, inactivate) must not run on a production environment.

    Like Salesforce's separate permission to hard-delete: the production import's guards
    must hold on the latest deliverable (gate passed, customer approval, pre-production
    import), and ``--confirm N`` must repeat ``contacts``, the number of contacts the file
    names, so that nobody deletes ten thousand contacts believing they delete ten.
    """
    if deliverable is None:
        reasons = ["no deliverable yet: the production guards cannot hold"]
    else:
        reasons = production_guard(state, deliverable, again=True)
    if confirm is None:
        reasons.append(f"{operation} on production affects {contacts} contact(s): give --confirm {contacts}")
    elif confirm != contacts:
        reasons.append(f"--confirm {confirm} does not match the {contacts} contact(s) the file names")
    return reasons


def close_guard(state: ProcedureState) -> list[str]:
    """Why the final validation must not close the ticket: production must be done."""
    return [] if state.imported("prod") else ["no successful production import yet"]
