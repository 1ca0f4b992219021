"""The approval record and the J-1 extraction checks, as plain functions."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from stx_migrate.migration.approvals import Approval, approval_guard, latest_approval, read_approvals, record_approval
from stx_migrate.migration.refresh_check import extraction_warnings
from stx_migrate.migration.snapshot import SnapshotManifest


def test_the_latest_answer_for_a_hash_is_in_force(tmp_path):
    record_approval(tmp_path, Approval(step="transformations", approved=True, by="Ada", protocol_hash="h1"))
    record_approval(tmp_path, Approval(step="transformations", approved=False, by="Ada", protocol_hash="h2",
                                       comment="titles"))
    approvals = read_approvals(tmp_path)
    assert approval_guard(approvals, "transformations", "h1") == []
    assert approval_guard(approvals, "transformations", "h2") == [
        "ADI's approval of the planned transformations (step 6) refused for protocol h2 by Ada: titles"]
    assert approval_guard(approvals, "transformations", "h3")[0].startswith("no ADI's approval")
    record_approval(tmp_path, Approval(step="gate", approved=True, by="Vic", protocol_hash="h1", deliverable_id="D1"))
    assert latest_approval(read_approvals(tmp_path), "gate", "h1", "D1").by == "Vic"
    assert approval_guard(read_approvals(tmp_path), "gate", "h1", "D2")      # another deliverable: not signed off
    with pytest.raises(ValidationError):
        Approval(step="gate", approved=True, by="   ", protocol_hash="h1")


def _manifest(sha: str, rows: dict[str, int]) -> SnapshotManifest:
    return SnapshotManifest.model_validate({
        "snapshot_id": f"S-{sha}", "project": "p", "extracted_at": "2027-02-28T06:00:00Z", "source": {},
        "content_sha256": sha * 64,
        "datasets": {n: {"rows": r, "columns": [], "sha256": "", "file": f"{n}.parquet", "types": {}} for n, r in rows.items()}})


def test_j1_extraction_warnings():
    j14 = _manifest("a", {"clients": 1000, "companies": 50})
    assert extraction_warnings(j14, _manifest("b", {"clients": 950, "companies": 50}), 0.10) == []
    same = extraction_warnings(j14, _manifest("a", {"clients": 1000, "companies": 50}), 0.10)
    assert len(same) == 1 and "identical to J-14's (snapshot S-a" in same[0]
    fell = extraction_warnings(j14, _manifest("c", {"clients": 800}), 0.10)
    assert fell == ["dataset clients: 800 rows at J-1 against 1000 at J-14, 20.0% fewer (more than refresh.max_row_drop "
                    "10%): a partial extraction?",
                    "dataset companies: 0 rows at J-1 against 50 at J-14, 100.0% fewer (more than refresh.max_row_drop "
                    "10%): a partial extraction?"]
