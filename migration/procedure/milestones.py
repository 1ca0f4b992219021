"""The go-live procedure's calendar and teams: every step's milestone, run time and team tag.

Milestones are counted from one date, J: data due J-14 · pre-production import J-7 ·
refresh J-1 · production J. A step run after its milestone is late: it still runs, but
it says so (log + artifact). The J-1 refresh and the production import are the steps a
deployment schedules, at :data:`RUN_AT` UTC on their day. Runs are tagged with their
step's team: ``vn`` for data steps, ``adi`` for imports, ``pl`` for the project leader's.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

RUN_AT = time(6, 0)   # UTC, when a scheduled step starts on its day
TEAM = {"receive-data": "vn", "prepare-data": "vn", "refresh-j-1": "vn", "import-dev": "adi",
        "approve-transformations": "adi", "import-preprod": "adi", "import-production": "adi", "contact-service": "adi",
        "final-validation": "pl", "migration-procedure": "pl"}
SCHEDULED = ("refresh-j-1", "import-production")   # run by a deployment's schedule on their milestone's day


def team_of(step: str) -> str:
    """The team tag of a step (flow name); the project leader's for any other."""
    return TEAM.get(step, "pl")


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


def run_time(j_date: date, days_before: int) -> datetime:
    """When a scheduled step runs: :data:`RUN_AT` UTC on J minus ``days_before``."""
    return datetime.combine(j_date - timedelta(days=days_before), RUN_AT, timezone.utc)


def scheduled_run(step: str, j_date: date) -> datetime | None:
    """When a deployment runs ``step`` by itself (None: it is started by hand)."""
    m = milestone_for(step)
    return run_time(j_date, m.days_before_j) if m is not None and step in SCHEDULED else None


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
