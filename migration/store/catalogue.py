"""The store's catalogue as the import checks rows against it (codes → ids), and the structure match key.

Plain data: reading it is :meth:`ContactStore.catalogue`'s job (``store.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..format import extended_format

MATCH_FIELDS = extended_format().group("structure_match")   # §7, in the order the match key joins them
MATCH_SEPARATOR = "\x1f"


@dataclass
class Catalogue:
    """The store's configuration the import checks rows against (codes → ids)."""

    institutions: dict[str, int] = field(default_factory=dict)
    structure_types: set[str] = field(default_factory=set)
    community_types: set[str] = field(default_factory=set)
    admin_number_types: set[str] = field(default_factory=set)
    criteria: pd.DataFrame = field(default_factory=pd.DataFrame)   # code, criterion_id, contact_type
    elements: pd.DataFrame = field(default_factory=pd.DataFrame)   # criterion_code, element_code, element_id, criterion_id
