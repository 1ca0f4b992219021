"""Reviewers' decisions and migration identities, kept from the trial to production.

Both are keyed by a record's *stable key* — ``nr:<CONTACT_NR>`` when the row has a contact
number, else ``ref:<source_ref>`` — so a refreshed extraction (J-1) finds them again.

* ``pairs``: ``left_key, right_key, decision (merge | keep_apart), decided_by, decided_at``;
  a later decision on the same pair replaces an earlier one, none is ever dropped.
* ``identities``: ``key, identity``: the migration identity each record got the first
  time it was seen; a cluster keeps the identity its members already had.

The project-level files are ``procedure/dedup-decisions.csv`` and, beside it,
``procedure/dedup-identities.csv`` (:func:`load_decisions`, :func:`save_decisions`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError

DECISIONS_FILE = "dedup-decisions.csv"
IDENTITIES_FILE = "dedup-identities.csv"
PAIR_COLUMNS = ["left_key", "right_key", "decision", "decided_by", "decided_at"]
IDENTITY_COLUMNS = ["key", "identity"]
MERGE, KEEP_APART = "merge", "keep_apart"
DECISION_WORDS = {"merge": MERGE, "keep_apart": KEEP_APART, "keep apart": KEEP_APART, "keep-apart": KEEP_APART,
                  "apart": KEEP_APART, "same": MERGE, "different": KEEP_APART}


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})


@dataclass
class ReviewDecisions:
    """Pair decisions and known identities (both frames of ``str``)."""

    pairs: pd.DataFrame = field(default_factory=lambda: _empty(PAIR_COLUMNS))
    identities: pd.DataFrame = field(default_factory=lambda: _empty(IDENTITY_COLUMNS))

    def __post_init__(self) -> None:
        self.pairs = _ordered_pairs(self.pairs)

    def combine(self, newer: "ReviewDecisions") -> "ReviewDecisions":
        """These decisions updated by ``newer``: same pair → newer wins; identities: first seen wins."""
        pairs = pd.concat([self.pairs, newer.pairs], ignore_index=True)
        pairs = pairs.drop_duplicates(["left_key", "right_key"], keep="last").reset_index(drop=True)
        identities = pd.concat([self.identities, newer.identities], ignore_index=True)
        identities = identities.drop_duplicates("key", keep="first").reset_index(drop=True)
        return ReviewDecisions(pairs, identities)

    def with_identities(self, identities: pd.DataFrame) -> "ReviewDecisions":
        """Identities replaced for the keys given (a cluster merged by a decision takes one identity)."""
        merged = pd.concat([identities[IDENTITY_COLUMNS], self.identities], ignore_index=True)
        return ReviewDecisions(self.pairs.copy(), merged.drop_duplicates("key", keep="first").reset_index(drop=True))


def _ordered_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Each pair written once, with ``left_key < right_key``."""
    pairs = pairs.reindex(columns=PAIR_COLUMNS).fillna("").astype("str")
    swap = pairs["left_key"] > pairs["right_key"]
    pairs.loc[swap, ["left_key", "right_key"]] = pairs.loc[swap, ["right_key", "left_key"]].to_numpy()
    return pairs.reset_index(drop=True)


def normalise_decision(value: object, *, file: object, row: object) -> str:
    """``merge`` / ``keep_apart`` from what a reviewer typed; "" when left blank; InputError otherwise."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value).strip().lower()
    if text == "":
        return ""
    if text in DECISION_WORDS:
        return DECISION_WORDS[text]
    raise InputError("unknown decision", file=file, row=row, column="decision", value=value,
                     hint="allowed: merge, keep apart, or blank")


def load_decisions(path: Path) -> ReviewDecisions:
    """The project's decisions (``dedup-decisions.csv``) and identities (the file beside it); empty when absent."""
    path = Path(path)
    pairs = _read_csv(path, PAIR_COLUMNS)
    identities = _read_csv(path.with_name(IDENTITIES_FILE), IDENTITY_COLUMNS)
    return ReviewDecisions(pairs, identities)


def save_decisions(decisions: ReviewDecisions, path: Path) -> None:
    """Write both files atomically (a crash never leaves a half-written decisions file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_csv(decisions.pairs[PAIR_COLUMNS], path)
    _write_csv(decisions.identities[IDENTITY_COLUMNS], path.with_name(IDENTITIES_FILE))


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return _empty(columns)
    frame = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", file=path, row=0)
    return frame[columns].astype("str")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    os.replace(tmp, path)
