"""Alembic environment of the contact store, run programmatically by ``open_store``.

The caller passes an open SQLAlchemy connection in ``config.attributes["connection"]``;
there is no ``alembic.ini`` URL and no offline mode (the store always migrates itself).
"""
from __future__ import annotations

from alembic import context

from stx_migrate.migration.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only open_store runs this environment
    raise RuntimeError("the contact store migrates itself through open_store(url)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
