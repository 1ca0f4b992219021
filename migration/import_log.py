"""SecuTix's import log of a delivered file, absorbed into the import run (docs/import-log.md).

A file-drop or sftp import delivers the import file; SecuTix's importer decides what lands
and returns a log (xlsx or csv), one line per file row with a status and a message.
:func:`absorb_import_log` maps each line to its delivered row (the row column, the line's
order, or CONTACT_NR), then to its ``source_ref`` (the deliverable's ``source_refs.csv``),
and rewrites the import run: ``summary.json`` with SecuTix's real counts, ``rejects.csv``
with a SECUTIX_REFUSED line per refused row and SECUTIX_NOT_IN_LOG per delivered row the
log does not mention (nothing SecuTix did not confirm counts as imported), and
``not_imported.csv`` with every source row that did not land. Refuses (InputError, naming
file, row, column, value) a log that does not fit: an unknown status, a line that maps to
no delivered row, two lines for one row.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import InputError
from .findings import FINDING_COLUMNS, write_findings
from .procedure.records import not_imported_rows, read_rejects
from .settings.import_log import ImportLogSettings
from .spreadsheet_safe import write_people_csv
from .summary import read_summary, write_summary

LOG_ABSORBED = "SecuTix's log absorbed"


@dataclass
class AbsorbedLog:
    imported: int            # lines whose status says the row landed (warnings included)
    warnings: int
    refused: int
    not_in_log: int
    not_imported: int        # lines in not_imported.csv (every source row that did not land)
    rows_in: int


def read_log_file(path: Path, settings: ImportLogSettings) -> pd.DataFrame:
    """The log's lines as text columns (csv: UTF-8 or Windows-1252, ',' ';' or tab; xlsx: a sheet)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", file=path)
    with open(path, "rb") as handle:
        head = handle.read(8)
    skip = settings.header_row - 1
    if head.startswith(b"PK\x03\x04"):
        import fastexcel

        reader = fastexcel.read_excel(str(path))
        sheet = settings.sheet if settings.sheet is not None else 0
        table = reader.load_sheet(sheet, header_row=skip, dtypes="string").to_arrow()
        frame = table.to_pandas().astype("str")
        return frame.where(frame != "None", "").fillna("")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return pd.read_csv(path, dtype="str", keep_default_na=False, sep=None, engine="python", encoding=encoding,
                               skiprows=skip)
        except UnicodeDecodeError:
            continue
    raise InputError("neither UTF-8 nor Windows-1252 text", file=path)


def _require(frame: pd.DataFrame, column: str | None, path: Path, key: str) -> None:
    if column and column not in frame.columns:
        raise InputError(f"no column {column!r} (project.yaml › import_log › columns › {key}; the log has: "
                         f"{', '.join(frame.columns)})", file=path)


def _statuses(log: pd.DataFrame, settings: ImportLogSettings, path: Path) -> pd.Series:
    fold = (lambda s: s.str.strip().str.casefold()) if settings.ignore_case else (lambda s: s.str.strip())
    table = {}
    for group in ("imported", "warning", "refused"):
        table.update({v: group for v in fold(pd.Series(getattr(settings, group), dtype="str"))})
    status = fold(log[settings.columns.status]).map(table)
    if status.isna().any():
        line = int(status.isna().to_numpy().argmax())
        allowed = ", ".join(settings.imported + settings.warning + settings.refused)
        raise InputError(f"unknown status (allowed: {allowed}; list it under import_log in project.yaml)", file=path,
                         row=line + settings.header_row + 1, column=settings.columns.status,
                         value=log[settings.columns.status].iloc[line])
    return status


def _positions(log: pd.DataFrame, delivered: pd.DataFrame, settings: ImportLogSettings, path: Path) -> pd.Series:
    """For each log line, the 0-based position of its row in the delivered import file."""
    cols = settings.columns
    if settings.match_by == "contact_nr":
        numbers = pd.Series(range(len(delivered)), index=delivered["CONTACT_NR"].to_numpy())
        numbers = numbers[numbers.index != ""]
        position = log[cols.contact_nr].str.strip().map(numbers[~numbers.index.duplicated()])
        column = cols.contact_nr
    elif cols.row:
        number = pd.to_numeric(log[cols.row].str.strip(), errors="coerce")
        position = number - settings.first_row
        column = cols.row
    else:
        if len(log) != len(delivered):
            raise InputError(f"the log has {len(log)} lines for {len(delivered)} delivered rows; without a row column "
                             "(import_log › columns › row) lines are matched by their order", file=path)
        return pd.Series(range(len(log)), index=log.index)
    bad = position.isna() | (position < 0) | (position >= len(delivered))
    if bad.any():
        line = int(bad.to_numpy().argmax())
        raise InputError("names no row of the delivered file", file=path, row=line + settings.header_row + 1,
                         column=column, value=log[column].iloc[line])
    position = position.astype("int64")
    repeated = position.duplicated()
    if repeated.any():
        line = int(repeated.to_numpy().argmax())
        raise InputError("a second line for the same delivered row", file=path, row=line + settings.header_row + 1,
                         column=column, value=log[column].iloc[line])
    return position


def _replace(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.part")
    write(tmp)
    os.replace(tmp, path)


def absorb_import_log(import_dir: Path, deliverable_dir: Path, log_path: Path, settings: ImportLogSettings) -> AbsorbedLog:
    """Absorb SecuTix's log into the import run ``import_dir`` (see the module's docstring)."""
    import_dir, deliverable_dir, log_path = Path(import_dir), Path(deliverable_dir), Path(log_path)
    from .deliverable import Deliverable

    delivered = Deliverable(deliverable_dir).contacts()
    refs = pd.read_csv(deliverable_dir / "source_refs.csv", dtype="str", keep_default_na=False)["source_ref"]
    if len(refs) != len(delivered):
        raise InputError("source_refs.csv does not match the import file", file=deliverable_dir / "source_refs.csv")
    log = read_log_file(log_path, settings)
    for key in ("status", "message", "contact_nr", "row"):
        _require(log, getattr(settings.columns, key), log_path, key)
    status = _statuses(log, settings, log_path)
    position = _positions(log, delivered, settings, log_path)
    message = log[settings.columns.message] if settings.columns.message else pd.Series("", index=log.index)
    refused = status == "refused"
    lines = position[refused].to_numpy()
    findings = pd.DataFrame({
        "source_ref": refs.iloc[lines].to_numpy(), "contact_nr": delivered["CONTACT_NR"].iloc[lines].to_numpy(),
        "column": "", "code": "SECUTIX_REFUSED", "severity": "error",
        "message": ("SecuTix: " + message[refused].astype("str")).to_numpy(), "value": ""})
    missing = sorted(set(range(len(delivered))) - set(position.tolist()))
    absent = pd.DataFrame({
        "source_ref": refs.iloc[missing].to_numpy(), "contact_nr": delivered["CONTACT_NR"].iloc[missing].to_numpy(),
        "column": "", "code": "SECUTIX_NOT_IN_LOG", "severity": "error",
        "message": "delivered, but SecuTix's log has no line for this row: not counted as imported", "value": ""})
    previous = read_rejects(import_dir)
    previous = previous[~previous["code"].str.startswith("SECUTIX_")]
    parts = [f for f in (previous, findings, absent) if len(f)]
    rejects = pd.concat(parts, ignore_index=True)[FINDING_COLUMNS] if parts else previous
    _replace(import_dir / "rejects.csv", lambda p: write_findings(rejects, p))
    not_imported = not_imported_rows(deliverable_dir, import_dir)
    _replace(import_dir / "not_imported.csv", lambda p: write_people_csv(not_imported, p))
    summary = read_summary(import_dir / "summary.json").model_dump()
    landed = int((~refused).sum())
    result = AbsorbedLog(imported=landed, warnings=int((status == "warning").sum()), refused=int(refused.sum()),
                         not_in_log=len(missing), not_imported=len(not_imported), rows_in=int(summary["rows_in"]))
    if result.rows_in != result.imported + result.not_imported:
        raise InputError(f"rows do not reconcile: {result.rows_in} rows in, {result.imported} imported by SecuTix, "
                         f"{result.not_imported} not imported", file=log_path)
    summary.update(imported=landed, updated=0, unchanged=0, not_imported=result.refused + result.not_in_log,
                   secutix_status=LOG_ABSORBED, secutix_warnings=result.warnings, secutix_refused=result.refused,
                   secutix_not_in_log=result.not_in_log, secutix_log=log_path.name,
                   secutix_log_sha256=hashlib.sha256(log_path.read_bytes()).hexdigest())
    _replace(import_dir / "summary.json", lambda p: write_summary(summary, p))
    (import_dir / "import_log.json").write_text(json.dumps(result.__dict__, indent=2) + "\n", encoding="utf-8")
    return result


def refresh_production_record(production_root: Path, import_dir: Path) -> Path | None:
    """The production record made from ``import_dir`` (if any) gets the new not_imported.csv and counts."""
    production_root = Path(production_root)
    if not production_root.is_dir():
        return None
    for folder in sorted(production_root.iterdir()):
        record = folder / "production.json"
        if not record.is_file():
            continue
        report = json.loads(record.read_text(encoding="utf-8"))
        if Path(report.get("import_run", "")) != Path(import_dir):
            continue
        shutil.copyfile(import_dir / "not_imported.csv", folder / "not_imported.csv")
        rows = pd.read_csv(import_dir / "not_imported.csv", dtype="str", keep_default_na=False)
        by_code = rows.groupby(["stage", "code"]).size() if len(rows) else {}
        report.update({"import": read_summary(import_dir / "summary.json").model_dump(), "not_imported_rows": len(rows),
                       "not_imported_by_code": {f"{s}:{c}": int(n) for (s, c), n in dict(by_code).items()}})
        _replace(record, lambda p: p.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8"))
        return folder
    return None
