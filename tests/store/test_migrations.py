"""Alembic upgrades of a store that already holds contacts: the data comes through, read back after the upgrade."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from stx_migrate.migration.store import open_store
from stx_migrate.migration.store.store import ALEMBIC_DIR


def migrate(url: str, revision: str) -> None:
    """The store's migrations up (or down) to ``revision`` (open_store always goes to head)."""
    engine = create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        current = _current(conn)
        if current is not None and current > revision:  # revisions are numbered 0001, 0002, …
            command.downgrade(cfg, revision)
        else:
            command.upgrade(cfg, revision)
    engine.dispose()


def _current(conn) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def rows_at_0001(url: str) -> None:
    """Two contacts with consents, as revision 0001 stored them (one row per channel)."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO institution (id, code) VALUES (1, 'DEMO')")
        c.exec_driver_sql("INSERT INTO contact (id, contact_nr, institution_id, kind, status, lastname) VALUES "
                          "(1, '100', 1, 'individual', 'active', 'A'), (2, '200', 1, 'individual', 'active', 'B'), "
                          "(3, '300', 1, 'structure', 'active', NULL)")
        c.exec_driver_sql("INSERT INTO contact_authorization (contact_id, channel, granted) VALUES "
                          "(1, 'CNIL_O', TRUE), (1, 'EMAIL', FALSE), (2, 'SMS_MMS', TRUE)")
        c.exec_driver_sql("INSERT INTO address (contact_id, addr_type, town, country) VALUES "
                          "(1, 'M', 'Lyon', 'FR'), (1, 'B', 'Lyon', 'FR'), (1, 'S', 'Paris', 'FR'), (3, 'M', 'Bern', 'CH')")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite'}"
    pg = request.getfixturevalue("pg_server")
    return pg.url(dbname=pg.create_database(f"stx_migrations_{len(str(tmp_path)) % 1000}_{tmp_path.name}"))


def test_upgrade_merges_equal_addresses_into_one_row_with_their_uses(empty_url):
    migrate(empty_url, "0001")
    rows_at_0001(empty_url)
    store = open_store(empty_url, name="old")
    with store.engine.connect() as c:
        rows = sorted(tuple(r) for r in c.exec_driver_sql("SELECT contact_id, uses, town, country, line1 FROM address"))
    assert rows == [(1, 2, "Paris", "FR", None), (1, 5, "Lyon", "FR", None), (3, 1, "Bern", "CH", None)]  # M 1, S 2, B 4
    exported = store.export_contacts()
    assert exported.loc["old:100", ["ADDR_TYPE", "TOWN"]].tolist() == ["MB", "Lyon"]
    store.dispose()
    migrate(empty_url, "0002")  # and back: one row per use again
    engine = create_engine(empty_url)
    with engine.connect() as c:
        rows = sorted(tuple(r) for r in c.exec_driver_sql("SELECT contact_id, addr_type, town FROM address"))
    engine.dispose()
    assert rows == [(1, "B", "Lyon"), (1, "M", "Lyon"), (1, "S", "Paris"), (3, "M", "Bern")]


def test_upgrade_keeps_consents(empty_url):
    migrate(empty_url, "0001")
    rows_at_0001(empty_url)
    store = open_store(empty_url, name="old")  # upgrades to head
    got = sorted(store.export_contacts()[["CNIL_O", "EMAIL", "SMS_MMS", "PARTNER"]].itertuples())
    assert got == [("old:100", "TRUE", "FALSE", "", ""), ("old:200", "", "", "TRUE", ""), ("old:300", "", "", "", "")]
    with store.engine.connect() as c:
        assert "contact_authorization" not in c.dialect.get_table_names(c)
    store.dispose()


def test_downgrade_restores_consent_rows(empty_url):
    migrate(empty_url, "0001")
    rows_at_0001(empty_url)
    open_store(empty_url, name="old").dispose()
    migrate(empty_url, "0001")
    engine = create_engine(empty_url)
    with engine.connect() as c:
        rows = sorted((r[0], r[1], bool(r[2])) for r in c.exec_driver_sql(
            "SELECT contact_id, channel, granted FROM contact_authorization"))
    engine.dispose()
    assert rows == [(1, "CNIL_O", True), (1, "EMAIL", False), (2, "SMS_MMS", True)]


def means_at_0003(url: str) -> None:
    """Means of two contacts as revision 0003 stored them (one row per type)."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.exec_driver_sql("INSERT INTO communication_mean (contact_id, mean_type, value) VALUES "
                          "(1, 'EMAIL1', 'a@example.com'), (1, 'CELLPHONE', '+41 79'), (3, 'TELEPHONE', '+41 31')")
    engine.dispose()


def test_upgrade_moves_means_into_contact_columns_and_back(empty_url):
    migrate(empty_url, "0001")
    rows_at_0001(empty_url)
    migrate(empty_url, "0003")
    means_at_0003(empty_url)
    store = open_store(empty_url, name="old")  # upgrades to head (0004)
    exported = store.export_contacts()
    assert exported.loc["old:100", ["EMAIL1", "CELLPHONE", "TELEPHONE"]].tolist() == ["a@example.com", "+41 79", ""]
    assert exported.loc["old:300", "TELEPHONE"] == "+41 31" and exported.loc["old:200", "EMAIL1"] == ""
    with store.engine.connect() as c:
        assert "communication_mean" not in c.dialect.get_table_names(c)
        assert "ix_contact_email1" in {i["name"] for i in c.dialect.get_indexes(c, "contact")}
    store.dispose()
    migrate(empty_url, "0003")
    engine = create_engine(empty_url)
    with engine.connect() as c:
        rows = sorted(tuple(r) for r in c.exec_driver_sql("SELECT contact_id, mean_type, value FROM communication_mean"))
        columns = {col["name"] for col in c.dialect.get_columns(c, "contact")}
    engine.dispose()
    assert rows == [(1, "CELLPHONE", "+41 79"), (1, "EMAIL1", "a@example.com"), (3, "TELEPHONE", "+41 31")]
    assert "email1" not in columns


def test_head_revision_is_alembics_own_head():
    from alembic.script import ScriptDirectory

    from stx_migrate.migration.store.store import HEAD_REVISION

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    assert ScriptDirectory.from_config(cfg).get_heads() == [HEAD_REVISION]


def test_a_store_at_head_opens_without_alembic_and_an_older_one_is_upgraded(tmp_path):
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    migrate(url, "0003")
    opened = ("import sys; from stx_migrate.migration.store import open_store; "
              f"s = open_store({url!r}); print(s.count('contact'), 'alembic' in sys.modules)")
    run = [sys.executable, "-c", opened]
    older = subprocess.run(run, capture_output=True, text=True, check=True).stdout.split()
    at_head = subprocess.run(run, capture_output=True, text=True, check=True).stdout.split()
    assert older == ["0", "True"]        # 0003 → head: Alembic ran
    assert at_head == ["0", "False"]     # already at head: nothing to run, nothing imported
    engine = create_engine(url)
    with engine.connect() as c:
        assert _current(c) == "0004"
    engine.dispose()
