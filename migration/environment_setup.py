"""What a SecuTix environment must hold before contacts are imported into it, and how two compare.

SecuTix imports a contact only into an institution and organization that exist, with
codes (titles, languages, structure types, criteria…) that are set up (docs/secutix-format.md §8). The
procedure's step 11 copies production's set-up into pre-production before the
pre-production import: :func:`missing_from` says what the copy left out.
"""
from __future__ import annotations

from pydantic import Field

from .reference import ReferenceData
from .settings.base import StrictModel

# the reference lists compared, with the words a report uses for them
REFERENCE_LISTS = (
    ("titles", "titles"), ("languages", "languages"), ("structure_types", "structure types"),
    ("community_types", "community types"), ("departments", "departments"),
    ("admin_number_codes", "administrative number codes"),
)


class EnvironmentSetup(StrictModel):
    """An environment's institutions (code → country, language), organizations and reference data."""

    institutions: dict[str, tuple[str | None, str | None]] = Field(default_factory=dict)
    organizations: frozenset[str] = frozenset()
    reference: ReferenceData = ReferenceData()

    def counts(self) -> dict[str, int]:
        """How many of each kind the environment holds (for reports: counts, never values)."""
        ref = self.reference
        counts = {"institutions": len(self.institutions), "organizations": len(self.organizations)}
        counts.update({words: len(getattr(ref, name) or ()) for name, words in REFERENCE_LISTS})
        counts["criteria"] = len(ref.criteria or {})
        counts["criterion elements"] = sum(len(c.elements or ()) for c in (ref.criteria or {}).values())
        return counts


def missing_from(held: EnvironmentSetup, required: EnvironmentSetup, held_name: str = "this environment",
                 required_name: str = "prod") -> list[str]:
    """What ``required`` holds that ``held`` does not, one line per kind (empty: nothing missing).

    Codes are named (they are set-up codes, not personal data), at most ten per line.
    """
    def line(what: str, missing: set[str]) -> str:
        shown = ", ".join(sorted(missing)[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        return f"{held_name} lacks {len(missing)} {what} that {required_name} holds: {shown}"

    lines = []
    for what, mine, theirs in (("institution(s)", set(held.institutions), set(required.institutions)),
                               ("organization(s)", set(held.organizations), set(required.organizations))):
        if theirs - mine:
            lines.append(line(what, theirs - mine))
    for name, words in REFERENCE_LISTS:
        theirs = set(getattr(required.reference, name) or ())
        mine = set(getattr(held.reference, name) or ())
        if theirs - mine:
            lines.append(line(words, theirs - mine))
    theirs_crit, mine_crit = required.reference.criteria or {}, held.reference.criteria or {}
    if set(theirs_crit) - set(mine_crit):
        lines.append(line("criteria", set(theirs_crit) - set(mine_crit)))
    elements = {f"{code}/{e}" for code, c in theirs_crit.items() if code in mine_crit
                for e in (c.elements or ()) if e not in (mine_crit[code].elements or ())}
    if elements:
        lines.append(line("criterion elements", elements))
    return lines
