"""The team's approvals the SecuTix procedure names, as an append-only record.

* ``transformations`` (step 6): ADI approves the transformations VN planned (the protocol)
  before the first trial import; a changed protocol hash needs a new approval.
* ``gate`` (step 9): VN signs off the quality gate of a deliverable before pre-production.

One JSON line per approval in ``<procedure_dir>/approvals.jsonl``, never rewritten: who,
when, approved or not, with the protocol hash and the snapshot (and the deliverable for
the gate). The latest answer for a step and hash (and deliverable) is the one in force.
The customer's own validation keeps its record (``decisions.jsonl``).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .procedure.decisions import append_jsonl, read_jsonl

APPROVALS_FILE = "approvals.jsonl"
ApprovalStep = Literal["transformations", "gate"]
WHO = {"transformations": "ADI's approval of the planned transformations (step 6)",
       "gate": "VN's sign-off of the quality gate (step 9)"}


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    step: ApprovalStep
    approved: bool
    by: str
    comment: str = ""
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    protocol_hash: str
    snapshot_id: str | None = None
    deliverable_id: str | None = None
    flow_run_id: str | None = None
    source: str = "cli"        # ui (the Prefect form) | cli (stx-migrate decide) | demo (automatic)

    @field_validator("by")
    @classmethod
    def _someone(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say who decides: a name, not blank")
        return value.strip()

    @property
    def verdict(self) -> str:
        return "approved" if self.approved else "rejected"


def record_approval(procedure_dir: Path, approval: Approval) -> Approval:
    append_jsonl(Path(procedure_dir) / APPROVALS_FILE, approval.model_dump(mode="json"))
    return approval


def read_approvals(procedure_dir: Path) -> list[Approval]:
    return [Approval.model_validate(r) for r in read_jsonl(Path(procedure_dir) / APPROVALS_FILE)]


def latest_approval(approvals: list[Approval], step: ApprovalStep, protocol_hash: str,
                    deliverable_id: str | None = None) -> Approval | None:
    """The latest answer for ``step`` on this protocol hash (and deliverable, for the gate)."""
    found = [a for a in approvals if a.step == step and a.protocol_hash == protocol_hash
             and (deliverable_id is None or a.deliverable_id == deliverable_id)]
    return found[-1] if found else None


def approval_guard(approvals: list[Approval], step: ApprovalStep, protocol_hash: str,
                   deliverable_id: str | None = None) -> list[str]:
    """Why a step needing this approval must not run (empty: the approval is in force)."""
    latest = latest_approval(approvals, step, protocol_hash, deliverable_id)
    what = f"protocol {protocol_hash[:12]}" + (f", deliverable {deliverable_id}" if deliverable_id else "")
    if latest is None:
        return [f"no {WHO[step]} for {what}"]
    if not latest.approved:
        return [f"{WHO[step]} refused for {what} by {latest.by}" + (f": {latest.comment}" if latest.comment else "")]
    return []


def preprod_requirements(state, deliverable, missing_setup: list[str]) -> list[str]:
    """Why ``deliverable`` must not go to pre-production yet, besides its gate (empty: it may).

    * a trial import into dev of a deliverable with the same protocol hash succeeded;
    * pre-production holds what production holds (institution, organization, titles,
      criteria, structure types…): step 11's copy, ``missing_setup`` being what it lacks.
    """
    h = deliverable.protocol_hash
    reasons = []
    trials = [e for e in state.events if e.kind == "import" and e.ok and e.env == "dev" and e.protocol_hash == h]
    if not trials:
        reasons.append(f"no successful trial import into dev of protocol {h[:12]}: import a deliverable prepared "
                       "with this protocol into dev first")
    reasons += [f"the prod → preprod copy (step 11) is incomplete: {line} "
                "(stx-migrate env setup --env preprod --from prod)" for line in missing_setup]
    return reasons
