"""Milestones of the go-live procedure, all counted from one date, J (DESIGN §1).

data due J-14 · pre-production import J-7 · refresh J-1 · production J.
A step run after its milestone is late: it still runs, but it says so (log + artifact).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Milestone:
    step: str          # the flow name that must have run by then
    label: str
    days_before_j: int

    def due(self, j_date: date) -> date:
        return j_date - timedelta(days=self.days_before_j)


MILESTONES: tuple[Milestone, ...] = (
    Milestone("receive-data", "data due", 14),
    Milestone("import-preprod", "pre-production import", 7),
    Milestone("refresh-j-1", "J-1 refresh", 1),
    Milestone("import-production", "production import", 0),
)
_BY_STEP = {m.step: m for m in MILESTONES}


def milestone_for(step: str) -> Milestone | None:
    """The milestone a step (flow name) is bound to, or None for steps without one."""
    return _BY_STEP.get(step)


def milestone_schedule(j_date: date) -> list[dict[str, str]]:
    """Every milestone with its date, in order (for the runbook artifact and the deploy command)."""
    return [{"milestone": m.label, "step": m.step, "due": m.due(j_date).isoformat(),
             "j": f"J-{m.days_before_j}" if m.days_before_j else "J"} for m in MILESTONES]


def check_milestone(step: str, today: date, j_date: date) -> str | None:
    """A warning when ``step`` runs after its milestone, else None.

    Steps without a milestone (prepare-data, import-dev, final-validation) never warn.
    """
    m = milestone_for(step)
    if m is None:
        return None
    due = m.due(j_date)
    if today <= due:
        return None
    late = (today - due).days
    j = f"J-{m.days_before_j}" if m.days_before_j else "J"
    return (f"{step} runs {late} day(s) after its milestone '{m.label}' ({j} = {due.isoformat()}, "
            f"J = {j_date.isoformat()}): the go-live plan is late")
