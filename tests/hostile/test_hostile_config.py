"""Careless project files: each is refused with file, line or path (exit 2), never a traceback or a silent choice."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stx_migrate.cli.main import main
from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.protocol import compile_protocol
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.yaml_load import parse_yaml

BASE = {"name": "hostile", "institution": "INST", "organization": "ORG", "j_date": "2027-03-01",
        "source": {"kind": "csv", "datasets": {"clients": {"file": "clients.csv"}}}}


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "project.yaml").write_text(text, encoding="utf-8")
    (folder / "clients.csv").write_text("ID;NOM\n1;Martin\n", encoding="utf-8")
    return folder


def refused(folder: Path, capsys) -> str:
    code = main(["check", "--project", str(folder)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def test_a_key_given_twice_is_refused_with_both_lines(tmp_path, capsys):
    text = yaml.safe_dump(BASE) + "institution: OTHER\n"
    err = refused(write(tmp_path / "p", text), capsys)
    assert "project.yaml line" in err and "duplicate key 'institution' (first given on line" in err


def test_a_protocol_column_declared_twice_is_refused(tmp_path):
    protocol = tmp_path / "protocol.yaml"
    protocol.write_text("version: 1\ndatasets: {main: clients}\ncolumns:\n  LASTNAME: {from: NOM}\n"
                        "  FIRSTNAME: {from: PRENOM}\n  LASTNAME: {from: PRENOM}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"protocol.yaml line 6, column 3: not valid YAML \(duplicate key 'LASTNAME' \(first given on line 4\)\)"):
        compile_protocol(protocol, None, None)


def test_nested_duplicates_are_found_and_merge_keys_are_not_duplicates():
    with pytest.raises(ConfigError, match="duplicate key 'cutoff'"):
        parse_yaml("retention:\n  cutoff: 2016-01-01\n  cutoff: 2017-01-01\n", "project.yaml")
    assert parse_yaml("a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  p: 3\n", "f") == {"a": {"p": 1, "q": 2}, "b": {"p": 3, "q": 2}}


@pytest.mark.parametrize("key,value,path", [
    ("j_date", "2027-02-30", "project.yaml › j_date"),
    ("retention", {"cutoff": "2016-13-01"}, "project.yaml › retention › cutoff"),
])
def test_impossible_dates_name_file_and_path(tmp_path, capsys, key, value, path):
    text = yaml.safe_dump({**BASE, key: "PLACEHOLDER"}).replace("PLACEHOLDER", yaml.safe_dump(value, default_flow_style=True).strip().strip("'"))
    assert "2016-13-01" in text or "2027-02-30" in text
    err = refused(write(tmp_path / "p", text), capsys)
    assert path in err, err


@pytest.mark.parametrize("url", ["postgresql://app:hunter2@db/crm", "DRIVER={PostgreSQL Unicode};UID=app;PWD=hunter2"])
def test_a_literal_password_in_a_url_is_refused_without_showing_it(tmp_path, url):
    config = {**BASE, "source": {"kind": "postgresql" if "://" in url else "odbc", "url": url,
                                 "datasets": {"clients": {"table": "clients"}}}}
    with pytest.raises(ConfigError) as e:
        load_project(write(tmp_path / "p", yaml.safe_dump(config)))
    assert "source › url" in str(e.value) and "literal password" in str(e.value) and "hunter2" not in str(e.value)


def test_a_literal_password_in_an_environment_url_is_refused(tmp_path):
    config = {**BASE, "environments": {"prod": {"kind": "sql", "url": "postgresql://stx:hunter2@db/stx"}}}
    with pytest.raises(ConfigError, match="environments › prod › url: Value error, holds a literal password"):
        load_project(write(tmp_path / "p", yaml.safe_dump(config)))


def test_references_in_urls_are_accepted(tmp_path):
    config = {**BASE, "environments": {"prod": {"kind": "sql", "url": "postgresql://stx:${env:PW}@db/stx"},
                                       "dev": {"kind": "sql", "url": "${secret:dev-url}"}}}
    assert load_project(write(tmp_path / "p", yaml.safe_dump(config))).config.environments["prod"].url.endswith("@db/stx")


def test_yaml_that_is_not_text_is_refused(tmp_path, capsys):
    folder = write(tmp_path / "p", "x")
    (folder / "project.yaml").write_bytes(b"name: a\x00b\n")
    assert "not valid YAML" in refused(folder, capsys)
    (folder / "project.yaml").write_bytes("name: Müller\n".encode("cp1252"))
    assert "not UTF-8 text" in refused(folder, capsys)
