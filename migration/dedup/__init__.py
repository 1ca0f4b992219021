"""Deduplicate contacts: SecuTix's own matching rules, normalised keys and fuzzy matching with
blocking; survivorship; a review loop whose decisions and migration identities are kept
from the trial to production (docs/dedup.md)."""
from .decisions import DECISIONS_FILE, IDENTITIES_FILE, ReviewDecisions, load_decisions, save_decisions
from .find import find_duplicates
from .project import absorb_review_files, find_duplicates_in_project, keep_decisions, pending_decisions
from .result import DUPLICATE_COLUMNS, DedupResult, duplicates_artifact_rows
from .review import read_review_file, write_review_workbook

__all__ = [
    "DECISIONS_FILE", "IDENTITIES_FILE", "DUPLICATE_COLUMNS", "DedupResult", "ReviewDecisions",
    "absorb_review_files", "duplicates_artifact_rows", "find_duplicates", "find_duplicates_in_project",
    "keep_decisions", "load_decisions", "pending_decisions", "read_review_file", "save_decisions", "write_review_workbook",
]
