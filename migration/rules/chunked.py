"""The rule engine chunk by chunk: the same result as :func:`check_contacts` on the whole frame.

Chunks let a parallel task runner (prefect-dask) spread validation over several processes
or machines. Every rule looks at one row only, except two:

* ``CONTACT_NR_DUPLICATE`` — a number seen in an *earlier* row: each chunk finds the
  duplicates inside itself; the ones whose first occurrence is in an earlier chunk are
  found here, on the whole column (one vectorised ``duplicated``), and added;
* CONFIG rows — they set codes for the rows *after* them: a frame that has any is
  checked whole (the deliverables stx-migrate writes have none, secutix-format §3.2).

``map_chunks(stage, chunks, name)`` runs ``stage`` on each chunk and returns the results
in chunk order (``name`` labels the stage in the UI); the default runs them one after the other. The Prefect side passes
``tasks.runner.run_chunks`` bound to the project's task runner.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from datetime import date
from functools import partial

import numpy as np
import pandas as pd

from ..findings import FINDING_COLUMNS
from ..reference import ReferenceData
from .catalogue import load_rules
from .engine import CheckResult, _findings, check_contacts

MapChunks = Callable[[Callable[[Any], Any], Sequence[Any], str], list[Any]]
DUPLICATE_RULE = "CONTACT_NR_DUPLICATE"


def one_after_the_other(stage: Callable[[Any], Any], chunks: Sequence[Any], name: str = "") -> list[Any]:
    """The default ``map_chunks``: each chunk in turn, in this process."""
    return [stage(chunk) for chunk in chunks]


def check_contacts_in_chunks(
    frame: pd.DataFrame,
    *,
    chunk_rows: int,
    map_chunks: MapChunks | None = None,
    reference: ReferenceData | None = None,
    institution_country: str | None = None,
    today: date | None = None,
) -> CheckResult:
    """:func:`check_contacts` computed over chunks of ``chunk_rows`` rows; identical result."""
    today = today or date.today()
    stage = partial(check_contacts, reference=reference, institution_country=institution_country, today=today)
    has_config = bool((frame["OPERATION"].str.strip().str.upper() == "CONFIG").any()) if len(frame) else False
    if len(frame) <= chunk_rows or has_config:
        return stage(frame)
    chunks = [frame.iloc[start:start + chunk_rows] for start in range(0, len(frame), chunk_rows)]
    results = (map_chunks or one_after_the_other)(stage, chunks, "check-contacts")
    contacts = pd.concat([r.contacts for r in results])
    kinds = pd.concat([r.kinds for r in results])
    rejected = pd.concat([r.rejected for r in results]).to_numpy(dtype=bool).copy()
    findings = pd.concat([r.findings for r in results], ignore_index=True)
    across = _duplicates_across_chunks(frame, findings)
    if across.any():
        rejected |= across
        findings = _with_duplicate_findings(frame, findings, across)
    return CheckResult(
        contacts=contacts,
        findings=findings,
        kinds=kinds,
        rejected=pd.Series(rejected, index=frame.index, name="rejected"),
    )


def _duplicates_across_chunks(frame: pd.DataFrame, findings: pd.DataFrame) -> np.ndarray:
    """Rows whose contact number appeared in an earlier row but no chunk flagged it (same test as the rule)."""
    numbers = frame["CONTACT_NR"]
    is_data = (frame["OPERATION"].str.strip().str.upper() != "CONFIG").to_numpy(dtype=bool)
    rows = is_data & (numbers != "").to_numpy(dtype=bool)
    duplicate = np.zeros(len(frame), dtype=bool)
    duplicate[rows] = numbers[rows].duplicated(keep="first").to_numpy(dtype=bool)
    flagged = frame.index.isin(findings.loc[findings["code"] == DUPLICATE_RULE, "source_ref"])
    return duplicate & ~flagged


def _with_duplicate_findings(frame: pd.DataFrame, findings: pd.DataFrame, across: np.ndarray) -> pd.DataFrame:
    """Add the missed duplicate findings and put every finding back in the engine's order (row, then rule)."""
    catalogue = load_rules()
    order = {rule.code: i for i, rule in enumerate(catalogue.rules)}
    rule = next(r for r in catalogue.rules if r.code == DUPLICATE_RULE)
    added = _findings(frame, rule, "CONTACT_NR", across, order[DUPLICATE_RULE])
    position = pd.Series(np.arange(len(frame)), index=frame.index)
    keyed = findings.assign(_position=findings["source_ref"].map(position).to_numpy(),
                            _order=findings["code"].map(order).to_numpy())
    merged = pd.concat([keyed, added], ignore_index=True)
    merged = merged.sort_values(["_position", "_order"], kind="stable", ignore_index=True)
    return merged[FINDING_COLUMNS].astype("str")
