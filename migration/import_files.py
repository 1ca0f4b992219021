"""The deliverable's import files: ``contacts.csv`` and ``contacts.xlsx``, or numbered xlsx parts past one sheet.

One sheet holds 1,048,576 rows, 4 of them the header block: at most 1,048,572 contacts
(:data:`XLSX_MAX_CONTACTS`). Up to that, the deliverable holds ``contacts.xlsx`` as always.
Above it (docs/secutix-format.md, "more contacts than one sheet holds"), the xlsx import
file is split in order into ``contacts-001.xlsx``, ``contacts-002.xlsx``… each with its
own rows 1–4 and at most :data:`XLSX_MAX_CONTACTS` contacts, part *k* holding the contacts
after those of parts 1…k-1. ``contacts.csv`` stays one file (a CSV has no row limit):
imports, the gate and the J-1 diff read it, as below the limit. Every part is listed with
its sha256 in ``manifest.json`` like any file, so the guards and deliveries treat the
parts as one deliverable.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .format import HEADER_ROWS
from .secutix_file import write_secutix_file
from .secutix_file.xlsx_writer import EXCEL_ROW_LIMIT

XLSX_MAX_CONTACTS = EXCEL_ROW_LIMIT - HEADER_ROWS   # read at call time: tests force a small limit
CSV_FILE = "contacts.csv"
XLSX_FILE = "contacts.xlsx"
_PART = re.compile(r"contacts-(\d{3,})\.(xlsx|csv)")


def xlsx_names(contacts: int, limit: int | None = None) -> list[str]:
    """The xlsx import file names for ``contacts`` rows: ``[contacts.xlsx]``, or the numbered parts past the limit."""
    limit = limit or XLSX_MAX_CONTACTS
    if contacts <= limit:
        return [XLSX_FILE]
    parts = -(-contacts // limit)
    width = max(3, len(str(parts)))
    return [f"contacts-{k:0{width}d}.xlsx" for k in range(1, parts + 1)]


def write_xlsx_files(contacts: pd.DataFrame, folder: Path, settings=None, name: str = XLSX_FILE) -> list[str]:
    """Write the xlsx import file(s) of ``contacts`` into ``folder``; returns their names in order.

    ``name`` other than ``contacts.xlsx`` is written whole (a caller's own file).
    """
    kwargs = {} if settings is None else {"settings": settings}
    if name != XLSX_FILE:
        write_secutix_file(contacts, Path(folder) / name, **kwargs)
        return [name]
    names = xlsx_names(len(contacts))
    size = XLSX_MAX_CONTACTS
    for k, part in enumerate(names):
        rows = contacts if len(names) == 1 else contacts.iloc[k * size:(k + 1) * size]
        write_secutix_file(rows, Path(folder) / part, **kwargs)
    return names


def write_import_file(contacts: pd.DataFrame, folder: Path, ext: str, settings=None) -> list[str]:
    """``contacts.csv``, or the xlsx file(s); the names written, in order."""
    if ext == "csv":
        kwargs = {} if settings is None else {"settings": settings}
        write_secutix_file(contacts, Path(folder) / CSV_FILE, **kwargs)
        return [CSV_FILE]
    return write_xlsx_files(contacts, folder, settings)


def import_file_names(names, ext: str) -> list[str]:
    """Among a deliverable's file names (its manifest's), the import file(s) of kind ``ext``, in part order."""
    names = list(names)
    whole = f"contacts.{ext}"
    if whole in names:
        return [whole]
    parts = [(int(m.group(1)), n) for n in names if (m := _PART.fullmatch(n)) and m.group(2) == ext]
    return [n for _, n in sorted(parts)]
