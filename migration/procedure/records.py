"""What the procedure reads back from its folders and the records it writes of a finished step.

A deliverable's contacts and rejects (for the J-1 diff), every row that did not reach
production and why (``not_imported.csv``), and the ``production.json`` and
``refresh.json`` records of the production import and the J-1 refresh.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.finding_codes import codes_of
from stx_migrate.migration.findings import FINDING_COLUMNS
from stx_migrate.migration.spreadsheet_safe import write_people_csv

from .decisions import Decision
from .state import DeliverableRef


def read_rejects(folder: Path) -> pd.DataFrame:
    path = Path(folder) / "rejects.csv"
    if not path.exists():
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in FINDING_COLUMNS})
    return pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")


def read_contacts(folder: Path) -> pd.DataFrame:
    """A deliverable's SecuTix frame indexed by migration identity.

    ``contacts.parquet`` with a ``source_ref`` column is used when the deliverable has
    one; otherwise the import file is read and each row is keyed by its contact number
    (``CONTACT_NR:<n>``, SecuTix's own identity, stable across refreshes under the
    ``keep`` policy), or by its row (``row:<n>``) when it has none.
    """
    folder = Path(folder)
    parquet = folder / "contacts.parquet"
    if parquet.exists():
        frame = pd.read_parquet(parquet)
        if "source_ref" in frame.columns:
            frame = frame.set_index("source_ref")
        return frame.astype("str")
    frame = Deliverable(folder).contacts().astype("str")
    numbers = frame["CONTACT_NR"].str.strip() if "CONTACT_NR" in frame else pd.Series("", index=frame.index)
    rows = pd.Series([f"row:{i}" for i in range(1, len(frame) + 1)], index=frame.index, dtype="str")
    keys = ("CONTACT_NR:" + numbers).where(numbers != "", rows)
    keys = keys.where(~keys.duplicated(keep="first"), rows)   # a repeated number must not hide a row
    return frame.set_axis(pd.Index(keys, name="source_ref"))


NOT_IMPORTED_COLUMNS = [*FINDING_COLUMNS, "stage"]
MERGED = codes_of("dedup")["MERGED"]


def _one_line_per_row(frame: pd.DataFrame) -> pd.DataFrame:
    """A row with several errors appears once: its first error, the other codes named in the message."""
    if frame.empty:
        return frame
    repeated = frame["source_ref"].duplicated(keep=False).to_numpy()
    first = frame.drop_duplicates("source_ref", keep="first").copy()
    if not repeated.any():  # the usual case: one error per row, nothing to name (no Python call per row)
        return first
    several = frame[repeated]  # only rows with several errors are grouped
    others = several.groupby("source_ref", sort=False)["code"].agg(lambda codes: ", ".join(dict.fromkeys(codes[1:])))
    more = first["source_ref"].map(others).fillna("")
    first["message"] = first["message"].where(more == "", first["message"] + " (also: " + more + ")")
    return first


def not_imported_rows(deliverable_dir: Path, import_dir: Path | None) -> pd.DataFrame:
    """Every source row that did not land, once, with its stage, code and message (``not_imported.csv``).

    ``filter``: rows a named filter rule dropped (the deliverable's dropped.csv: retention,
    deleted accounts…); ``prepare``: rows rejected by the rules (rejects.csv, severity
    error); ``dedup``: rows merged into a survivor (duplicates.csv; code MERGED, the
    survivor in the message); ``import``: rows the environment refused (the import's
    rejects.csv); ``secutix``: rows SecuTix's own importer refused or did not report, once
    its log is absorbed (codes SECUTIX_*). With the rows imported this makes every source
    row: rows in = imported + not imported.
    """
    frames = []
    dropped = Path(deliverable_dir) / "dropped.csv"
    if dropped.exists():
        d = pd.read_csv(dropped, dtype="str", keep_default_na=False)
        if len(d):
            frames.append(pd.DataFrame({
                "source_ref": d["source_ref"], "contact_nr": "", "column": "", "code": d["code"], "severity": "dropped",
                "message": "dropped by the filter rule " + d["code"], "value": "", "stage": "filter"}))
    prepared = read_rejects(deliverable_dir)
    frames.append(_one_line_per_row(prepared[prepared["severity"] == "error"].assign(stage="prepare")))
    duplicates = Path(deliverable_dir) / "duplicates.csv"
    if duplicates.exists():
        d = pd.read_csv(duplicates, dtype="str", keep_default_na=False)
        if len(d):
            frames.append(pd.DataFrame({
                "source_ref": d["source_ref"], "contact_nr": d["contact_nr"], "column": "", "code": MERGED.code,
                "severity": MERGED.severity, "message": "merged into " + d["survivor_ref"] + " by rule " + d["rule"],
                "value": "", "stage": "dedup"}))
    if import_dir is not None:
        refused = read_rejects(import_dir)
        refused = refused[refused["severity"] == "error"]
        stage = refused["code"].str.startswith("SECUTIX_").map({True: "secutix", False: "import"})
        frames.append(_one_line_per_row(refused.assign(stage=stage)))
    rows = pd.concat([f[NOT_IMPORTED_COLUMNS] for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame({c: pd.Series([], dtype="str") for c in NOT_IMPORTED_COLUMNS})
    return rows.astype("str")


def write_production_record(folder: Path, deliverable: DeliverableRef, deliverable_dir: Path, import_folder: Path,
                            counts: dict) -> int:
    """Write ``not_imported.csv`` and ``production.json`` into ``folder``; returns the rows not imported."""
    rows = not_imported_rows(deliverable_dir, import_folder)
    write_people_csv(rows, folder / "not_imported.csv")
    by_code = rows.groupby(["stage", "code"]).size() if len(rows) else None
    reasons = json.loads((deliverable_dir / "summary.json").read_text(encoding="utf-8")).get("reasons", {}) \
        if (deliverable_dir / "summary.json").exists() else {}
    report = {"deliverable_id": deliverable.deliverable_id, "protocol_hash": deliverable.protocol_hash,
              "deliverable_reasons": reasons,
              "import_run": str(import_folder), "import": counts, "not_imported_rows": int(len(rows)),
              "not_imported_by_code": {f"{s}:{c}": int(n) for (s, c), n in by_code.items()} if by_code is not None else {}}
    (folder / "production.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return len(rows)


def write_refresh_record(folder: Path, snapshot_id: str, deliverable: DeliverableRef, validated: Decision,
                         diff_counts: dict) -> None:
    """Write ``refresh.json`` into ``folder``: what the J-1 refresh made, from what, against which approval."""
    (folder / "refresh.json").write_text(json.dumps({
        "snapshot_id": snapshot_id, "deliverable_id": deliverable.deliverable_id,
        "validated_deliverable_id": validated.deliverable_id, "protocol_hash": deliverable.protocol_hash,
        "validated_by": validated.by, "validated_at": validated.at.isoformat(), "diff": diff_counts}, indent=2) + "\n")
