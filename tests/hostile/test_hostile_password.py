"""A password holding URL characters (@ : / %) inside a URL reference reaches the real PostgreSQL server intact."""
from __future__ import annotations

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

pytestmark = pytest.mark.postgres
PASSWORD = "p@ss:w/rd%ca#?é"


@pytest.fixture()
def awkward_role(pg_server):
    import psycopg

    with psycopg.connect(host=pg_server.host, port=pg_server.port, user=pg_server.superuser, dbname=pg_server.dbname,
                         autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS awkward_people")
        c.execute("DROP ROLE IF EXISTS awkward")
        c.execute(psycopg.sql.SQL("CREATE ROLE awkward LOGIN PASSWORD {}").format(psycopg.sql.Literal(PASSWORD)))
        c.execute("CREATE TABLE awkward_people (id int PRIMARY KEY, name text)")
        c.execute("INSERT INTO awkward_people VALUES (1, 'Zoé')")
        c.execute("GRANT SELECT ON awkward_people TO awkward")
    return pg_server


def test_the_password_is_quoted_into_the_url(awkward_role, monkeypatch):
    monkeypatch.setenv("AWKWARD_PW", PASSWORD)
    server = awkward_role
    settings = SourceSettings.model_validate({
        "kind": "postgresql", "url": f"postgresql://awkward:${{env:AWKWARD_PW}}@{server.host}:{server.port}/{server.dbname}",
        "datasets": {"people": {"table": "awkward_people"}}})
    with open_source(settings, ".") as source:
        source.describe()
        rows = pa.concat_tables(source.read("people")).to_pylist()
    assert rows == [{"id": 1, "name": "Zoé"}]
