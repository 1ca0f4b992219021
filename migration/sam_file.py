"""The basic import / update-by-e-mail file for SAM, the customer's own import screen.

The basic route (spec: SAM finds the contact by e-mail and may set first name, last name, one
postal address, criteria and authorizations) takes a plain CSV with one header row, not the
4-row template. Its exact column names come from a template downloaded from the customer's
SAM (they vary; no sample is at hand): given one, its header row is kept as is and each of
its columns filled from the SecuTix column its name means (the same fr/de/en header reading
as ``stx-migrate init``); without one, the columns are named by their SecuTix codes.
Rows without an e-mail, and a second row with the same e-mail, cannot be keyed: they are
left out and listed with a code.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .format import extended_format
from .scaffold.guess import header_target

BASIC_COLUMNS = ("EMAIL1", "FIRSTNAME", "LASTNAME", "LINE1", "LINE2", "LINE3", "ZIPCODE", "TOWN", "COUNTRY")


def basic_columns() -> list[str]:
    """E-mail, names, one postal address, then the authorizations and the criteria of the layout."""
    fmt = extended_format()
    layout = fmt.layout()
    consents = list(fmt.of_type("boolean"))
    criteria = [c for c in layout if c.startswith("CRIT")]
    return list(BASIC_COLUMNS) + [c for c in layout if c in consents] + criteria


@dataclass
class SamFile:
    frame: pd.DataFrame          # the file's columns, in order
    skipped: pd.DataFrame        # source_ref, code, message
    unmapped: list[str]          # template columns no SecuTix column fills (written empty)


def sam_rows(contacts: pd.DataFrame, template_header: list[str] | None = None) -> SamFile:
    """The SAM rows of a SecuTix frame, keyed by e-mail (see the module's docstring)."""
    email = contacts["EMAIL1"].str.strip().str.lower()
    no_email = email == ""
    repeated = email.duplicated() & ~no_email
    skipped = pd.concat([
        pd.DataFrame({"source_ref": contacts.index[no_email], "code": "SAM_EMAIL_MISSING",
                      "message": "SAM finds a contact by its e-mail: this row has none"}),
        pd.DataFrame({"source_ref": contacts.index[repeated], "code": "SAM_EMAIL_DUPLICATE",
                      "message": "an earlier row has the same e-mail: SAM would apply both to one contact"}),
    ], ignore_index=True)
    kept = contacts[~(no_email | repeated)]
    allowed = set(basic_columns())
    if template_header is None:
        columns = {c: c for c in basic_columns() if c in kept.columns}
        unmapped = []
    else:
        targets = {name: header_target(name) for name in template_header}
        columns = {name: t for name, t in targets.items() if t in allowed}
        unmapped = [name for name in template_header if name not in columns]
    frame = pd.DataFrame({name: (kept[code].to_numpy() if code else "") for name, code in columns.items()},
                         index=kept.index)
    if template_header is not None:
        frame = frame.reindex(columns=template_header, fill_value="")
    return SamFile(frame.fillna("").astype("str"), skipped, unmapped)
