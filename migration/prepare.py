"""Prepare: protocol → rules → dedup → contact numbers → the deliverable (architecture §2).

:func:`prepare_contacts` is the pure pipeline (frames in, frames out);
:func:`prepare_deliverable` runs it on a snapshot and writes the deliverable folder.
Every row of the main dataset ends in exactly one place:

    rows_in = valid + rejected + merged + dropped

``dropped``: removed by a named filter rule (retention...), reason = the filter's code;
``rejected``: at least one finding of severity ``error`` (rules, contact numbers);
``merged``: a duplicate of a kept row or of a contact already in the target environment
(``duplicates.csv`` names its survivor, ``<env>:<contact_nr>`` for an existing contact);
``valid``: the rows of the import file.

Dedup keeps its reviewers' decisions and the migration identities in the project's
``procedure/`` folder (docs/dedup.md): :func:`prepare_deliverable` reads them (and the
returned review workbooks waiting in ``procedure/dedup-returned/``) before matching, and
saves them only once the deliverable is in place.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timezone
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import __version__, forked
from .findings import FINDING_COLUMNS, concat_findings, write_findings
from .dedup import DedupResult, ReviewDecisions, find_duplicates, keep_decisions, pending_decisions, write_review_workbook
from .dedup.result import REVIEW_COLUMNS
from .format.catalogue import extended_format
from .text_arrays import text_array, text_isin, text_positions
from .report.workbook import DROPPED_FILE, REPORT_FILE, ReportInput, write_dropped, write_report
from .rows import select_rows
from .column_changes import COLUMN_CHANGES_FILE, measure_column_changes, write_column_changes
from .spreadsheet_safe import write_people_csv
from .protocol import CompiledProtocol, ProjectContext, ProtocolResult, apply_protocol
from .protocol.project_protocol import compile_project_protocol
from .protocol.numbers import allocate_numbers, keep_source_numbers
from .protocol.tables import load_tables
from .reference import ReferenceData
from .rules import check_contacts_in_chunks
from .rules.chunked import MapChunks
from .import_files import write_xlsx_files, xlsx_names
from .secutix_file import write_secutix_file
from .settings.project import Project, ProjectConfig
from .snapshot import Snapshot
from .prepared import DUPLICATE_COLUMNS, PreparedContacts, no_duplicates
from .summary import Summary, write_summary
from .workspace import Workspace, final_path

log = logging.getLogger("stx_migrate.prepare")

DELIVERABLES = "deliverables"
REVIEW_FILE = "review.xlsx"
SOURCE_REFS_FILE = "source_refs.csv"   # source_ref of each data row of the import file, in order (SecuTix's log maps back)
FILES = ("contacts.xlsx", "contacts.csv", "rejects.csv", "duplicates.csv", DROPPED_FILE, SOURCE_REFS_FILE, REVIEW_FILE,
         REPORT_FILE, "protocol.yaml", "summary.json", COLUMN_CHANGES_FILE)   # contacts.xlsx: numbered parts past one sheet


def project_context(config: ProjectConfig) -> ProjectContext:
    return ProjectContext(
        institution=config.institution, organization=config.organization, country=config.country.upper(),
        language=config.language.lower(), retention_cutoff=config.retention.cutoff,
    )


# -- the calls owned by other modules, each in one place -----------------------------------

def _apply_to_tables(tables: dict[str, pd.DataFrame], compiled: CompiledProtocol, project: ProjectContext) -> ProtocolResult:
    return apply_protocol(compiled, tables, project)


def _apply_protocol(compiled: CompiledProtocol, tables: dict[str, pd.DataFrame], project: ProjectContext,
                    chunk_rows: int, map_chunks: MapChunks | None) -> ProtocolResult:
    """The protocol, over chunks of the main table when ``map_chunks`` is given (a parallel runner).

    Every operation and filter works row by row (joined and pivoted tables are looked up
    whole in each chunk), so the chunks' results put end to end are the whole-table result;
    the log lines are put in row order later (:func:`_order_findings`).
    """
    main = tables[compiled.main]
    if map_chunks is None or len(main) <= chunk_rows:
        return apply_protocol(compiled, tables, project)
    chunks = [{**tables, compiled.main: main.iloc[start:start + chunk_rows]} for start in range(0, len(main), chunk_rows)]
    parts = map_chunks(partial(_apply_to_tables, compiled=compiled, project=project), chunks, "apply-protocol")
    return ProtocolResult(
        contacts=pd.concat([p.contacts for p in parts]),
        findings=concat_findings([p.findings for p in parts]),
        dropped=pd.concat([p.dropped for p in parts]),
        source_numbers=pd.concat([p.source_numbers for p in parts]),
        aggregates=parts[0].aggregates,      # computed once over the whole child tables: the same in every chunk
        kept=np.concatenate([p.kept for p in parts]),
    )


def _check_rules(contacts: pd.DataFrame, reference: ReferenceData | None, config: ProjectConfig,
                 today: date | None, map_chunks: MapChunks | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rule engine: (contacts with dropped/truncated fields applied, findings).

    With ``map_chunks`` (a parallel task runner) the rules run over chunks of
    ``execution.chunk_rows`` rows; the result is the whole-frame one either way.
    """
    result = check_contacts_in_chunks(
        contacts, chunk_rows=config.execution.chunk_rows if map_chunks else max(len(contacts), 1),
        map_chunks=map_chunks, reference=reference, institution_country=config.country.upper(), today=today,
    )
    return result.contacts, result.findings


def _find_duplicates(valid: pd.DataFrame, config: ProjectConfig, existing: pd.DataFrame | None,
                     decisions: ReviewDecisions | None) -> tuple[DedupResult, pd.DataFrame]:
    """Dedup within ``valid`` and against ``existing`` (the target's contacts) with the kept decisions.

    Returns the result and the records its review pairs name (for ``review.xlsx``: only
    those rows are kept, the rest of ``valid`` can be released).
    """
    result = find_duplicates(valid, settings=config.dedup, existing=existing, decisions=decisions, country=config.country)
    refs = pd.Index(pd.concat([result.review_pairs["left_ref"], result.review_pairs["right_ref"]]).unique(), dtype="str")
    parts = [select_rows(valid, text_isin(valid.index, refs))]
    if existing is not None and len(existing):
        parts.append(existing[text_isin(existing.index, refs)])
    records = pd.concat(parts) if len(parts) > 1 else parts[0]
    return result, records


# -- the pipeline --------------------------------------------------------------------------

@contextmanager
def timed(stage: str, rows: int) -> Iterator[None]:
    """Log a stage's wall and CPU seconds (this process only; forked children not counted): counts, never data."""
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    log.info("stage %s: %d rows, %.2f s wall, %.2f s CPU in this process", stage, rows,
             time.perf_counter() - wall, time.process_time() - cpu)


def _numbers_of(findings: pd.DataFrame, number_of: pd.Series) -> pd.Series:
    """Each log line's contact number as finally given to its row (``number_of``: source_ref → number),
    else the number the line already had. Arrow lookups: no Python object per line."""
    at = text_positions(findings["source_ref"], number_of.index)
    found = at >= 0
    if not found.any():
        return findings["contact_nr"].astype("str")
    given = text_array(number_of).take(pa.array(np.where(found, at, 0)))
    given = pc.if_else(pa.array(found), given, pa.scalar(None, given.type))
    numbers = pc.coalesce(given, text_array(findings["contact_nr"]))     # as map + fillna: a missing number too
    return pd.Series(pd.array(numbers, dtype="str"), index=findings.index)


def _order_findings(findings: pd.DataFrame, order: pd.Index) -> pd.DataFrame:
    """Log lines in source row order, then column order, then code: stable across replays."""
    if findings.empty:
        return findings[FINDING_COLUMNS]
    row = text_positions(findings["source_ref"], order)
    columns = {c: i for i, c in enumerate(extended_format().layout(with_role=True))}
    keyed = findings.assign(
        _row=np.where(row >= 0, row, len(order)),
        _col=findings["column"].map(columns).fillna(len(columns)).astype("int64"),
    )
    keyed = keyed.sort_values(["_row", "_col", "code", "value"], kind="stable")
    return keyed[FINDING_COLUMNS].reset_index(drop=True)


def prepare_contacts(
    compiled: CompiledProtocol,
    tables: dict[str, pd.DataFrame],
    config: ProjectConfig,
    reference: ReferenceData | None = None,
    existing_contact_numbers: Iterable | None = None,
    today: date | None = None,
    *,
    existing_contacts: pd.DataFrame | None = None,
    decisions: ReviewDecisions | None = None,
    map_chunks: MapChunks | None = None,
) -> PreparedContacts:
    """Apply the protocol, the contact-number policy, the rules and dedup to ``tables``.

    ``today``: the date birth dates must not pass; :func:`prepare_deliverable` gives
    the snapshot's extraction date so that a replay gives the same result any day.
    ``existing_contacts``: the target environment's contacts (``ContactStore.export_contacts()``,
    index ``<env>:<contact_nr>``), matched when ``dedup.match_existing``; a row matching one
    is merged into it (not inserted again). ``decisions``: the reviewers' kept decisions and
    identities (``pending_decisions``); the result's ``dedup.decisions`` are the ones to save.
    ``map_chunks``: how validation runs its chunks in parallel (the flow passes the project's
    task runner, e.g. prefect-dask); None = the whole frame at once, in this process.
    Frames are released as soon as the next stage has its input (a million rows:
    memory matters more than elegance here).
    """
    ctx = project_context(config)
    order = tables[compiled.main].index
    with timed("protocol", len(order)):
        result = _apply_protocol(compiled, tables, ctx, config.execution.chunk_rows, map_chunks)
    column_changes = measure_column_changes(compiled.columns, tables[compiled.main], result.contacts, result.kept)
    del tables
    contacts, dropped, parts, aggregates = result.contacts, result.dropped, [result.findings], result.aggregates
    policy = config.contact_numbers
    if policy.policy == "keep":
        numbers, number_findings = keep_source_numbers(result.source_numbers, policy, existing_contact_numbers)
        contacts["CONTACT_NR"] = numbers.reindex(contacts.index).fillna("").to_numpy()
        parts.append(number_findings)
    del result
    with timed("rules", len(contacts)):
        contacts, rule_findings = _check_rules(contacts, reference, config, today, map_chunks)
    parts.append(rule_findings)
    findings = concat_findings(parts)
    del parts, rule_findings
    number_of = contacts["CONTACT_NR"]
    rejected = pd.Index(findings.loc[findings["severity"] == "error", "source_ref"].unique(), dtype="str")
    valid = select_rows(contacts, ~text_isin(contacts.index, rejected))
    del contacts
    dedup, review_records = None, None
    if config.dedup.enabled:
        with timed("dedup", len(valid)):
            dedup, review_records = _find_duplicates(valid, config, existing_contacts, decisions)
        survivors, duplicates, review = dedup.survivors, dedup.duplicates[DUPLICATE_COLUMNS], dedup.to_review
        dedup = replace(dedup, survivors=survivors.iloc[0:0])      # one copy of the kept rows is enough
    else:
        survivors, duplicates, review = valid, no_duplicates(), 0
    del valid
    if policy.policy == "allocate":
        numbers, exhausted = allocate_numbers(survivors.index, policy.reserved_range, existing_contact_numbers)
        survivors = survivors.assign(CONTACT_NR=numbers.to_numpy())
        if len(exhausted):
            findings = concat_findings([findings, exhausted])
            rejected = rejected.append(pd.Index(exhausted["source_ref"].unique(), dtype="str"))
            survivors = select_rows(survivors, ~text_isin(survivors.index, rejected))
        survivor_numbers = survivors["CONTACT_NR"]
        duplicates = duplicates.assign(survivor_contact_nr=duplicates["survivor_ref"].map(survivor_numbers).fillna(duplicates["survivor_contact_nr"]))
        number_of = number_of.copy()
        number_of.loc[survivors.index] = survivors["CONTACT_NR"]
    findings = findings.assign(contact_nr=_numbers_of(findings, number_of))
    in_order = order[text_isin(order, survivors.index)]
    if not survivors.index.equals(in_order):
        survivors = survivors.reindex(in_order)
    return PreparedContacts(
        rows_in=len(order), valid=survivors, findings=_order_findings(findings, order), rejected=rejected,
        duplicates=duplicates.reset_index(drop=True), dropped=dropped, review_pairs=review,
        dedup=dedup, review_records=review_records, aggregates=aggregates, column_changes=column_changes,
    )


# -- the deliverable -----------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot_time(snapshot: Snapshot) -> datetime:
    """The extraction time in UTC, naive (review.xlsx's creation date: a replay writes the same bytes)."""
    stamp = datetime.fromisoformat(snapshot.manifest.extracted_at.replace("Z", "+00:00"))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return stamp


def _write_review(prepared: PreparedContacts, path: Path, created: datetime) -> None:
    """``review.xlsx``: the pairs between the two thresholds, both records side by side (an empty sheet when none)."""
    result = prepared.dedup
    if result is None:   # dedup disabled: the file is still written, with no pair, so the file list never varies
        result = DedupResult(survivors=prepared.valid.iloc[0:0], duplicates=no_duplicates(),
                             review_pairs=pd.DataFrame({c: pd.Series([], dtype="str") for c in REVIEW_COLUMNS}),
                             identities=pd.Series([], dtype="str"), decisions=ReviewDecisions())
    records = prepared.review_records if prepared.review_records is not None else prepared.valid.iloc[0:0]
    write_review_workbook(result, records, path, created=created)


def _write_import_files(prepared: PreparedContacts, folder: Path, config: ProjectConfig) -> None:
    write_xlsx_files(prepared.valid, folder, config.output)   # contacts.xlsx, or contacts-001.xlsx… past one sheet
    write_secutix_file(prepared.valid, folder / "contacts.csv", settings=config.output)


def deliverable_files(contacts: int) -> list[str]:
    """The files of a deliverable of ``contacts`` rows (manifest order), manifest.json aside."""
    return [part for name in FILES for part in (xlsx_names(contacts) if name == "contacts.xlsx" else [name])]


def _write_reports(prepared: PreparedContacts, folder: Path, snapshot: Snapshot) -> None:
    write_findings(prepared.findings, folder / "rejects.csv")
    write_people_csv(prepared.duplicates[DUPLICATE_COLUMNS], folder / "duplicates.csv")
    write_dropped(prepared.dropped, folder / DROPPED_FILE)   # source_ref, code: the rows a named filter rule removed
    pd.DataFrame({"source_ref": prepared.valid.index.astype("str")}).to_csv(
        folder / SOURCE_REFS_FILE, index=False, encoding="utf-8", lineterminator="\n")
    _write_review(prepared, folder / REVIEW_FILE, _snapshot_time(snapshot))


def _write_customer_report(prepared: PreparedContacts, folder: Path, config: ProjectConfig, snapshot: Snapshot,
                           compiled: CompiledProtocol) -> None:
    """``report.xlsx`` in the project's language; no deliverable id inside, so a replay writes the same bytes."""
    s = prepared.summary()
    dropped = pd.DataFrame({"source_ref": prepared.dropped.index.astype("str"), "code": prepared.dropped.astype("str").to_numpy()})
    write_report(ReportInput(
        language=config.language, project=config.customer or config.name, deliverable_id=None,
        protocol_hash=compiled.hash, snapshot_id=snapshot.id, produced=_snapshot_time(snapshot),
        counts={"rows_in": s.rows_in, "imported": s.valid, "rejected": s.rejected, "merged": s.merged, "dropped": s.dropped},
        findings=prepared.findings.assign(stage="prepare"), duplicates=prepared.duplicates, dropped=dropped),
        folder / REPORT_FILE)


def write_deliverable(prepared: PreparedContacts, folder: Path, config: ProjectConfig, snapshot: Snapshot,
                      compiled: CompiledProtocol, code_version: str = __version__) -> Summary:
    """Write every deliverable file into ``folder``; same inputs → byte-identical files."""
    folder = Path(folder)
    # The import files and the reports do not depend on each other: on a big input the reports
    # are written by a forked child meanwhile (their CSV writers and review.xlsx's XlsxWriter hold
    # the GIL; report.xlsx is vectorised, ~2 s at 1M source rows); same files either way. The import files
    # stay here: a child reading the 94 columns as well took the bench's RSS sum over 4 GB.
    jobs = [partial(_write_import_files, prepared, folder, config), partial(_write_reports, prepared, folder, snapshot),
            partial(_write_customer_report, prepared, folder, config, snapshot, compiled)]
    with timed("write contacts and reports", len(prepared.valid)):
        forked.run_jobs(jobs, processes=None if prepared.rows_in >= forked.PARALLEL_MIN_ROWS else 1)
    (folder / "protocol.yaml").write_text(compiled.text, encoding="utf-8")
    write_column_changes(prepared.column_changes, folder / COLUMN_CHANGES_FILE)
    summary = write_summary(prepared.summary(), folder / "summary.json")
    manifest = {
        "project": config.name,
        "institution": config.institution,
        "snapshot_id": snapshot.id,
        "snapshot_sha256": snapshot.manifest.content_sha256,
        "protocol_hash": compiled.hash,
        "protocol_file": "protocol.yaml",
        "code_version": code_version,
        "contact_numbers": config.contact_numbers.model_dump(mode="json"),
        "retention_cutoff": config.retention.cutoff.isoformat() if config.retention.cutoff else None,
        "counts": {k: getattr(summary, k) for k in ("rows_in", "valid", "rejected", "merged", "dropped", "warnings")},
        "files": {name: _sha256(folder / name) for name in deliverable_files(len(prepared.valid))},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def prepare_deliverable(
    project: Project,
    snapshot_dir: Path,
    reference: ReferenceData | None = None,
    existing_contact_numbers: Iterable | None = None,
    *,
    workspace: Workspace | None = None,
    code_version: str = __version__,
    existing_contacts: pd.DataFrame | None = None,
    on_dedup: Callable[[DedupResult], None] | None = None,
    map_chunks: MapChunks | None = None,
) -> Path:
    """Compile the project's protocol against the snapshot, run the pipeline and write a deliverable.

    Returns the finished folder ``<workspace>/<project>/deliverables/<id>/``. A
    ConfigError (protocol) or InputError (a bad returned review workbook among them) is
    raised before anything is written; on any failure no folder is left behind and the
    kept dedup decisions are unchanged.

    Dedup (when enabled) starts from the decisions and identities kept in the project's
    ``procedure/`` folder plus the returned review workbooks waiting in
    ``procedure/dedup-returned/``; once the deliverable is in place the decisions and
    identities are saved and the absorbed workbooks moved to ``applied/``. Saving changes
    no later output: a replay (same snapshot, protocol and decisions) is byte-identical.
    ``existing_contacts``: the target environment's contacts (see :func:`prepare_contacts`).
    ``on_dedup``: called with the matching result once the deliverable is final (the
    flow publishes its artifact from it). ``map_chunks``: see :func:`prepare_contacts`.
    """
    config = project.config
    snapshot = Snapshot(Path(snapshot_dir))
    snapshot.require_intact()
    compiled = compile_project_protocol(project, snapshot.manifest, project_context(config))
    extracted = date.fromisoformat(snapshot.manifest.extracted_at[:10])
    workspace = workspace or Workspace(config.name)
    decisions, returned = (pending_decisions(workspace.procedure_dir) if config.dedup.enabled
                           else (None, []))
    # the tables are handed over without a local name (popped), so that they are freed once the protocol ran
    with timed("load tables and aggregates", snapshot.dataset(compiled.main).rows):
        loaded = [load_tables(snapshot, compiled)]
    prepared = prepare_contacts(compiled, loaded.pop(), config, reference, existing_contact_numbers,
                                today=extracted, existing_contacts=existing_contacts, decisions=decisions,
                                map_chunks=map_chunks)
    with workspace.new_folder(DELIVERABLES) as staging:
        summary = write_deliverable(prepared, staging, config, snapshot, compiled, code_version)
        final = final_path(staging)
    if prepared.dedup is not None:
        keep_decisions(workspace.procedure_dir, prepared.dedup.decisions, returned)
    log.info("deliverable %s: rows_in=%d valid=%d rejected=%d merged=%d dropped=%d to_review=%d",
             final.name, summary.rows_in, summary.valid, summary.rejected, summary.merged, summary.dropped,
             prepared.review_pairs)
    if prepared.dedup is not None and on_dedup is not None:
        on_dedup(prepared.dedup)
    return final
