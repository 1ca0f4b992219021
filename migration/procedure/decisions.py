"""The customer's decision on a pre-production import: an append-only JSON-lines record.

One line per decision in ``<procedure_dir>/decisions.jsonl``, never rewritten: who
decided what, when, on which deliverable, protocol hash and snapshot. The latest
decision for a protocol hash is the one that counts (a rejection after an approval
withdraws it).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

DECISIONS_FILE = "decisions.jsonl"

# Who decided: trimmed, and never blank (the JSON schema's pattern makes the UI form refuse blanks too).
ValidatorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"\S")]
Comment = Annotated[str, StringConstraints(strip_whitespace=True)]


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approved: bool
    by: ValidatorName
    comment: Comment = ""
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    deliverable_id: str
    protocol_hash: str
    snapshot_id: str | None = None
    flow_run_id: str | None = None
    source: str = "cli"        # ui (the Prefect form) | cli (stx-migrate decide) | demo (automatic)

    @property
    def verdict(self) -> str:
        return "approved" if self.approved else "rejected"


def append_jsonl(path: Path, record: dict) -> None:
    """Append one JSON line and make it durable (fsync): the record survives a crash right after."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())


def read_jsonl(path: Path) -> list[dict]:
    """Every line of a JSON-lines file; a torn last line (crash mid-write) is ignored."""
    if not path.exists():
        return []
    records = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                break
            raise ValueError(f"{path} line {number}: not valid JSON; the journal is damaged") from None
    return records


def record_decision(procedure_dir: Path, decision: Decision) -> Decision:
    """Append ``decision`` to the decision record; returns it."""
    append_jsonl(Path(procedure_dir) / DECISIONS_FILE, decision.model_dump(mode="json"))
    return decision


def read_decisions(procedure_dir: Path) -> list[Decision]:
    """All decisions, oldest first."""
    return [Decision.model_validate(r) for r in read_jsonl(Path(procedure_dir) / DECISIONS_FILE)]


def latest_decision(decisions: list[Decision], protocol_hash: str | None = None) -> Decision | None:
    """The latest decision (for ``protocol_hash`` when given)."""
    chosen = [d for d in decisions if protocol_hash is None or d.protocol_hash == protocol_hash]
    return chosen[-1] if chosen else None


def validated_decision(decisions: list[Decision]) -> Decision | None:
    """The approval in force: the latest approval whose hash was not rejected afterwards."""
    for d in reversed(decisions):
        if d.approved and latest_decision(decisions, d.protocol_hash) is d:
            return d
    return None
