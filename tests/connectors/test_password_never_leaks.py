"""The password reaches the database and nothing else: not the logs, manifest, profile,
artifacts, flow-run records, standard output/error nor any error message (issue 3, point 4).

The password comes from a Prefect Secret block (``${secret:…}``) in one run and from an
environment variable inside an ODBC connection string in the failing one; every place
a run leaves text in is then searched for it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from stx_migrate.cli.main import main
from api_reads import everything_prefect_stored

pytestmark = [pytest.mark.prefect, pytest.mark.postgres]
CANARY = "Canary-Pw-5f3e-91"


@pytest.fixture()
def canary_role(pg_server):
    import psycopg

    with psycopg.connect(host=pg_server.host, port=pg_server.port, user=pg_server.superuser, dbname=pg_server.dbname,
                         autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS canary_people")
        c.execute("DROP ROLE IF EXISTS canary")
        c.execute(f"CREATE ROLE canary LOGIN PASSWORD '{CANARY}'")
        c.execute("CREATE TABLE canary_people (id int PRIMARY KEY, email text)")
        c.execute("INSERT INTO canary_people VALUES (1, 'zoe@example.org'), (2, NULL)")
        c.execute("GRANT SELECT ON canary_people TO canary")
    return pg_server


def _files_text(folder: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_password_from_a_secret_block_appears_nowhere(canary_role, project_factory, workspace_home, prefect_api,
                                                      info_logs_to_the_api, capsys):
    from prefect.blocks.system import Secret

    Secret(value=CANARY).save("stx-canary-pw", overwrite=True)
    s = canary_role
    folder = project_factory({"kind": "postgresql", "url": f"postgresql://canary@{s.host}:{s.port}/{s.dbname}",
                              "password": "${secret:stx-canary-pw}", "datasets": {"people": {"table": "canary_people"}}})
    code = main(["receive", "--project", str(folder)])
    out, err = capsys.readouterr()
    assert code == 0, err
    snapshot = Path(out.strip().splitlines()[-1])
    assert (snapshot / "manifest.json").exists()

    # a bad run too: the same secret inside an ODBC connection string, and a driver that does not exist
    bad = project_factory({"kind": "odbc", "url": f"DRIVER={{No Such Driver}};SERVER={s.host};UID=canary;PWD=${{secret:stx-canary-pw}}",
                           "datasets": {"people": {"table": "canary_people"}}})
    assert main(["receive", "--project", str(bad)]) == 2
    bad_out, bad_err = capsys.readouterr()
    assert "No Such Driver" in bad_err and "PWD=***" in bad_err

    assert CANARY.encode() not in _files_text(workspace_home)
    assert b"zoe@example.org" not in (snapshot / "manifest.json").read_bytes() + (snapshot / "profile.json").read_bytes()
    stored = everything_prefect_stored(must_hold="snapshot")
    for text in (out, err, bad_out, bad_err, stored):
        assert CANARY not in text
    assert "zoe@example.org" not in stored  # the profile artifact carries shapes, not values
