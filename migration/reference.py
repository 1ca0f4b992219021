"""The target environment's reference data: the code lists a contact file may use.

SecuTix imports a code only when it is set up in the institution (secutix-format §5, §6, §8):
titles, languages, structure types, community types, departments, administrative-number
codes, criteria with their elements. The store fills a :class:`ReferenceData` from an
environment; the rules (:func:`~stx_migrate.migration.rules.check_contacts`) check codes
against it; the gate reads it for its preconditions.

A list left at ``None`` is *unknown*: codes of that kind are not checked against it.
An empty set means "none set up": every code of that kind is unknown.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from .settings.base import StrictModel, load_yaml_model

ContactType = Literal["individual", "structure", "both"]

STANDARD_TITLES = frozenset({"MR", "MRS", "MISS", "MR_AND_MRS", "UNDEFINED"})  # secutix-format §6


class Criterion(StrictModel):
    """A criterion set up in SecuTix (secutix-format §5.8): its contact type and its elements (values).

    ``elements`` None = free values (not checked).
    """

    contact_type: ContactType = "both"
    elements: frozenset[str] | None = None


class ReferenceData(StrictModel):
    """Code lists of one SecuTix institution (frozen; unknown keys refused)."""

    titles: frozenset[str] | None = None
    languages: frozenset[str] | None = None           # ISO 639-1, lower case, set up in the institution
    structure_types: frozenset[str] | None = None
    community_types: frozenset[str] | None = None
    departments: frozenset[str] | None = None
    admin_number_codes: frozenset[str] | None = None
    country_names: frozenset[str] = Field(default_factory=frozenset)  # exact SecuTix names accepted besides ISO codes
    criteria: dict[str, Criterion] | None = None      # code → criterion

    def codes(self, catalogue: str) -> frozenset[str] | None:
        """The set for a ``catalogue`` name of columns.yaml (``criteria`` → the criterion codes)."""
        if catalogue == "criteria":
            return None if self.criteria is None else frozenset(self.criteria)
        return getattr(self, catalogue)


def load_reference(path: Path) -> ReferenceData:
    """Load a reference-data YAML file (the keys of :class:`ReferenceData`)."""
    return load_yaml_model(Path(path), ReferenceData)


__all__ = ["ReferenceData", "Criterion", "ContactType", "STANDARD_TITLES", "load_reference"]
