"""Opening a contact store (SQLite file or PostgreSQL database) and reading it back.

``open_store(url)`` creates or upgrades the schema with the Alembic migrations kept
in this package, so an environment is usable as soon as its URL is known. SQLite
runs in WAL mode: a killed import leaves the last committed batch in place and the
file consistent (docs/store.md, crash safety).
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from ..errors import ConfigError, SourceUnavailable
from . import bulk
from .catalogue import Catalogue

ALEMBIC_DIR = Path(__file__).parent / "alembic"
# The newest migration in alembic/versions (a test checks it is Alembic's own head). A store
# already there opens without importing Alembic and the ORM models (~0.4 s of every command).
HEAD_REVISION = "0004"
class ContactStore:
    """One environment's contact store. Use :func:`open_store` to get one."""

    def __init__(self, engine: Engine, name: str = "store"):
        self.engine = engine
        self.name = name
        self.dialect = engine.dialect.name

    def __repr__(self) -> str:  # never the URL: it may carry a password
        return f"ContactStore({self.name!r}, {self.dialect})"

    @contextlib.contextmanager
    def transaction(self, conn: Connection | None = None) -> Iterator[Connection]:
        """A write transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken first), on ``conn`` if given."""
        with contextlib.nullcontext(conn) if conn is not None else self.engine.connect() as c:
            try:
                with c.begin():
                    yield c
            finally:
                if self.dialect == "sqlite":
                    bulk.drop_scratch(c)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- reading -------------------------------------------------------------------------
    def catalogue(self, conn: Connection | None = None) -> Catalogue:
        """Institutions, types, criteria and elements as lookups for the import."""
        with _maybe(self, conn) as c:
            cat = Catalogue()
            cat.institutions = {code: id_ for id_, code in c.execute(text("SELECT id, code FROM institution"))}
            cat.structure_types = {r[0] for r in c.execute(text("SELECT code FROM structure_type"))}
            cat.community_types = {r[0] for r in c.execute(text("SELECT code FROM community_type"))}
            cat.admin_number_types = {r[0] for r in c.execute(text("SELECT code FROM admin_number_type"))}
            rows = c.execute(text("SELECT code, id, contact_type FROM criterion")).all()
            cat.criteria = pd.DataFrame(rows, columns=["criterion_code", "criterion_id", "contact_type"]).astype(
                {"criterion_code": "str", "contact_type": "str"})
            rows = c.execute(text(
                "SELECT c.code, e.code, e.id, c.id FROM criterion_element e JOIN criterion c ON c.id = e.criterion_id")).all()
            cat.elements = pd.DataFrame(rows, columns=["criterion_code", "element_code", "element_id", "criterion_id"]).astype(
                {"criterion_code": "str", "element_code": "str"})
            return cat

    def existing_contact_numbers(self) -> frozenset[str]:
        """Every contact number in the store (active, inactive or anonymized)."""
        with self.engine.connect() as c:
            # the driver's own cursor: a SQLAlchemy Row per contact took 3 s for 660k numbers
            cursor = c.connection.dbapi_connection.cursor()
            try:
                cursor.execute("SELECT contact_nr FROM contact")
                return frozenset(number for number, in cursor.fetchall())
            finally:
                cursor.close()

    def count(self, table: str, where: str = "") -> int:
        """Rows of a store table (tests and reports); ``where`` is trusted SQL."""
        from . import models

        if table not in models.Base.metadata.tables:
            raise ValueError(f"unknown store table {table!r}")
        with self.engine.connect() as c:
            return c.exec_driver_sql(f"SELECT COUNT(*) FROM {table} {('WHERE ' + where) if where else ''}").scalar_one()

    def reference_data(self):
        """The store's reference data as the format's ``ReferenceData`` (rules check files against it)."""
        from .reference_io import read_reference_data

        return read_reference_data(self)

    def export_contacts(self) -> pd.DataFrame:
        """The store's active and inactive contacts as a SecuTix frame, index ``"<env>:<contact_nr>"``.

        Used by dedup to find duplicates against the environment. Anonymized contacts
        are left out (nothing to match on). One row per contact; the address is the
        main one (else billing, else shipping).
        """
        from .export import export_frame

        return export_frame(self)


@contextlib.contextmanager
def _maybe(store: ContactStore, conn: Connection | None) -> Iterator[Connection]:
    if conn is not None:
        yield conn
    else:
        with store.engine.connect() as c:
            yield c


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        # page_size first: it takes effect only in a file that holds no table yet (a store being created; an
        # existing store keeps its own). 16 KB pages: the 1M import's SQLite statements (every random index
        # leaf rewritten per batch, then copied into the WAL and the file) 9.1 → 7.6 s of CPU (docs/store.md)
        for pragma in ("page_size=16384", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=60000",
                       "temp_store=MEMORY", "cache_size=-200000", "secure_delete=ON"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        # a read-only connection (the import's planner) must not take the write lock
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("stx_read_only") else "BEGIN IMMEDIATE")


def open_store(url: str, *, name: str = "store") -> ContactStore:
    """Open the store at SQLAlchemy ``url`` (``sqlite:///file`` or ``postgresql+psycopg://…``).

    Creates the SQLite file's folder, then creates or upgrades the schema to the
    newest migration. The URL must already be resolved (no ``${env:…}``); errors
    never quote it. Raises ConfigError for an unusable URL and SourceUnavailable when
    the server cannot be reached (retriable).
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ConfigError(f"environment {name}: url is not a SQLAlchemy URL (sqlite:///file or postgresql+psycopg://…)") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"environment {name}: url: backend {backend!r} is not supported (allowed: sqlite, postgresql)")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise ConfigError(f"environment {name}: a SQLite store needs a file (sqlite:///path/to/env.sqlite)")
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        bulk.remove_stale_scratch(parsed.database)
        engine = create_engine(parsed)
        _sqlite_setup(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    store = ContactStore(engine, name)
    try:
        upgrade_schema(store)
    except OperationalError as e:
        engine.dispose()
        raise SourceUnavailable(f"environment {name}: the store cannot be reached ({type(e.orig).__name__})") from None
    return store


def upgrade_schema(store: ContactStore) -> None:
    """Run the package's Alembic migrations up to head on the store (idempotent)."""
    if schema_revision(store) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":  # two processes opening a fresh store at once
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4242001)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_revision(store: ContactStore) -> str | None:
    """The store's Alembic revision (None: a store with no schema yet)."""
    with store.engine.connect() as conn:
        conn.execution_options(stx_read_only=True)  # SQLite: a plain BEGIN, never the write lock
        if not inspect(conn).has_table("alembic_version"):
            return None
        versions = [row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    return versions[0] if len(versions) == 1 else None   # none or a branch: let Alembic decide
