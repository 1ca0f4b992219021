"""The store's catalogue as the import checks rows against it (codes → ids), and the structure match key.

Plain data: reading it is :meth:`ContactStore.catalogue`'s job (``store.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

# the §7 structure matching fields, in the order the match key joins them
MATCH_FIELDS = ("OFFICIAL_NAME", "ADDRESS_NAME1", "ADDRESS_NAME2", "LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN",
                "TOWN_COMPLEMENT", "COUNTRY")
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
