"""The contact services (secutix-format §9) on one environment's store, with the import's log and journal.

Each service takes rows (a SecuTix frame, index source_ref) and returns an
:class:`ImportResult`: ``imported`` (created), ``updated`` (changed: updated,
inactivated, anonymized or deleted), ``unchanged``, ``not_imported`` with a finding
per row not applied. Every service is idempotent per input: the caller passes a
``service_id`` derived from the file's content, and rows a previous run applied are
skipped through the journal (``import_row``).

- ``create`` / ``update``: the import engine with OPERATION forced to INSERT / UPDATE
  (update by contact number: every field of the extended format);
- ``update_by_email``: the basic (SAM) update: the contact is found by EMAIL1, and only
  FIRSTNAME, LASTNAME, criteria and authorizations are changed;
- ``inactivate``: status ``inactive``; everything else kept;
- ``anonymize``: irreversible, see :data:`ANONYMIZATION` and docs/store.md;
- ``delete``: the contact, and for a structure its relays, with their addresses,
  communication means, authorizations, administrative numbers and criteria;
- ``qualify_contacts``: criteria only (CRITnn); ``qualify_structures``: STRUCT_TYPE only,
  on structures.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from ..findings import concat_findings, findings_frame
from ..format import extended_format
from . import bulk
from .codes import message_of, severity_of
from .importer import DEFAULT_BATCH_ROWS, ImportResult, _journaled, _lock, _ts, import_contacts, row_keys
from ..service_input import SERVICE_OPERATIONS
from ..text_arrays import text_isin
from .columns import AUTH_COLUMNS, MEAN_COLUMNS, auth_col, mean_col
from .store import ContactStore
from .writers import writers_lock

CRIT_COLUMNS = list(extended_format().group("criteria"))
BASIC_UPDATE_COLUMNS = ["FIRSTNAME", "LASTNAME", *CRIT_COLUMNS, *AUTH_COLUMNS]
KEY_COLUMNS = ["INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR"]
CONSENTS_CLEARED = ", ".join(f"{auth_col(c)} = NULL" for c in AUTH_COLUMNS)
MEANS_CLEARED = ", ".join(f"{mean_col(c)} = NULL" for c in MEAN_COLUMNS)

# What anonymization does, table by table (docs/store.md repeats it for the customer).
ANONYMIZATION = {
    "contact": "first name, last name, salutations, function, remark, birth date, official name, address names, "
               "web site, the structure match key, the communication means (e-mails, phones, fax) and the consents "
               "(authorizations) are cleared (last name / official name become 'ANONYMIZED'); "
               "kept: contact number, kind, status (anonymized), title, language, structure type, community type, "
               "number of employees, the relay's structure, creation and update run",
    "address": "lines 1-3, zip code, town and town complement cleared; kept: use (M/S/B), department, country",
    "admin_number": "deleted (they identify the structure)",
    "criterion_assignment": "kept (segments for statistics)",
    "import_row": "source_ref cleared (no link to the source row); row_key and action kept so that a re-run of an old "
                  "deliverable never re-creates the contact",
}


def run_service(operation: str, store: ContactStore, rows: pd.DataFrame, *, run_id: str, service_id: str,
                batch_rows: int = DEFAULT_BATCH_ROWS, on_wait: Callable[[], None] | None = None) -> ImportResult:
    """Dispatch ``operation`` (one of :data:`~stx_migrate.migration.service_input.SERVICE_OPERATIONS`) on ``rows``.

    Every service holds the store's writers' lock (writers.py) from its first look at the contacts to
    its journal entry; ``on_wait()`` is called once if another writer holds it (the service then waits).
    """
    services: dict[str, Callable[..., ImportResult]] = {
        "create": create, "update": update, "update-by-email": update_by_email, "inactivate": inactivate,
        "anonymize": anonymize, "delete": delete, "qualify-contacts": qualify_contacts,
        "qualify-structures": qualify_structures,
    }
    if operation not in services:
        raise ValueError(f"unknown service {operation!r} (allowed: {', '.join(SERVICE_OPERATIONS)})")
    return services[operation](store, rows, run_id=run_id, service_id=service_id, batch_rows=batch_rows, on_wait=on_wait)


def _with_operation(rows: pd.DataFrame, op: str) -> pd.DataFrame:
    rows = rows.copy()
    rows["OPERATION"] = op
    return rows


def create(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    return import_contacts(store, _with_operation(rows, "INSERT"), run_id=run_id, deliverable_id=service_id,
                           batch_rows=batch_rows, operation="service:create", on_wait=on_wait)


def update(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    return import_contacts(store, _with_operation(rows, "UPDATE"), run_id=run_id, deliverable_id=service_id,
                           batch_rows=batch_rows, operation="service:update", on_wait=on_wait)


def _only_columns(rows: pd.DataFrame, keep: list[str], operation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blank every column but ``keep`` (and the keys); a warning per value left out."""
    out = _with_operation(rows, "UPDATE")
    parts = []
    for col in out.columns:
        if col in keep or col in KEY_COLUMNS:
            continue
        given = out[col] != ""
        if given.any():
            refs = pd.Series(out.index[given], index=out.index[given], dtype="str")
            code = "IMPORT_FIELD_NOT_APPLICABLE"
            parts.append(findings_frame(refs, out["CONTACT_NR"][given], col, code, severity_of(code),
                                        f"{operation} changes only {', '.join(k for k in keep if not k.startswith('CRIT'))}"
                                        f"{' and criteria' if 'CRIT01' in keep else ''}: value left out", out[col][given]))
            out[col] = ""
    return out, concat_findings(parts)


def qualify_contacts(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    only, warnings = _only_columns(rows, CRIT_COLUMNS, "qualify-contacts")
    result = import_contacts(store, only, run_id=run_id, deliverable_id=service_id, batch_rows=batch_rows,
                             operation="service:qualify-contacts", on_wait=on_wait)
    result.findings = concat_findings([warnings, result.findings])
    return result


def qualify_structures(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    only, warnings = _only_columns(rows, ["STRUCT_TYPE"], "qualify-structures")
    with _locked(store, on_wait) as writer:  # the kinds looked up are the ones the import then changes
        kinds = _kinds(store, writer, only["CONTACT_NR"])
        not_structure = kinds.notna() & (kinds != "structure")
        refused = _errors(only, not_structure, "IMPORT_NOT_A_STRUCTURE", "CONTACT_NR")
        result = import_contacts(store, only[~not_structure.to_numpy()], run_id=run_id, deliverable_id=service_id,
                                 batch_rows=batch_rows, operation="service:qualify-structures", writer=writer)
    return _merge(result, rows, refused, warnings)


def update_by_email(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    """The basic update (secutix-format §1, §9.2): key EMAIL1; first name, last name, criteria, authorizations."""
    email = rows["EMAIL1"].str.strip().str.lower()
    # the e-mails' owners are looked up under the writers' lock the import then keeps: no other writer can
    # move an e-mail to another contact in between, so the update lands on the contact that owns it
    with _locked(store, on_wait) as writer:
        with store.transaction(writer) as c:
            bulk.load_temp(c, "stx_emails", pd.DataFrame({"k": pd.Series(email.unique(), dtype="str")}))
            found = pd.DataFrame(c.exec_driver_sql(
                "SELECT c.email1, c.contact_nr FROM contact c JOIN stx_emails k ON c.email1 = k.k "
                "WHERE c.status <> 'anonymized'").all(),
                columns=["email", "contact_nr"]).astype("str")
        return _update_owners(store, writer, rows, email, found, run_id=run_id, service_id=service_id,
                              batch_rows=batch_rows)


def _update_owners(store: ContactStore, writer: Connection, rows: pd.DataFrame, email: pd.Series, found: pd.DataFrame,
                   *, run_id: str, service_id: str, batch_rows: int) -> ImportResult:
    """The basic update's rows whose e-mail has exactly one owner, applied to that owner; the others refused."""
    owners = found.groupby("email")["contact_nr"].agg(["count", "first"])
    count = email.map(owners["count"]).fillna(0).astype(int)
    missing = _errors(rows, (count == 0) & (email != ""), "IMPORT_EMAIL_NOT_FOUND", "EMAIL1", rows["EMAIL1"])
    missing = concat_findings([missing, _errors(rows, email == "", "IMPORT_EMAIL_NOT_FOUND", "EMAIL1")])
    ambiguous = _errors(rows, count > 1, "IMPORT_EMAIL_AMBIGUOUS", "EMAIL1", rows["EMAIL1"])
    ok = (count == 1).to_numpy()
    chosen = rows[ok].copy()
    chosen["CONTACT_NR"] = email[ok].map(owners["first"]).astype("str")
    chosen["EMAIL1"] = ""  # the key, not a change: no warning for it
    only, warnings = _only_columns(chosen, BASIC_UPDATE_COLUMNS, "the basic update")
    result = import_contacts(store, only, run_id=run_id, deliverable_id=service_id, batch_rows=batch_rows,
                             operation="service:update-by-email", writer=writer)
    return _merge(result, rows, concat_findings([missing, ambiguous]), warnings)


@contextlib.contextmanager
def _locked(store: ContactStore, on_wait: Callable[[], None] | None = None) -> Iterator[Connection]:
    """A connection holding the store's writers' lock (writers.py) while the block runs."""
    writer = store.engine.connect()  # PostgreSQL holds the lock on it
    try:
        with writers_lock(store, writer, on_wait):
            yield writer
    finally:
        writer.close()


def _merge(result: ImportResult, rows: pd.DataFrame, refused: pd.DataFrame, warnings: pd.DataFrame) -> ImportResult:
    """Fold rows refused before the engine into its result."""
    n_refused = refused["source_ref"].nunique() if len(refused) else 0
    result.rows_in = len(rows)
    result.not_imported += n_refused
    result.findings = concat_findings([refused, warnings, result.findings])
    return result


def _errors(rows: pd.DataFrame, mask: pd.Series, code: str, column: str, value: pd.Series | str = "") -> pd.DataFrame:
    mask = pd.Series(np.asarray(mask, dtype=bool), index=rows.index)
    refs = pd.Series(rows.index[mask], index=rows.index[mask], dtype="str")
    return findings_frame(refs, rows["CONTACT_NR"][mask], column, code, severity_of(code), message_of(code),
                          value[mask] if isinstance(value, pd.Series) else value)


def _kinds(store: ContactStore, writer: Connection, numbers: pd.Series) -> pd.Series:
    with store.transaction(writer) as c:
        bulk.load_temp(c, "stx_numbers", pd.DataFrame({"k": pd.Series(numbers.unique(), dtype="str")}))
        found = dict(c.exec_driver_sql("SELECT c.contact_nr, c.kind FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k").all())
    return numbers.map(pd.Series(found, dtype="str"))


# --- services on existing contacts by number: inactivate, anonymize, delete ----------------------------
def inactivate(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    return _by_number(store, rows, run_id=run_id, service_id=service_id, on_wait=on_wait, operation="inactivate",
                      apply=_inactivate, already="status = 'inactive'")


def anonymize(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    result = _by_number(store, rows, run_id=run_id, service_id=service_id, on_wait=on_wait, operation="anonymize",
                        apply=_anonymize, already="status = 'anonymized'", keep_source_ref=False)
    _purge_old_versions(store)
    return result


def delete(store, rows, *, run_id, service_id, batch_rows=DEFAULT_BATCH_ROWS, on_wait=None) -> ImportResult:
    result = _by_number(store, rows, run_id=run_id, service_id=service_id, on_wait=on_wait, operation="delete",
                        apply=_delete, already=None)
    _purge_old_versions(store)
    return result


def _inactivate(conn: Connection, params: dict) -> None:
    conn.execute(text("UPDATE contact SET status = 'inactive', updated_run = :run, updated_at = :now "
                      "WHERE id IN (SELECT id FROM stx_ids)"), params)


def _anonymize(conn: Connection, params: dict) -> None:
    ids = "(SELECT id FROM stx_ids)"
    conn.execute(text(
        f"UPDATE contact SET firstname = NULL, lastname = CASE WHEN kind = 'structure' THEN NULL ELSE 'ANONYMIZED' END, "
        f"letter_salutation = NULL, addr_salutation = NULL, function = NULL, remark = NULL, birthdate = NULL, "
        f"official_name = CASE WHEN kind = 'structure' THEN 'ANONYMIZED' ELSE NULL END, address_name1 = NULL, "
        f"address_name2 = NULL, web_site = NULL, match_key = NULL, {CONSENTS_CLEARED}, {MEANS_CLEARED}, status = 'anonymized', updated_run = :run, "
        f"updated_at = :now WHERE id IN {ids}"), params)
    conn.exec_driver_sql(f"UPDATE address SET line1 = NULL, line2 = NULL, line3 = NULL, zipcode = NULL, town = NULL, "
                         f"town_complement = NULL WHERE contact_id IN {ids}")
    conn.exec_driver_sql(f"DELETE FROM admin_number WHERE contact_id IN {ids}")
    conn.exec_driver_sql(f"UPDATE import_row SET source_ref = NULL WHERE contact_id IN {ids}")


def _delete(conn: Connection, params: dict) -> None:
    # a structure's relays go with it; children of every deleted contact go too (no reliance on ON DELETE CASCADE)
    conn.exec_driver_sql("INSERT INTO stx_ids (id) SELECT c.id FROM contact c WHERE c.structure_id IN (SELECT id FROM stx_ids) "
                         "AND c.id NOT IN (SELECT id FROM stx_ids)")
    for table in ("criterion_assignment", "admin_number", "address"):
        conn.exec_driver_sql(f"DELETE FROM {table} WHERE contact_id IN (SELECT id FROM stx_ids)")
    conn.exec_driver_sql("DELETE FROM contact WHERE structure_id IN (SELECT id FROM stx_ids)")
    conn.exec_driver_sql("DELETE FROM contact WHERE id IN (SELECT id FROM stx_ids)")


def _by_number(store: ContactStore, rows: pd.DataFrame, on_wait: Callable[[], None] | None = None,
               **service) -> ImportResult:
    """Apply a status service to the contacts named by CONTACT_NR, in one transaction, journaled.

    Under the writers' lock (writers.py) for both of its transactions: a reset never lands
    between the changes and the run's journal entry.
    """
    with _locked(store, on_wait) as writer:
        return _by_number_locked(store, writer, rows, **service)


def _by_number_locked(store: ContactStore, writer: Connection, rows: pd.DataFrame, *, run_id: str, service_id: str,
                      operation: str, apply: Callable[[Connection, dict], None], already: str | None,
                      keep_source_ref: bool = True) -> ImportResult:
    started = datetime.now(timezone.utc)
    result = ImportResult(run_id=run_id, deliverable_id=service_id, rows_in=len(rows))
    keys = pd.Series(row_keys(service_id, rows.index), index=rows.index)
    findings = []
    with store.transaction(writer) as conn:
        _lock(conn)
        done = _journaled(conn, keys)
        result.unchanged += int(done.sum())
        todo = rows[~done.to_numpy()]
        nr = todo["CONTACT_NR"].str.strip()
        bulk.load_temp(conn, "stx_numbers", pd.DataFrame({"k": pd.Series(nr.unique(), dtype="str")}))
        found = pd.DataFrame(conn.exec_driver_sql(
            "SELECT c.contact_nr, c.id, c.status FROM contact c JOIN stx_numbers k ON c.contact_nr = k.k").all(),
            columns=["contact_nr", "id", "status"]).set_index("contact_nr")
        known = pd.Series(text_isin(nr, found.index), index=todo.index)
        findings.append(_errors(todo, (nr == "") , "IMPORT_CONTACT_NR_MISSING", "CONTACT_NR"))
        findings.append(_errors(todo, ~known & (nr != ""), "IMPORT_CONTACT_NOT_FOUND", "CONTACT_NR", nr))
        status = nr.map(found["status"]).astype("object").fillna("").astype("str")
        anonymized = known & (status == "anonymized") & (operation != "anonymize")
        if operation == "delete":
            anonymized = anonymized & False  # an anonymized contact may still be deleted
        findings.append(_errors(todo, anonymized, "IMPORT_CONTACT_ANONYMIZED", "CONTACT_NR", nr))
        ok = known & ~anonymized
        ids = nr[ok].map(found["id"]).astype("int64")
        if already:
            with_status = status[ok] == already.split("'")[1]
            unchanged_ids = ids[with_status.to_numpy()]
        else:
            unchanged_ids = ids.iloc[:0]
        changing = ids[~ids.isin(unchanged_ids)].drop_duplicates()
        now = _ts(conn, datetime.now(timezone.utc))
        if len(changing):
            bulk.load_temp(conn, "stx_ids", pd.DataFrame({"id": pd.array(changing.to_numpy(), dtype="Int64")}))
            apply(conn, {"run": run_id, "now": now})
        journal = pd.DataFrame({"row_key": keys.reindex(todo.index)[ok].to_numpy(), "run_id": run_id, "deliverable_id": service_id,
                                "source_ref": todo.index[ok].astype("str") if keep_source_ref else "",
                                "contact_id": pd.array(ids if operation != "delete" else [pd.NA] * len(ids), dtype="Int64"),
                                "action": np.where(ids.isin(unchanged_ids), "unchanged", operation)})
        bulk.insert_frame(conn, "import_row", journal)
        result.updated += int((~ids.isin(unchanged_ids)).sum())
        result.unchanged += int(ids.isin(unchanged_ids).sum())
        result.not_imported += int((~ok).sum())
    result.findings = concat_findings(findings)
    with store.transaction(writer) as conn:
        conn.execute(text("INSERT INTO import_run (run_id, deliverable_id, operation, started_at, finished_at, counts) "
                          "VALUES (:run, :d, :op, :s, :f, :c)"),
                     {"run": run_id, "d": service_id, "op": f"service:{operation}", "s": _ts(conn, started),
                      "f": _ts(conn, datetime.now(timezone.utc)), "c": json.dumps(result.counts())})
    return result


def _purge_old_versions(store: ContactStore) -> None:
    """Make removed personal values unrecoverable from the database files (old row versions, WAL)."""
    if store.dialect == "sqlite":
        with store.engine.connect() as c:
            c.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            c.connection.driver_connection.execute("VACUUM")
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for table in ("contact", "address", "admin_number", "import_row"):
                c.exec_driver_sql(f"VACUUM {table}")
