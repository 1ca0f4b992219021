"""Caps on what an ``.xlsx`` (a zip) may inflate to, checked from its directory before any read.

A 1.4 MB workbook can hold gigabytes of repeated bytes (a zip bomb) and took 1.7 GB of
memory before this check. Real workbooks compress 5 to 20 times; a 1M-row export in the
SecuTix layout is about 145 MB zipped and under 2 GB inflated.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import InputError

MAX_INFLATED_BYTES = 4 << 30     # the whole archive, inflated
MAX_RATIO = 100                  # per member of more than RATIO_FLOOR bytes inflated
RATIO_FLOOR = 10 << 20


def check_zip_inflation(path: Path, dataset: str | None = None) -> None:
    """InputError when the workbook at ``path`` would inflate beyond the caps (a non-zip file passes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return   # not a zip (an .xls, a broken file): the reader says what it is
    total = sum(m.file_size for m in members)
    if total > MAX_INFLATED_BYTES:
        raise InputError(f"the workbook inflates to {total / (1 << 30):.1f} GB (cap {MAX_INFLATED_BYTES >> 30} GB): "
                         "refused before reading", file=path, dataset=dataset)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise InputError(f"{member.filename} has a compression ratio of {ratio:.0f} (cap {MAX_RATIO}): a zip bomb, "
                             "not a workbook; refused before reading", file=path, dataset=dataset)
