"""What :func:`find_duplicates` returns, and the views other stages take from it."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .decisions import ReviewDecisions

DUPLICATE_COLUMNS = ["source_ref", "contact_nr", "survivor_ref", "survivor_contact_nr", "rule", "score"]
REVIEW_COLUMNS = ["left_ref", "right_ref", "left_key", "right_key", "score", "rule"]


@dataclass
class DedupResult:
    """The outcome of one matching run.

    * ``survivors``: SecuTix frame (index ``source_ref``) of the rows kept, fields merged by survivorship;
    * ``duplicates``: one row per merged input row (``DUPLICATE_COLUMNS``, the contract of ``duplicates.csv``);
      ``survivor_ref`` is a kept row's ``source_ref`` or ``<env>:<contact_nr>`` of a contact
      already in the target environment;
    * ``review_pairs``: pairs scoring between the review and auto-merge thresholds (``REVIEW_COLUMNS``);
    * ``identities``: migration identity of every input row (index ``source_ref``);
    * ``decisions``: the decisions given plus this run's identities: save them to keep them.
    """

    survivors: pd.DataFrame
    duplicates: pd.DataFrame
    review_pairs: pd.DataFrame
    identities: pd.Series
    decisions: ReviewDecisions
    candidate_pairs: int = 0
    records: int = 0
    clusters: int = 0
    kept_apart: int = 0
    conflicts: int = 0      # auto-merge edges refused because they would chain two different people
    counts_by_rule: dict[str, int] = field(default_factory=dict)
    # per review pair (same rows and order): its group, the records the group would join, and
    # per field the comparison level with its learned weight ("similar +6.1"): why it is proposed
    review_evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    capped: int = 0         # keyed records, over the passes, compared with their nearest neighbours only
    rules: frozenset[str] = frozenset()   # the contact rules applied to persons (dedup/households.py)

    @property
    def auto_merged(self) -> int:
        return len(self.duplicates)

    @property
    def to_review(self) -> int:
        return len(self.review_pairs)

    def summary(self) -> dict:
        """``summary.json`` of the dedup command: the contract's counts, reconciled (records = kept + merged)."""
        return {
            "rows_in": self.records,
            "valid": len(self.survivors),
            "rejected": 0,
            "merged": self.auto_merged,
            "dropped": 0,
            "reasons": {f"duplicate_{rule}": count for rule, count in self.counts_by_rule.items()},
            "records": self.records,
            "clusters": self.clusters,
            "auto_merged": self.auto_merged,
            "to_review": self.to_review,
            "candidate_pairs": self.candidate_pairs,
            "capped_records": self.capped,
            "kept_apart": self.kept_apart,
            "conflicts": self.conflicts,
        }


def duplicates_artifact_rows(result: DedupResult, sample: int = 20) -> list[dict]:
    """Rows for a Prefect table artifact: counts by rule, then a sample of merged and review pairs.

    Only row references, contact numbers, rules and scores: no names, e-mails or phones.
    """
    rows: list[dict] = [
        {"kind": "count", "rule": rule, "rows": int(count), "source_ref": "", "other_ref": "", "score": ""}
        for rule, count in sorted(result.counts_by_rule.items())
    ]
    rows.append({"kind": "count", "rule": "to_review", "rows": result.to_review, "source_ref": "", "other_ref": "", "score": ""})
    rows.append({"kind": "count", "rule": "candidate_pairs", "rows": result.candidate_pairs, "source_ref": "", "other_ref": "", "score": ""})
    for rec in result.duplicates.head(sample).itertuples(index=False):
        rows.append({"kind": "merged", "rule": rec.rule, "rows": 1, "source_ref": rec.source_ref,
                     "other_ref": rec.survivor_ref, "score": rec.score})
    for rec in result.review_pairs.head(sample).itertuples(index=False):
        rows.append({"kind": "review", "rule": rec.rule, "rows": 1, "source_ref": rec.left_ref,
                     "other_ref": rec.right_ref, "score": rec.score})
    return rows
