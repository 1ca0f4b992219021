"""Dedup inside a project: decisions and identities kept under ``procedure/`` from trial to J.

``procedure/dedup-decisions.csv`` (pair decisions) and ``procedure/dedup-identities.csv``
(migration identities) are read before matching and written after it; a returned
``review.xlsx`` — given explicitly or dropped into ``procedure/dedup-returned/`` — is
absorbed first (newest file last, so a later decision wins) and then moved to
``procedure/dedup-returned/applied/``. The J-1 refresh therefore reuses every decision.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..settings.dedup import DedupSettings
from .decisions import DECISIONS_FILE, ReviewDecisions, load_decisions, save_decisions
from .find import find_duplicates
from .result import DedupResult
from .review import read_review_file

RETURNED_DIR = "dedup-returned"


def returned_review_files(procedure_dir: Path) -> list[Path]:
    """Review workbooks waiting in ``procedure/dedup-returned/``, oldest first."""
    folder = Path(procedure_dir) / RETURNED_DIR
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")), key=lambda p: (p.stat().st_mtime, p.name))


def pending_decisions(procedure_dir: Path, files: Iterable[Path] = ()) -> tuple[ReviewDecisions, list[Path]]:
    """Kept decisions + the given files + the waiting returned files, and the waiting files; nothing saved or moved.

    Every file is read here: one bad file (InputError) stops before anything changes.
    Call :func:`keep_decisions` once the run's output is in place.
    """
    decisions = load_decisions(Path(procedure_dir) / DECISIONS_FILE)
    waiting = returned_review_files(procedure_dir)
    for file in [*files, *waiting]:
        decisions = decisions.combine(read_review_file(Path(file)))
    return decisions, waiting


def keep_decisions(procedure_dir: Path, decisions: ReviewDecisions, waiting: Iterable[Path] = ()) -> None:
    """Save decisions and identities under ``procedure/``, then move the absorbed returned files to ``applied/``."""
    save_decisions(decisions, Path(procedure_dir) / DECISIONS_FILE)
    waiting = [Path(f) for f in waiting if Path(f).exists()]
    if waiting:
        applied = Path(procedure_dir) / RETURNED_DIR / "applied"
        applied.mkdir(parents=True, exist_ok=True)
        for file in waiting:
            os.replace(file, applied / file.name)


def absorb_review_files(procedure_dir: Path, files: Iterable[Path] = ()) -> ReviewDecisions:
    """Kept decisions + the given files + the waiting returned files; saved, and the waiting files moved to ``applied/``.

    Every file is read before anything is saved: one bad file (InputError) changes nothing.
    """
    decisions, waiting = pending_decisions(procedure_dir, files)
    keep_decisions(procedure_dir, decisions, waiting)
    return decisions


def find_duplicates_in_project(
    contacts: pd.DataFrame,
    settings: DedupSettings,
    procedure_dir: Path,
    *,
    existing: pd.DataFrame | None = None,
    review_files: Iterable[Path] = (),
    recency: pd.Series | None = None,
    country: str = "FR",
) -> DedupResult:
    """:func:`find_duplicates` with the project's kept decisions; saves decisions and identities afterwards."""
    decisions = absorb_review_files(procedure_dir, review_files)
    result = find_duplicates(contacts, settings, existing=existing, decisions=decisions, recency=recency, country=country)
    save_decisions(result.decisions, Path(procedure_dir) / DECISIONS_FILE)
    return result
