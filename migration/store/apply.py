"""Set-based SQL that applies a staged round to the store (same statements on SQLite and PostgreSQL).

The stage (``stx_stage``: one line per contact written; ``stx_crit``; ``stx_admin``)
is bulk-loaded first (COPY / executemany), then each table is written with one
INSERT … SELECT / UPDATE … FROM / DELETE statement. Stage values: NULL = keep,
``=`` = clear, anything else = the new value (secutix-format §3). When the round has UPDATE
rows, every statement returns the ids of the contacts it really changed, which is
how a row is told ``updated`` from ``unchanged``.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, text

from . import bulk
from .columns import ADDRESS_FIELDS, AUTH_COLUMNS, CONTACT_FIELDS, MEAN_COLUMNS, auth_col, db, mean_col

CONTACT_COLUMNS = [db(c) for c in CONTACT_FIELDS] + [mean_col(c) for c in MEAN_COLUMNS]  # means: columns (0004)
CONSENT_COLUMNS = [auth_col(c) for c in AUTH_COLUMNS]
ADDRESS_COLUMNS = [db(c) for c in ADDRESS_FIELDS]


def _cast(conn: Connection, column: str, expr: str) -> str:
    if column == "birthdate" and conn.dialect.name == "postgresql":
        return f"CAST({expr} AS DATE)"
    if column == "nb_employees":
        return f"CAST({expr} AS INTEGER)"
    return expr


def _consent(stage_value: str) -> str:
    """A consent cell as a boolean: TRUE is granted, any other value refused."""
    return f"CASE WHEN {stage_value} = 'TRUE' THEN TRUE ELSE FALSE END"


def _merge(conn: Connection, table: str, column: str, stage: str = "s") -> str:
    """New value of ``table.column``: keep on NULL, clear on '=', else the staged value."""
    new = _consent(f"{stage}.{column}") if column in CONSENT_COLUMNS else _cast(conn, column, f"{stage}.{column}")
    if column == "remark":  # '||text' appends to the stored remark (secutix-format §3)
        return (f"CASE WHEN {stage}.remark IS NULL THEN {table}.remark WHEN {stage}.remark = '=' THEN NULL "
                f"WHEN {stage}.remark LIKE '||%' THEN COALESCE({table}.remark, '') || substr({stage}.remark, 3) "
                f"ELSE {stage}.remark END")
    return f"CASE WHEN {stage}.{column} IS NULL THEN {table}.{column} WHEN {stage}.{column} = '=' THEN NULL ELSE {new} END"


def load_stage(conn: Connection, contacts: pd.DataFrame, criteria: pd.DataFrame, admin: pd.DataFrame, *,
               has_updates: bool) -> None:
    bulk.load_temp(conn, "stx_stage", contacts)
    conn.exec_driver_sql("CREATE INDEX stx_stage_target ON stx_stage (target_id)")
    bulk.load_temp(conn, "stx_crit", criteria if len(criteria) else _empty_crit())
    conn.exec_driver_sql("CREATE INDEX stx_crit_target ON stx_crit (target_id)")
    bulk.load_temp(conn, "stx_admin", admin if len(admin) else _empty_admin())
    if has_updates and conn.dialect.name == "postgresql":  # UPDATE … FROM joins need the stage's statistics
        conn.exec_driver_sql("ANALYZE stx_stage; ANALYZE stx_crit; ANALYZE stx_admin")


def _empty_crit() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="Int64") for c in ("target_id", "criterion_id", "element_id")})


def _empty_admin() -> pd.DataFrame:
    return pd.DataFrame({"target_id": pd.Series([], dtype="Int64"), "code": pd.Series([], dtype="str"),
                         "number": pd.Series([], dtype="str")})


def apply_stage(conn: Connection, *, run_id: str, now, deliverable_id: str, has_updates: bool) -> set[int]:
    """Write the staged round; returns the ids of existing contacts that changed (UPDATE rows)."""
    params = {"run": run_id, "now": now, "deliverable": deliverable_id}
    changed: set[int] = set()

    def run(sql: str, returning: bool = False) -> None:
        result = conn.execute(text(sql), params)
        if returning:
            changed.update(r[0] for r in result)

    cols = ", ".join(CONTACT_COLUMNS + CONSENT_COLUMNS)
    vals = ", ".join([_cast(conn, c, f"s.{c}") for c in CONTACT_COLUMNS] +
                     [f"CASE WHEN s.{c} IS NULL THEN NULL ELSE {_consent('s.' + c)} END" for c in CONSENT_COLUMNS])
    run(f"INSERT INTO contact (id, contact_nr, institution_id, organization, kind, status, {cols}, structure_id, match_key, "
        f"created_run, updated_run, created_at, updated_at) "
        f"SELECT s.target_id, s.contact_nr, s.institution_id, s.organization, s.kind, 'active', {vals}, s.structure_id, "
        f"s.match_key, :run, :run, :now, :now FROM stx_stage s WHERE s.op = 'I' ORDER BY s.role DESC")
    if has_updates:
        merged = CONTACT_COLUMNS + CONSENT_COLUMNS
        sets = ", ".join(f"{c} = {_merge(conn, 'contact', c)}" for c in merged)
        differs = " OR ".join(f"({_merge(conn, 'contact', c)}) IS DISTINCT FROM contact.{c}" for c in merged)
        run(f"UPDATE contact SET {sets}, structure_id = COALESCE(s.structure_id, contact.structure_id) "
            f"FROM stx_stage s WHERE s.op = 'U' AND contact.id = s.target_id AND "
            f"({differs} OR (s.structure_id IS NOT NULL AND s.structure_id IS DISTINCT FROM contact.structure_id)) "
            f"RETURNING contact.id", True)
    _write_addresses(run, conn, has_updates)
    _write_admin(run, has_updates)
    _write_criteria(run, has_updates)
    run("INSERT INTO import_row (row_key, run_id, deliverable_id, source_ref, contact_id, action) "
        "SELECT s.row_key, :run, :deliverable, s.source_ref, s.target_id, CASE s.op WHEN 'I' THEN 'insert' ELSE 'update' END "
        "FROM stx_stage s WHERE s.role = 'self'")
    return changed


def _write_addresses(run, conn: Connection, has_updates: bool) -> None:
    """Addresses carry the set of uses they serve (``uses``: M 1, S 2, B 4); a row's ADDR_TYPE is ``s.addr_uses``.

    UPDATE, per stored address of the contact: all its uses named by the row → changed in place; some
    of them → those uses split off into a new address with the merged values, the others keep the old
    ones (so each use behaves exactly as if it had its own row). Uses without an address yet get one
    with the row's values; an address whose fields are all cleared is removed.
    """
    cols = ", ".join(ADDRESS_COLUMNS)
    if has_updates:
        target = "s.op = 'U' AND s.has_address = 1 AND {a}.contact_id = s.target_id"
        differs = " OR ".join(f"({_merge(conn, '{a}', c)}) IS DISTINCT FROM {{a}}.{c}" for c in ADDRESS_COLUMNS)
        sets = ", ".join(f"{c} = {_merge(conn, 'address', c)}" for c in ADDRESS_COLUMNS)
        t, d = target.format(a="address"), differs.format(a="address")
        run(f"UPDATE address SET {sets} FROM stx_stage s WHERE {t} AND (address.uses & s.addr_uses) = address.uses "
            f"AND ({d}) RETURNING address.contact_id", True)
        partly = "({a}.uses & s.addr_uses) <> 0 AND ({a}.uses & s.addr_uses) <> {a}.uses"
        merged = ", ".join(_merge(conn, "a", c) for c in ADDRESS_COLUMNS)
        run(f"INSERT INTO address (contact_id, uses, {cols}) SELECT a.contact_id, a.uses & s.addr_uses, {merged} "
            f"FROM address a JOIN stx_stage s ON {target.format(a='a')} WHERE {partly.format(a='a')} "
            f"AND ({differs.format(a='a')}) RETURNING contact_id", True)
        run(f"UPDATE address SET uses = address.uses & ~s.addr_uses FROM stx_stage s WHERE {t} "
            f"AND {partly.format(a='address')} AND ({d}) RETURNING address.contact_id", True)
    vals = ", ".join(f"NULLIF(s.{c}, '=') AS {c}" for c in ADDRESS_COLUMNS)
    uses = ("s.addr_uses & ~COALESCE((SELECT SUM(a.uses) FROM address a WHERE a.contact_id = s.target_id), 0)"
            if has_updates else "s.addr_uses")  # a contact's addresses serve disjoint uses: SUM is their union
    run(f"INSERT INTO address (contact_id, uses, {cols}) SELECT contact_id, uses, {cols} FROM "
        f"(SELECT s.target_id AS contact_id, {uses} AS uses, {vals} FROM stx_stage s WHERE s.has_new_address = 1) x "
        f"WHERE uses <> 0" + (" RETURNING contact_id" if has_updates else ""), has_updates)
    if has_updates:
        empty = " AND ".join(f"{c} IS NULL" for c in ADDRESS_COLUMNS)
        run(f"DELETE FROM address WHERE contact_id IN (SELECT target_id FROM stx_stage WHERE op = 'U' AND has_address = 1) "
            f"AND {empty} RETURNING contact_id", True)


def _write_admin(run, has_updates: bool) -> None:
    if has_updates:
        run("DELETE FROM admin_number WHERE contact_id IN (SELECT target_id FROM stx_admin WHERE number = '=') AND EXISTS "
            "(SELECT 1 FROM stx_admin a WHERE a.number = '=' AND a.target_id = admin_number.contact_id "
            "AND a.code = admin_number.code) RETURNING contact_id", True)
    sql = ("INSERT INTO admin_number (contact_id, code, number) SELECT target_id, code, number FROM stx_admin "
           "WHERE number <> '=' ON CONFLICT (contact_id, code) DO UPDATE SET number = excluded.number "
           "WHERE admin_number.number IS DISTINCT FROM excluded.number")
    run(sql + (" RETURNING contact_id" if has_updates else ""), has_updates)


def _write_criteria(run, has_updates: bool) -> None:
    """A criterion given in a row replaces that criterion's elements on the contact (others are kept)."""
    if has_updates:
        run("DELETE FROM criterion_assignment WHERE contact_id IN (SELECT target_id FROM stx_crit) AND EXISTS "
            "(SELECT 1 FROM stx_crit c WHERE c.target_id = criterion_assignment.contact_id "
            "AND c.criterion_id = criterion_assignment.criterion_id) AND NOT EXISTS "
            "(SELECT 1 FROM stx_crit c WHERE c.target_id = criterion_assignment.contact_id "
            "AND c.element_id = criterion_assignment.element_id) RETURNING contact_id", True)
    sql = ("INSERT INTO criterion_assignment (contact_id, element_id, criterion_id) "
           "SELECT target_id, element_id, criterion_id FROM stx_crit WHERE element_id IS NOT NULL")
    # the stage holds each (contact, element) once; only an UPDATE can meet an existing assignment
    run(sql + (" ON CONFLICT DO NOTHING RETURNING contact_id" if has_updates else ""), has_updates)


def touch_contacts(conn: Connection, ids: set[int], *, run_id: str, now) -> None:
    """Stamp contacts whose addresses, means, consents or criteria changed."""
    if not ids:
        return
    bulk.load_temp(conn, "stx_changed", pd.DataFrame({"id": pd.array(sorted(ids), dtype="Int64")}))
    conn.execute(text("UPDATE contact SET updated_run = :run, updated_at = :now WHERE id IN (SELECT id FROM stx_changed)"),
                 {"run": run_id, "now": now})
