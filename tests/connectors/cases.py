"""The data every source kind is tested with, and how each kind is given it.

One table ``people`` of 23 rows (not a multiple of any chunk size tried): an integer
key, text with accents, quotes, a quoted newline and a ``;``, NULLs, a date and a
decimal amount. Each case writes it into its kind (a file or a real server) and
says which Arrow types and Python values the reader must give back.
"""
from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from collections.abc import Callable

import pyarrow as pa

NAMES = ["Zoë Dupont", "O'Brien", "Œdipe Roi", "Line\nbreak", "semi;colon", "José Nuñez", "Ærø", "plain",
         "quote \"inside\"", "  spaced  ", "Müller", "Šárka", "€uro", "Ñandú", "last"]


def people_rows() -> list[tuple]:
    rows = []
    for i in range(1, 24):
        name = NAMES[i % len(NAMES)]
        town = None if i % 5 == 0 else f"Town {i:02d}"
        born = dt.date(1950 + i, (i % 12) + 1, (i % 27) + 1)
        amount = decimal.Decimal(f"{i * 7}.{i % 100:02d}")
        rows.append((i, name, town, born, amount))
    return rows


COLUMNS = ["id", "name", "town", "born", "amount"]


@dataclass
class Case:
    """How one kind holds ``people`` and what the reader must give back."""

    id: str
    source: Callable[..., dict]            # (tmp_path, request) -> the project's source block
    types: dict[str, pa.DataType]
    expect: Callable[[tuple], tuple]       # a row of people_rows() -> the Python values read back
    key: list[str] | None = None
    marks: list = field(default_factory=list)
    dataset: str = "people"                # the dataset the kind names it (secutix-file: always contacts)
    columns: list[str] = field(default_factory=lambda: list(COLUMNS))


def as_text(row: tuple) -> tuple:
    """A people row as a CSV holds it (an empty field for NULL, ISO date)."""
    i, name, town, born, amount = row
    return (str(i), name, town or "", born.isoformat(), str(amount))
