"""What a contact service (``stx-migrate service``) reads: a SecuTix file or a plain list of contact numbers."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError
from .format import extended_format
from .secutix_file import read_secutix_file

SERVICE_OPERATIONS = ("create", "update", "update-by-email", "inactivate", "anonymize", "delete", "qualify-contacts",
                      "qualify-structures")   # the contact services (docs/secutix-format.md §9)
NUMBER_ONLY_OPERATIONS = {"inactivate", "anonymize", "delete"}   # services that need only the contact number

def read_service_input(path: Path) -> pd.DataFrame:
    """A service's input: a SecuTix file (CSV/XLSX, 4 header rows), or a plain file of contact numbers.

    A plain file has one contact number per line (an optional first line ``CONTACT_NR``);
    it becomes a SecuTix frame with only CONTACT_NR filled, index ``<file>:<line>``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    head = path.read_bytes()[:4096]
    if head.startswith(b"PK") or b"CONTACT_NR," in head or b",CONTACT_NR" in head:
        return read_secutix_file(path).frame
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise InputError("not UTF-8 text", file=path, hint="a file of contact numbers is plain text") from e
    numbers = [line.strip() for line in lines]
    start = 1 if numbers and numbers[0].upper() == "CONTACT_NR" else 0
    refs, values = [], []
    for i, value in enumerate(numbers[start:], start=1):
        if value == "":
            continue
        if not value.isdigit():
            raise InputError("a contact number has digits only", file=path, row=i + start, column="CONTACT_NR", value=value)
        refs.append(f"{path.name}:{i}")
        values.append(value)
    layout = extended_format().layout()
    frame = pd.DataFrame({c: pd.Series([""] * len(values), dtype="str") for c in layout})
    frame["CONTACT_NR"] = pd.Series(values, dtype="str")
    frame["OPERATION"] = "UPDATE"
    frame.index = pd.Index(refs, dtype="str", name="source_ref")
    return frame


@dataclass(frozen=True)
class ServiceInput:
    """A service's checked input: its rows, its id and how many contacts it names."""

    operation: str
    rows: pd.DataFrame
    service_id: str     # the operation and the file's sha256: the same file twice is one service
    contacts: int       # distinct contact numbers named (what a destructive service's --confirm must repeat)


def read_service_request(operation: str, path: Path) -> ServiceInput:
    """``operation``'s input file, checked: a known service; rows beyond contact numbers where it needs them."""
    if operation not in SERVICE_OPERATIONS:
        raise InputError(f"unknown service (allowed: {', '.join(SERVICE_OPERATIONS)})", value=operation)
    path = Path(path)
    rows = read_service_input(path)
    if operation not in NUMBER_ONLY_OPERATIONS and (rows.drop(columns=["CONTACT_NR", "OPERATION"]) == "").all().all():
        raise InputError(f"{operation} needs SecuTix-format rows, not only contact numbers", file=path)
    return ServiceInput(operation=operation, rows=rows,
                        service_id=f"service-{operation}-{hashlib.sha256(path.read_bytes()).hexdigest()[:20]}",
                        contacts=int(rows["CONTACT_NR"].replace("", pd.NA).nunique()))
