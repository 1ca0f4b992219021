"""The go-live procedure as plain Python: milestones, decisions, state, guards, deliverable diff.

Never imports Prefect: the flows in ``flows/procedure.py`` wire these functions.
"""
from .decisions import Decision, latest_decision, read_decisions, record_decision, validated_decision
from .diff import DeliverableDiff, diff_deliverables, write_diff
from .guards import close_guard, customer_answer_guard, preprod_guard, production_guard, refresh_guard
from .milestones import MILESTONES, check_milestone, milestone_for, milestone_schedule
from .state import DeliverableRef, Event, ProcedureState, load_state, read_deliverable_ref, record_event

__all__ = [
    "Decision", "latest_decision", "read_decisions", "record_decision", "validated_decision",
    "DeliverableDiff", "diff_deliverables", "write_diff",
    "close_guard", "customer_answer_guard", "preprod_guard", "production_guard", "refresh_guard",
    "MILESTONES", "check_milestone", "milestone_for", "milestone_schedule",
    "DeliverableRef", "Event", "ProcedureState", "load_state", "read_deliverable_ref", "record_event",
]
