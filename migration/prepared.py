"""The outcome of the prepare pipeline, before anything is written, and its counts.

Every row of the main dataset ends in exactly one of its parts (``rows_in = valid +
rejected + merged + dropped``); :meth:`PreparedContacts.summary` gives those counts
and the reason codes behind them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .dedup import DedupResult
from .summary import Summary

DUPLICATE_COLUMNS = ["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]


@dataclass
class PreparedContacts:
    """The outcome of the pipeline, before anything is written."""

    rows_in: int
    valid: pd.DataFrame              # the import file's rows (SecuTix frame, index source_ref)
    findings: pd.DataFrame           # the log file (rejects.csv), errors and warnings
    rejected: pd.Index               # source_refs of rejected rows
    duplicates: pd.DataFrame         # DUPLICATE_COLUMNS
    dropped: pd.Series               # source_ref → filter reason code
    review_pairs: int = 0
    extra_counts: dict[str, int] = field(default_factory=dict)
    dedup: DedupResult | None = None         # the matching run (None: dedup disabled); its survivors frame is left empty
    review_records: pd.DataFrame | None = None  # the records named by the review pairs (deliverable + existing), for review.xlsx
    aggregates: dict[str, dict[str, int]] = field(default_factory=dict)  # aggregate → child rows, aggregated, orphans
    column_changes: list[dict] = field(default_factory=list)  # per output column: filled, changed, emptied (counts)

    def summary(self) -> Summary:
        errors = self.findings[self.findings["severity"] == "error"]
        warnings = self.findings[self.findings["severity"] == "warning"]
        reasons: dict[str, int] = {}
        for code, count in errors.drop_duplicates(["source_ref", "code"])["code"].value_counts().items():
            reasons[str(code)] = int(count)
        for code, count in warnings["code"].value_counts().items():
            reasons[str(code)] = reasons.get(str(code), 0) + int(count)
        for code, count in self.dropped.value_counts().items():
            reasons[str(code)] = reasons.get(str(code), 0) + int(count)
        for rule, count in self.duplicates["rule"].value_counts().items():
            reasons[f"DUPLICATE_{str(rule).upper()}"] = int(count)
        return Summary(
            rows_in=self.rows_in, valid=len(self.valid), rejected=len(self.rejected), merged=len(self.duplicates),
            dropped=len(self.dropped), warnings=int(warnings["source_ref"].nunique()), warning_lines=len(warnings),
            reasons=dict(sorted(reasons.items())), to_review=self.review_pairs, **self.extra_counts,
            **({"aggregates": self.aggregates} if self.aggregates else {}),
        )


def no_duplicates() -> pd.DataFrame:
    """An empty duplicates frame (dedup disabled): the same columns, so the files never vary."""
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in DUPLICATE_COLUMNS})
