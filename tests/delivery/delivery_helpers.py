"""A project whose source is a small SecuTix file, with a real deliverable prepared (no Prefect)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.secutix_file import empty_frame, write_secutix_file
from stx_migrate.migration.settings import load_project

PEOPLE = [("1001", "Jean", "Dupont", "jean.dupont@example.org"), ("1002", "Zoë", "Müller", "zoe@example.org"),
          ("1003", "", "", ""), ("1004", "Jean", "Dupont", "jean.dupont@example.org"), ("1005", "Anne", "Favre", "")]


def customer_frame(people=PEOPLE) -> pd.DataFrame:
    rows = [dict(INSTITUTION="INST", ORGANIZATION="ORG", OPERATION="INSERT", CONTACT_NR=n, FIRSTNAME=f, LASTNAME=l,
                 EMAIL1=e, COUNTRY="CH") for n, f, l, e in people]
    frame = pd.concat([empty_frame(), pd.DataFrame(rows)]).fillna("").astype("str")
    frame.index = pd.Index([f"x:{i}" for i in range(1, len(rows) + 1)], name="source_ref")
    return frame


def make_project(folder: Path, environments: dict, extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_secutix_file(customer_frame(), folder / "contacts.xlsx")
    config = {"name": "loop", "institution": "INST", "organization": "ORG", "country": "CH", "j_date": "2027-03-01",
              "source": {"kind": "secutix-file", "path": "contacts.xlsx"}, "environments": environments, **(extra or {})}
    (folder / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


def make_deliverable(folder: Path) -> Path:
    project = load_project(folder)
    return prepare_deliverable(project, receive_snapshot(project).snapshot.path)


def sftp_environment(server, **more) -> dict:
    return {"kind": "sftp", "host": server.host, "port": server.port, "user": server.user,
            "key": "${env:STX_TEST_SFTP_KEY}", "known_hosts": str(server.known_hosts), "remote_dir": str(server.drop),
            **more}
