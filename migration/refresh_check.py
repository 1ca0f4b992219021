"""The J-1 extraction against J-14's: warnings a VN reads before trusting the refresh.

A J-1 extraction identical to J-14's (same content hash) usually means the customer sent
the old file again; a dataset that lost more rows than ``refresh.max_row_drop`` (a share)
usually means a partial extraction. Both are warnings, not refusals: the refresh goes on,
says so, and records it.
"""
from __future__ import annotations

from .snapshot import SnapshotManifest


def extraction_warnings(before: SnapshotManifest, after: SnapshotManifest, max_row_drop: float) -> list[str]:
    """What looks wrong with ``after`` (J-1) compared with ``before`` (the validated J-14 snapshot)."""
    warnings = []
    if after.content_sha256 == before.content_sha256:
        warnings.append(f"the J-1 extraction is identical to J-14's (snapshot {before.snapshot_id}, same content hash "
                        f"{after.content_sha256[:12]}): was a new extraction sent?")
    for name, old in before.datasets.items():
        new = after.datasets.get(name)
        rows = new.rows if new is not None else 0
        if old.rows and (old.rows - rows) / old.rows > max_row_drop:
            warnings.append(f"dataset {name}: {rows} rows at J-1 against {old.rows} at J-14, "
                            f"{(old.rows - rows) / old.rows:.1%} fewer (more than refresh.max_row_drop "
                            f"{max_row_drop:.0%}): a partial extraction?")
    return warnings
