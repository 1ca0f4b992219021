"""Helpers for the connector tests: project folders written on the fly."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml


def write_project(folder: Path, source: dict, name: str = "t-receive") -> Path:
    """A minimal project.yaml around a ``source`` block; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"name": name, "institution": "INST", "organization": "ORG", "j_date": "2027-03-01", "source": source}
    (folder / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.fixture()
def project_factory(tmp_path):
    def make(source: dict, name: str = "t-receive") -> Path:
        return write_project(tmp_path / "project", source, name)

    return make
