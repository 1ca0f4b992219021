"""The procedure state: what happened to which deliverable, rebuilt from an append-only journal.

Every step that matters for a guard appends one event to ``<procedure_dir>/events.jsonl``
(``gate`` results, ``import`` into an environment, ``env-reset``, ``refresh``, ``closed``);
decisions live in their own record (:mod:`.decisions`). :func:`load_state` folds both into a
:class:`ProcedureState`. Nothing is ever rewritten, so the state after a crash is the
state of the last finished step, and a resumed procedure can skip what is done.

An ``env-reset`` emptied an environment: the imports into it before the reset no longer
count, and a reset of pre-production withdraws the customer's decisions on what it held
(a decision counts only after a pre-production import still in force; docs/procedure.md).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from stx_migrate.migration.deliverable import read_manifest_identity

from .decisions import Decision, append_jsonl, read_decisions, read_jsonl, validated_decision

EVENTS_FILE = "events.jsonl"
EventKind = Literal["receive", "prepare", "gate", "import", "decision-requested", "refresh", "ticket", "closed", "service",
                    "env-reset"]
PREPROD = "preprod"   # the environment the customer validates


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    ok: bool = True
    at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    env: str | None = None
    snapshot_id: str | None = None
    deliverable_id: str | None = None
    protocol_hash: str | None = None
    run_folder: str | None = None
    flow_run_id: str | None = None
    detail: str = ""           # counts and codes only


def record_event(procedure_dir: Path, event: Event) -> Event:
    """Append ``event`` to the procedure journal; returns it."""
    append_jsonl(Path(procedure_dir) / EVENTS_FILE, event.model_dump(mode="json"))
    return event


class DeliverableRef(BaseModel):
    """What the guards need to know about one deliverable (read from its folder)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deliverable_id: str
    protocol_hash: str
    snapshot_id: str | None = None
    gate_passed: bool | None = None     # None: no gate.json in the folder
    gate_reasons: list[str] = []


def read_deliverable_ref(folder: Path) -> DeliverableRef:
    """Read ``manifest.json`` (and ``gate.json`` when present) of a deliverable folder.

    The manifest names the snapshot and the protocol hash; the gate file says whether the
    gate passed. A missing manifest or hash is a FileNotFoundError/ValueError naming the file.
    """
    folder = Path(folder)
    manifest = read_manifest_identity(folder)
    gate_passed, reasons = None, []
    gate_path = folder / "gate.json"
    if gate_path.exists():
        gate = json.loads(gate_path.read_text(encoding="utf-8"))
        gate_passed = bool(gate.get("passed"))
        reasons = [str(r) for r in gate.get("reasons", [])]
    return DeliverableRef(deliverable_id=folder.name, protocol_hash=manifest.protocol_hash,
                          snapshot_id=manifest.snapshot_id, gate_passed=gate_passed, gate_reasons=reasons)


@dataclass
class ProcedureState:
    """Everything the guards and a resumed procedure need, folded from the journals."""

    events: list[Event] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)   # in force (see decisions_in_force)
    withdrawn: list[Decision] = field(default_factory=list)   # voided by a reset of pre-production

    def _ok(self, kind: str, env: str | None = None) -> list[Event]:
        """Successful ``kind`` events (into ``env``); an import followed by a reset of its environment is void."""
        resets = last_resets(self.events)
        return [e for i, e in enumerate(self.events) if e.kind == kind and e.ok and (env is None or e.env == env)
                and not (kind == "import" and i < resets.get(e.env, -1))]

    def gate_passed(self, deliverable_id: str) -> bool | None:
        """The latest gate verdict recorded for the deliverable (None: never recorded)."""
        verdicts = [e.ok for e in self.events if e.kind == "gate" and e.deliverable_id == deliverable_id]
        return verdicts[-1] if verdicts else None

    def imported(self, env: str) -> list[str]:
        """Deliverable ids imported successfully into ``env``, oldest first."""
        return [e.deliverable_id for e in self._ok("import", env) if e.deliverable_id]

    def import_event(self, env: str, deliverable_id: str) -> Event | None:
        found = [e for e in self._ok("import", env) if e.deliverable_id == deliverable_id]
        return found[-1] if found else None

    def reset_since_asked(self, flow_run_id: str, env: str = PREPROD) -> bool:
        """Whether ``env`` was reset after the run ``flow_run_id`` last asked for the customer's decision."""
        asked = [i for i, e in enumerate(self.events)
                 if e.kind == "decision-requested" and e.flow_run_id == flow_run_id and e.detail == ""]
        return bool(asked) and last_resets(self.events).get(env, -1) > asked[-1]

    def preprod_imports_of_hash(self, protocol_hash: str) -> list[str]:
        return [e.deliverable_id for e in self._ok("import", "preprod")
                if e.protocol_hash == protocol_hash and e.deliverable_id]

    @property
    def validated(self) -> Decision | None:
        """The customer's approval in force (see :func:`.decisions.validated_decision`)."""
        return validated_decision(self.decisions)

    def latest(self, kind: str) -> Event | None:
        found = self._ok(kind)
        return found[-1] if found else None

    def last(self, kind: str, **match) -> Event | None:
        """The latest successful ``kind`` event whose fields equal ``match`` (``detail=""``: not a J-1 step)."""
        found = [e for e in self._ok(kind) if all(getattr(e, k) == v for k, v in match.items())]
        return found[-1] if found else None

    def current_cycle(self) -> ProcedureState:
        """The state since the last closing: what a re-run of the whole procedure may reuse."""
        closes = [i for i, e in enumerate(self.events) if e.kind == "closed"]
        return ProcedureState(events=self.events[closes[-1] + 1:] if closes else list(self.events),
                              decisions=self.decisions, withdrawn=self.withdrawn)

    @property
    def closed(self) -> bool:
        return bool(self._ok("closed"))


def load_state(procedure_dir: Path) -> ProcedureState:
    """The procedure state of a project from its journals (empty for a new project)."""
    procedure_dir = Path(procedure_dir)
    events = [Event.model_validate(r) for r in read_jsonl(procedure_dir / EVENTS_FILE)]
    decisions = read_decisions(procedure_dir)
    in_force = decisions_in_force(decisions, events)
    return ProcedureState(events=events, decisions=in_force, withdrawn=[d for d in decisions if d not in in_force])


def last_resets(events: list[Event]) -> dict[str | None, int]:
    """Per environment, the position in ``events`` of its last ``env-reset``. A reset counts from its
    ``started`` entry, journalled before the store is touched: one that failed afterwards may have
    emptied it, so it voids what came before it too (the safe side)."""
    return {e.env: i for i, e in enumerate(events) if e.kind == "env-reset" and e.ok}


def decisions_in_force(decisions: list[Decision], events: list[Event]) -> list[Decision]:
    """The decisions that still count: all of them until pre-production is reset; after a reset, only
    those given after a pre-production import of their deliverable made since that reset (what the
    customer judged is then still there; a decision on emptied data proves nothing)."""
    reset = last_resets(events).get(PREPROD)
    if reset is None:
        return list(decisions)
    imports = [e for e in events[reset + 1:] if e.kind == "import" and e.ok and e.env == PREPROD]
    return [d for d in decisions if any(e.deliverable_id == d.deliverable_id and e.at <= d.at for e in imports)]
