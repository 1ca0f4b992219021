"""The template layout of a SecuTix file: which codes row 4 may hold, and the header rows.

Row 4 is the row SecuTix's importer reads (secutix-format §2.1); stx-migrate accepts exactly the
layout of ``columns.yaml``, with or without ROLE (secutix-format §13 Q3, Q8), and says precisely
what is wrong otherwise: blank, duplicated, unknown, missing or misplaced codes.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..errors import InputError
from ..format import HEADER_ROWS, extended_format


def column_letter(position: int) -> str:
    """Excel column letters of a 1-based position: 1 → A, 27 → AA."""
    letters = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_name(position: int) -> str:
    """``column 5 (E)``: how messages name a column that has no valid code."""
    return f"{position} ({column_letter(position)})"


def check_codes_row(codes: Sequence[str], file: object) -> tuple[list[str], bool]:
    """Check row 4 of a file; returns (the layout it matches, whether it has ROLE).

    Trailing blank cells are allowed (spreadsheets pad rows); the caller makes sure no
    data sits under them. Anything else that differs from the layout raises
    :class:`InputError` naming the file, row 4, the column and the value.
    """
    fmt = extended_format()
    codes = [("" if c is None else str(c)) for c in codes]
    while codes and codes[-1].strip() == "":
        codes.pop()
    if not codes:
        raise InputError("row 4 holds no column codes (a SecuTix file has 4 header rows, codes in row 4)",
                         file=file, row=HEADER_ROWS)
    with_role = "ROLE" in codes
    expected = fmt.layout(with_role=with_role)
    if codes == expected:
        return expected, with_role
    if len(codes) == 1 and (";" in codes[0] or "\t" in codes[0]):
        separator = "';'" if ";" in codes[0] else "tabs"
        raise InputError(f"the fields are separated by {separator}: SecuTix CSV files are comma-separated (secutix-format §2.2)",
                         file=file, row=HEADER_ROWS, value=codes[0], hint="save as 'CSV (Comma delimited)'")
    known = set(fmt.layout(with_role=True))
    seen: dict[str, int] = {}
    for position, code in enumerate(codes, start=1):
        if code.strip() == "":
            raise InputError("blank column header in the codes row", file=file, row=HEADER_ROWS,
                             column=column_name(position))
        if code in seen:
            raise InputError(f"column code appears twice (first in column {column_name(seen[code])})",
                             file=file, row=HEADER_ROWS, column=column_name(position), value=code)
        seen[code] = position
        if code not in known:
            near = code.strip().upper()
            hint = f"did you mean {near}?" if near in known else "not a column of the SecuTix extended format"
            raise InputError("unknown column code", file=file, row=HEADER_ROWS, column=column_name(position),
                             value=code, hint=hint)
    missing = [c for c in expected if c not in seen]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(f"missing column(s): {shown}", file=file, row=HEADER_ROWS,
                         hint="keep every column of the template (secutix-format §2.1)")
    for position, (got, want) in enumerate(zip(codes, expected), start=1):
        if got != want:
            raise InputError(f"columns out of order: expected {want} here", file=file, row=HEADER_ROWS,
                             column=column_name(position), value=got, hint="do not move columns (secutix-format §2.1)")
    raise InputError("row 4 does not match the template layout", file=file, row=HEADER_ROWS)  # unreachable


def template_header_rows(codes: Sequence[str]) -> list[list[str]]:
    """Rows 1–3 of the built-in template for ``codes`` (section, label, help), from columns.yaml."""
    return extended_format().header_rows(list(codes))[:3]


def normalise_header_rows(header_rows: Sequence[Sequence[object]] | None, codes: Sequence[str]) -> list[list[str]]:
    """Rows 1–3 to write: the given ones (padded/cut to the layout's width) or the built-in ones.

    ``header_rows`` may hold 3 rows, or 4 whose last equals ``codes``; rows 1–3 are copied
    verbatim (secutix-format §2.1: never invented when a template is given).
    """
    if header_rows is None:
        return template_header_rows(codes)
    rows = [["" if v is None else str(v) for v in row] for row in header_rows]
    if len(rows) == 4:
        if rows[3][: len(codes)] != list(codes):
            raise ValueError("header_rows: row 4 differs from the frame's columns")
        rows = rows[:3]
    if len(rows) != 3:
        raise ValueError(f"header_rows: expected rows 1-3 (3 rows), got {len(rows)}")
    width = len(codes)
    return [(row + [""] * width)[:width] for row in rows]


def check_frame_columns(columns: Sequence[str]) -> bool:
    """A frame to write must have the layout's columns in order; returns whether ROLE is in."""
    fmt = extended_format()
    columns = list(columns)
    for with_role in (False, True):
        if columns == fmt.layout(with_role=with_role):
            return with_role
    extra = [c for c in columns if c not in fmt.layout(with_role=True)]
    missing = [c for c in fmt.layout() if c not in columns]
    raise ValueError(f"not a SecuTix frame: columns must be the template layout in order "
                     f"(unknown: {extra[:5]}, missing: {missing[:5]})")
