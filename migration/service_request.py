"""A contact service as a request file for SecuTix's service team (a file-drop or sftp environment).

SecuTix runs the services itself (the Overview's service table): stx-migrate writes the file
it runs, checked by the same rules as an import, and delivers it like an import file.

- create, update, qualify-contacts, qualify-structures: template-format rows (INSERT for
  create, UPDATE otherwise, found by CONTACT_NR). A qualification keeps only what it may
  change (CRITnn; STRUCT_TYPE): every other cell is emptied, and an empty cell on UPDATE
  keeps SecuTix's value, so the request cannot change anything else.
- inactivate, anonymize, delete: a list of contact numbers (``CONTACT_NR`` then one number
  a line), the rows checked as UPDATE rows (digits, present, not twice).

Rows the rules reject are left out and logged; ``update-by-email`` is the customer's own SAM
route (``stx-migrate sam-file``), not a request.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError
from .findings import concat_findings
from .rules import check_contacts
from .service_input import NUMBER_ONLY_OPERATIONS

ROW_OPERATIONS = {"create": "INSERT", "update": "UPDATE", "qualify-contacts": "UPDATE", "qualify-structures": "UPDATE"}
KEPT_COLUMNS = {"qualify-contacts": lambda c: c.startswith("CRIT"), "qualify-structures": lambda c: c == "STRUCT_TYPE"}
GLOBAL_COLUMNS = ("INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR")


@dataclass
class ServiceRequest:
    operation: str
    rows: pd.DataFrame        # the checked rows (SecuTix frame)
    findings: pd.DataFrame    # rejects.csv of the request
    rejected: int

    @property
    def numbers_only(self) -> bool:
        return self.operation in NUMBER_ONLY_OPERATIONS

    def write(self, folder: Path, stem: str, ext: str) -> Path:
        """The request file: ``<stem>.<ext>`` in the template layout, or ``<stem>.csv`` of contact numbers."""
        from .secutix_file import write_secutix_file

        if self.numbers_only:
            path = Path(folder) / f"{stem}.csv"
            pd.DataFrame({"CONTACT_NR": self.rows["CONTACT_NR"].to_numpy()}).to_csv(
                path, index=False, encoding="utf-8", lineterminator="\r\n")
            return path
        return write_secutix_file(self.rows, Path(folder) / f"{stem}.{ext}")


def build_service_request(operation: str, rows: pd.DataFrame, *, institution: str, organization: str,
                          country: str | None = None) -> ServiceRequest:
    """The rows of the request for ``operation``, checked by the rules (rejected rows left out)."""
    if operation not in ROW_OPERATIONS and operation not in NUMBER_ONLY_OPERATIONS:
        raise InputError(f"{operation} is not ordered from SecuTix as a request file"
                         + (": it is the customer's SAM route (stx-migrate sam-file)" if operation == "update-by-email" else ""),
                         value=operation)
    frame = rows.copy()
    keep = KEPT_COLUMNS.get(operation) or (lambda c: operation not in NUMBER_ONLY_OPERATIONS)
    for column in frame.columns:
        if column not in GLOBAL_COLUMNS and not keep(column):
            frame[column] = ""
    frame["OPERATION"] = ROW_OPERATIONS.get(operation, "UPDATE")
    frame["INSTITUTION"] = frame["INSTITUTION"].where(frame["INSTITUTION"] != "", institution)
    frame["ORGANIZATION"] = frame["ORGANIZATION"].where(frame["ORGANIZATION"] != "", organization)
    result = check_contacts(frame, institution_country=country)
    findings = concat_findings([result.findings])
    rejected = pd.Index(findings.loc[findings["severity"] == "error", "source_ref"].unique(), dtype="str")
    checked = result.contacts[~result.contacts.index.isin(rejected)]
    return ServiceRequest(operation, checked, findings, len(rejected))
