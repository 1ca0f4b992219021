"""``validate``: check one SecuTix-format file against the rules, with no project.

Writes ``summary.json`` (``rows_in, valid, rejected, warnings, reasons``; nothing is
merged or dropped here) and ``rejects.csv`` (architecture §4) into ``out_dir``, through a
staging folder so that a failed run leaves no half-written output.
"""
from __future__ import annotations

import logging
from pathlib import Path

from .findings import write_findings
from .reference import ReferenceData
from .rules import check_contacts
from .secutix_file import read_secutix_file
from .summary import Summary, write_summary
from .workspace import staged_output

log = logging.getLogger(__name__)


def validate_file(
    path: Path | str,
    out_dir: Path | str,
    *,
    reference: ReferenceData | None = None,
    institution_country: str | None = None,
    encoding: str | None = None,
) -> Summary:
    """Read ``path`` (CSV or XLSX), run every rule, write summary.json and rejects.csv.

    Raises InputError (exit 2) when the file cannot be read; rejected rows are counted,
    not raised. ``reasons`` maps each finding code to its number of findings;
    ``warnings`` counts warning findings.
    """
    source = read_secutix_file(path, encoding=encoding)
    log.info("read %s: %d rows (%s%s)", source.path.name, source.rows, source.kind,
             f", {source.encoding}" if source.encoding else "")
    result = check_contacts(source.frame, reference=reference, institution_country=institution_country)
    rejected = int(result.rejected.sum())
    summary = Summary(
        rows_in=source.rows,
        valid=source.rows - rejected,
        rejected=rejected,
        merged=0,
        dropped=0,
        warnings=int((result.findings["severity"] == "warning").sum()),
        reasons=result.reasons(),
    )
    with staged_output(Path(out_dir)) as staging:
        write_findings(result.findings, staging / "rejects.csv")
        write_summary(summary, staging / "summary.json")
    log.info("validated %s: %d valid, %d rejected, %d warnings", source.path.name, summary.valid,
             summary.rejected, summary.warnings)
    return summary
