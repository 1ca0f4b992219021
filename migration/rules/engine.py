"""The rule engine: every rule of ``rules.yaml`` over a SecuTix frame, vectorised.

For each rule and each of its columns, the registered check gives the rows that break
it; the rule's action (from the catalogue, never from code) rejects the row, drops,
truncates or defaults the value in the frame as it will be imported, and one finding
per row is written. All findings are collected (nothing stops at the first).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..findings import FINDING_COLUMNS, empty_findings
from ..format import extended_format
from ..reference import ReferenceData
from ..secutix_file.layout import check_frame_columns
from .catalogue import Rule, load_rules
from .checks import CHECKS
from .context import Context

FINDING_VALUE_LIMIT = 200   # characters of a value quoted in rejects.csv (a 20 MB cell is not copied)


@dataclass
class CheckResult:
    """What the rules say about a frame (all indexed by ``source_ref`` except ``findings``)."""

    contacts: pd.DataFrame   # the frame as it will be imported: truncations, drops, defaults applied
    findings: pd.DataFrame   # rejects.csv rows, in file order
    kinds: pd.Series         # individual | structure | structure_relay | config | none
    rejected: pd.Series      # bool: the row is not imported (an error finding)

    @property
    def valid(self) -> pd.Series:
        return ~self.rejected

    def reasons(self) -> dict[str, int]:
        """Finding code → number of findings, most frequent first."""
        counts = self.findings["code"].value_counts()
        return {str(code): int(n) for code, n in counts.items()}


def check_contacts(
    frame: pd.DataFrame,
    *,
    reference: ReferenceData | None = None,
    institution_country: str | None = None,
    today: date | None = None,
) -> CheckResult:
    """Check a SecuTix frame against every rule of the catalogue.

    ``reference``: the target's code lists (codes are checked only against lists it
    gives). ``institution_country``: the default for an unknown COUNTRY (without it the
    value is dropped). ``today``: the date "future" birth dates are compared to.
    The input frame is not modified.
    """
    check_frame_columns(frame.columns)
    ctx = Context(frame, reference, institution_country, today or date.today())
    catalogue = load_rules()
    missing = [r.code for r in catalogue.rules if r.code not in CHECKS]
    if missing:
        raise RuntimeError(f"rules.yaml: no check registered for {missing}")
    contacts = frame.copy(deep=False)  # columns are replaced, never written in place (copy-on-write)
    rejected = np.zeros(len(frame), dtype=bool)
    parts: list[pd.DataFrame] = []
    for order, rule in enumerate(catalogue.rules):
        for column in rule.columns:
            if column not in frame.columns:
                continue  # ROLE in a layout without it
            mask = np.asarray(CHECKS[rule.code](ctx, column), dtype=bool)
            if not mask.any():
                continue
            parts.append(_findings(frame, rule, column, mask, order))
            if rule.action == "reject":
                rejected |= mask
            else:
                contacts[column] = _corrected(contacts[column], rule, column, mask, institution_country)
    _expand_configured_codes(ctx, contacts)
    index = frame.index
    return CheckResult(
        contacts=contacts,
        findings=_ordered(parts),
        kinds=pd.Series(ctx.kinds, index=index, dtype="str", name="kind"),
        rejected=pd.Series(rejected, index=index, name="rejected"),
    )


def _corrected(values: pd.Series, rule: Rule, column: str, mask: np.ndarray, country: str | None) -> pd.Series:
    keep = ~mask
    if rule.action == "drop":
        return values.where(keep, "")
    if rule.action == "truncate":
        limit = extended_format().column(column).max_length
        return values.where(keep, values.str.slice(0, limit))
    default = (rule.default or "").replace("{institution_country}", country or "")
    return values.where(keep, default)


def _expand_configured_codes(ctx: Context, contacts: pd.DataFrame) -> None:
    """Bare CodeValue cells become ``CODE=value`` with the code a CONFIG row set (secutix-format §3.2).

    Every row of the imported frame is then self-contained (secutix-format §3.2 policy).
    """
    if not ctx.is_config.any():
        return
    for column in ctx.codevalue_columns:
        values = contacts[column]
        configured = ctx.configured_code(column)
        bare = ctx.present(column) & (values != "").to_numpy(dtype=bool) \
            & ~values.str.contains("=", regex=False).to_numpy(dtype=bool) & (configured != "").to_numpy(dtype=bool)
        if bare.any():
            contacts[column] = values.where(~bare, configured + "=" + values)


def _findings(frame: pd.DataFrame, rule: Rule, column: str, mask: np.ndarray, order: int) -> pd.DataFrame:
    positions = np.flatnonzero(mask)
    value = frame[column].iloc[positions]
    if (value.str.len() > FINDING_VALUE_LIMIT).any():
        long = value.str.len() > FINDING_VALUE_LIMIT
        value = value.where(~long, value.str.slice(0, FINDING_VALUE_LIMIT) + "…")
    n = len(positions)
    return pd.DataFrame({
        "_position": positions,
        "_order": np.full(n, order),
        "source_ref": frame.index[positions].astype("str"),
        "contact_nr": frame["CONTACT_NR"].iloc[positions].to_numpy(),
        "column": pd.Series([column], dtype="str").repeat(n).to_numpy(),
        "code": pd.Series([rule.code], dtype="str").repeat(n).to_numpy(),
        "severity": pd.Series([rule.severity], dtype="str").repeat(n).to_numpy(),
        "message": pd.Series([rule.message_for(column)], dtype="str").repeat(n).to_numpy(),
        "value": value.to_numpy(),
    })


def _ordered(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return empty_findings()
    findings = pd.concat(parts, ignore_index=True)
    findings = findings.sort_values(["_position", "_order"], kind="stable", ignore_index=True)
    return findings[FINDING_COLUMNS].astype("str")
