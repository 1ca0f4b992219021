"""Fixtures of the store tests: the same tests run on SQLite and on the real PostgreSQL server."""
from __future__ import annotations

import itertools
import shutil

import pytest

from store_helpers import REFERENCE, frame, one  # noqa: F401  (fixtures below use REFERENCE)

from stx_migrate.migration.store import open_store, seed_reference_data


def make_store(url: str, name: str = "dev"):
    store = open_store(url, name=name)
    seed_reference_data(store, REFERENCE, institutions=["DEMO"])
    return store


_db_names = itertools.count(1)

DATA_TABLES = ["criterion_assignment", "admin_number", "address",
               "contact", "import_row", "import_run", "contact_number_range"]


@pytest.fixture(scope="module")
def pg_store(request):
    """One fresh PostgreSQL database per test module (emptied of contacts before each test)."""
    pg = request.getfixturevalue("pg_server")
    name = pg.create_database(f"stx_store_{request.module.__name__.rsplit('.', 1)[-1]}_{next(_db_names)}")
    s = make_store(pg.url(dbname=name))
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated, seeded SQLite store file, copied for each test (migrating is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "env.sqlite"
    s = make_store(f"sqlite:///{path}")
    with s.engine.connect() as c:
        c.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh, seeded contact store on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "env.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        s = open_store(f"sqlite:///{target}", name="dev")
        yield s
        s.dispose()
        return
    s = request.getfixturevalue("pg_store")
    with s.engine.begin() as c:
        c.exec_driver_sql("TRUNCATE " + ", ".join(DATA_TABLES))
    yield s
