"""Deduplicate contacts: SecuTix's own matching rules, normalised keys and fuzzy matching with
blocking; survivorship; a review loop whose decisions and migration identities are kept
from the trial to production (docs/dedup.md)."""
from .decisions import DECISIONS_FILE, IDENTITIES_FILE, ReviewDecisions, load_decisions, save_decisions
from .find import find_duplicates
from .result import DUPLICATE_COLUMNS, DedupResult, duplicates_artifact_rows

__all__ = [
    "DECISIONS_FILE", "IDENTITIES_FILE", "DUPLICATE_COLUMNS", "DedupResult", "ReviewDecisions",
    "duplicates_artifact_rows", "find_duplicates", "load_decisions", "save_decisions",
]
