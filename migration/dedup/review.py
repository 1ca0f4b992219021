"""``review.xlsx``: the pairs between the review and auto-merge thresholds, both records side by side.

One row per pair. A reviewer fills the ``decision`` column (``merge`` / ``keep apart``,
a drop-down) and may sign in ``decided by``; the returned file is read back by
:func:`read_review_file` into :class:`ReviewDecisions`, which the next run applies and the
project keeps. The file carries personal data on purpose (it is a report for a person).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..errors import InputError
from ..spreadsheet_safe import neutralise_cells
from .decisions import PAIR_COLUMNS, ReviewDecisions, normalise_decision
from .result import DedupResult

SHEET = "review"
SHOWN_FIELDS = ["CONTACT_NR", "TITLE", "FIRSTNAME", "LASTNAME", "BIRTHDATE", "OFFICIAL_NAME", "LINE1", "ZIPCODE",
                "TOWN", "COUNTRY", "EMAIL1", "EMAIL2", "TELEPHONE", "CELLPHONE"]
FIXED = ["pair", "decision", "decided by", "score", "rule", "source_ref 1", "source_ref 2", "key 1", "key 2"]
DECISION_CHOICES = ["merge", "keep apart"]


def review_table(result: DedupResult, contacts: pd.DataFrame, existing: pd.DataFrame | None = None) -> pd.DataFrame:
    """The review rows: fixed columns, then each shown field for record 1 and record 2."""
    pairs = result.review_pairs
    records = contacts if existing is None or not len(existing) else pd.concat([contacts, existing])
    records = records[~records.index.duplicated()]
    table = pd.DataFrame({
        "pair": range(1, len(pairs) + 1), "decision": "", "decided by": "",
        "score": pairs["score"].astype(float).to_numpy(), "rule": pairs["rule"].to_numpy(),
        "source_ref 1": pairs["left_ref"].to_numpy(), "source_ref 2": pairs["right_ref"].to_numpy(),
        "key 1": pairs["left_key"].to_numpy(), "key 2": pairs["right_key"].to_numpy(),
    })
    why = result.review_evidence
    if len(why) == len(pairs) and len(pairs):   # why the pair is proposed: group, impact, per-field levels
        for column in why.columns:
            table[column] = why[column].to_numpy()
    for field in SHOWN_FIELDS:
        values = records[field] if field in records else pd.Series("", index=records.index)
        table[f"{field} 1"] = values.reindex(pairs["left_ref"]).fillna("").to_numpy()
        table[f"{field} 2"] = values.reindex(pairs["right_ref"]).fillna("").to_numpy()
    return table


def write_review_workbook(result: DedupResult, contacts: pd.DataFrame, path: Path,
                          existing: pd.DataFrame | None = None, created: datetime | None = None) -> Path:
    """Write ``review.xlsx`` (always, even with no pair: the reviewer sees there is nothing to do).

    ``created``: the workbook's creation date (default: now); the same date and the same
    result give a byte-identical file (prepare passes the snapshot's extraction time).
    """
    table = neutralise_cells(review_table(result, contacts, existing), keep=("key 1", "key 2"))   # keys are read back
    path = Path(path)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    try:
        if created is not None:
            book.set_properties({"created": created})
        sheet = book.add_worksheet(SHEET)
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        left = book.add_format({"bg_color": "#F2F2F2"})
        names = [str(name) for name in table.columns]
        sheet.write_row(0, 0, names, head)
        # plain Python lists, and each column's kind decided once: looking names and cells up in
        # pandas per cell cost more than writing them (half a million cells at 1M contacts).
        # Row by row, as before: the shared-strings table keeps its order (same bytes).
        numeric = [name in ("pair", "score", "group", "records joined") for name in names]
        formats = [left if name.endswith(" 1") and col >= len(FIXED) else None for col, name in enumerate(names)]
        columns = [table[name].tolist() for name in names]
        write_number, write_string = sheet.write_number, sheet.write_string
        for row, values in enumerate(zip(*columns), start=1):
            for col, value in enumerate(values):
                if numeric[col]:
                    write_number(row, col, float(value))
                else:
                    write_string(row, col, "" if value is None else str(value), formats[col])
        if len(table):
            sheet.data_validation(1, 1, len(table), 1, {"validate": "list", "source": DECISION_CHOICES})
        sheet.freeze_panes(1, 5)
        sheet.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)
        sheet.set_column(0, 0, 6)
        sheet.set_column(1, 2, 14)
        sheet.set_column(5, len(table.columns) - 1, 18)
        notes = book.add_worksheet("how to review")
        for i, line in enumerate([
            "Each row is a pair of records that may be the same contact (score between the review and auto-merge thresholds).",
            "Column 'decision': choose 'merge' (same contact) or 'keep apart' (different contacts); leave blank if unsure.",
            "Column 'decided by': your name (optional). Do not change the 'key 1' / 'key 2' columns: they identify the pair.",
            "Pairs that touch the same contacts share a 'group' (decide them together); groups come by 'records joined', the largest first.",
            "Columns 'first name' … 'phone': how the two records compare on that field and the weight it carried (bits, + for, − against).",
            "Return the file: the next run applies every decision, and the project keeps it for every later run (J-1, J).",
        ]):
            notes.write_string(i, 0, line)
    finally:
        book.close()
    return path


def read_review_file(path: Path, decided_at: str | None = None) -> ReviewDecisions:
    """The decisions in a returned ``review.xlsx``: rows with a decision, keyed by ``key 1`` / ``key 2``.

    Raises InputError naming the file, the row and the column for an unreadable file, a
    missing column or a decision that is neither merge nor keep apart.
    """
    from python_calamine import CalamineWorkbook

    path = Path(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    except Exception as e:  # calamine raises its own error types for every kind of bad file
        raise InputError(f"cannot read the review workbook ({type(e).__name__}: {e})", file=path,
                         hint=f"expected the '{SHEET}' sheet of a review.xlsx written by stx-migrate") from None
    if not rows:
        raise InputError("the review sheet is empty", file=path, row=1)
    header = [str(v).strip() for v in rows[0]]
    missing = [c for c in ("decision", "key 1", "key 2") if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} in the header row", file=path, row=1)
    at = {name: header.index(name) for name in header}
    stamp = decided_at or datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    records = []
    for number, row in enumerate(rows[1:], start=2):
        cell = lambda name: row[at[name]] if name in at and at[name] < len(row) else ""  # noqa: E731
        decision = normalise_decision(cell("decision"), file=path, row=number)
        if not decision:
            continue
        left, right = str(cell("key 1")).strip(), str(cell("key 2")).strip()
        if not left or not right:
            raise InputError("a decided pair has no key", file=path, row=number, column="key 1" if not left else "key 2",
                             hint="the key columns identify the pair; do not edit them")
        records.append({"left_key": left, "right_key": right, "decision": decision,
                        "decided_by": str(cell("decided by") or "").strip(), "decided_at": stamp})
    pairs = pd.DataFrame(records, columns=PAIR_COLUMNS).astype("str")
    return ReviewDecisions(pairs)
