"""``stx-migrate init`` on real files and a real PostgreSQL server: what it writes, `check` accepts at once."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import yaml

from stx_migrate.cli.main import main
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.settings import load_project

FRENCH = ("NUM_CLIENT;Civilité;Prénom;Nom;Date de naissance;Courriel;Tél. portable;CP;Ville;Pays;Dernier achat\r\n"
          "1001;M.;Jean;Dupont;12/03/1980;jean.dupont@example.org;079 123 45 67;1200;Genève;Suisse;2021-05-01\r\n"
          "1002;Mme;Zoé;Martin;01/01/1975;zoe.martin@example.org;+33 6 12 34 56 78;75001;Paris;France;2019-02-03\r\n"
          "1003;Monsieur;Luc;Favre;30/06/1990;;;1003;Lausanne;CH;2022-11-30\r\n")


def _init(tmp_path, capsys, *args):
    folder = tmp_path / "project"
    code = main(["init", "--project", str(folder), *args])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip().splitlines()[-1] == str(folder.resolve())
    return folder


def _check(folder, capsys):
    code = main(["check", "--project", str(folder)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_a_french_csv_gives_a_protocol_check_accepts_and_prepare_runs(tmp_path, capsys, workspace_home):
    (tmp_path / "clients.csv").write_bytes(FRENCH.encode("cp1252"))
    folder = _init(tmp_path, capsys, "--from", str(tmp_path / "clients.csv"), "--country", "CH", "--institution", "TDL",
                   "--organization", "TDL")
    protocol_text = (folder / "protocol.yaml").read_text()
    for column in ("NUM_CLIENT", "Civilité", "Prénom", "Nom", "Date de naissance", "Courriel", "Tél. portable", "CP",
                   "Ville", "Pays", "Dernier achat"):
        assert f"#   {column} " in protocol_text
    assert "Dupont" not in protocol_text and "jean.dupont" not in protocol_text   # no personal value in the files
    protocol = yaml.safe_load(protocol_text)
    assert protocol["contact_number"] == {"from": "NUM_CLIENT"}
    assert {c: r["from"] for c, r in protocol["columns"].items()} == {
        "TITLE": "Civilité", "FIRSTNAME": "Prénom", "LASTNAME": "Nom", "BIRTHDATE": "Date de naissance",
        "ZIPCODE": "CP", "TOWN": "Ville", "COUNTRY": "Pays", "CELLPHONE": "Tél. portable", "EMAIL1": "Courriel"}
    assert "compiles against the source's columns" in _check(folder, capsys)
    loaded = load_project(folder)
    deliverable = Deliverable(prepare_deliverable(loaded, receive_snapshot(loaded).snapshot.path))
    assert deliverable.summary().valid == 3
    text = (deliverable.path / "contacts.csv").read_text(encoding="utf-8-sig")
    assert "12.03.1980" in text and ",MRS," in text and "+41791234567" in text


def test_a_german_workbook_picks_the_contact_sheet_and_lists_the_others(tmp_path, capsys, workspace_home):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(tmp_path / "kunden.xlsx")
    firms = workbook.add_worksheet("Firmen")
    firms.write_row(0, 0, ["Firma", "Ort"])
    firms.write_row(1, 0, ["Muster AG", "Bern"])
    people = workbook.add_worksheet("Kunden")
    people.write_row(0, 0, ["Kundennummer", "Anrede", "Vorname", "Nachname", "Geburtsdatum", "E-Mail", "PLZ", "Ort", "Land"])
    date_format = workbook.add_format({"num_format": "dd.mm.yyyy"})
    for r, (first, last) in enumerate([("Hans", "Muster"), ("Anna", "Meier")], start=1):
        people.write_row(r, 0, [r, "Herr" if r == 1 else "Frau", first, last])
        people.write_datetime(r, 4, dt.datetime(1970 + r, 5, 17), date_format)
        people.write_row(r, 5, [f"{first.lower()}@example.ch", "3011", "Bern", "Schweiz"])
    workbook.close()
    folder = _init(tmp_path, capsys, "--from", str(tmp_path / "kunden.xlsx"))
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    assert protocol["datasets"]["main"] == "Kunden"
    assert protocol["columns"]["BIRTHDATE"] == {"from": "Geburtsdatum", "steps": [{"parse_date": {"formats": ["%Y-%m-%d"]}}]}
    assert protocol["columns"]["TITLE"]["steps"][0]["map_values"]["values"] == {"Frau": "MRS", "Herr": "MR"}
    assert "#   Firmen: Firma, Ort" in (folder / "protocol.yaml").read_text()
    _check(folder, capsys)


def test_an_english_sqlite_database_lists_its_tables(tmp_path, capsys, workspace_home):
    with sqlite3.connect(tmp_path / "crm.sqlite") as c:
        c.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, total REAL)")
        c.execute("CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, dob TEXT,"
                  " email TEXT, phone TEXT, zip TEXT, city TEXT, country TEXT)")
        c.execute("INSERT INTO customers VALUES (1, 'Ann', 'Smith', '1980-02-03', 'ann@example.com', '+44 20 7946 0958',"
                  " 'SW1A 1AA', 'London', 'United Kingdom')")
    folder = _init(tmp_path, capsys, "--from", str(tmp_path / "crm.sqlite"), "--country", "GB", "--language", "en")
    config = yaml.safe_load((folder / "project.yaml").read_text())
    assert config["source"] == {"kind": "sqlite", "path": "../crm.sqlite",
                                "datasets": {"orders": {"table": "orders"}, "customers": {"table": "customers"}}}
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    assert protocol["datasets"]["main"] == "customers" and protocol["contact_number"] == {"from": "customer_id"}
    assert set(protocol["columns"]) == {"FIRSTNAME", "LASTNAME", "BIRTHDATE", "ZIPCODE", "TOWN", "COUNTRY", "TELEPHONE", "EMAIL1"}
    _check(folder, capsys)


def test_a_secutix_layout_file_becomes_a_secutix_file_source_with_no_protocol(tmp_path, capsys, workspace_home):
    from stx_migrate.migration.secutix_file import write_template

    write_template(tmp_path / "template.xlsx")
    folder = _init(tmp_path, capsys, "--from", str(tmp_path / "template.xlsx"))
    config = yaml.safe_load((folder / "project.yaml").read_text())
    assert config["source"] == {"kind": "secutix-file", "path": "../template.xlsx"} and "protocol" not in config
    assert "pass-through" in _check(folder, capsys)


@pytest.mark.postgres
def test_a_postgresql_server_by_kind_and_url_reference(tmp_path, capsys, workspace_home, pg_server, monkeypatch):
    import psycopg

    with psycopg.connect(**pg_server.connect_kwargs(), autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS kunden_init")
        c.execute("CREATE TABLE kunden_init (id int PRIMARY KEY, vorname text, nachname text, email text)")
        c.execute("INSERT INTO kunden_init VALUES (1, 'Hans', 'Muster', 'hans@example.ch')")
    url = f"postgresql://{pg_server.user}:{pg_server.password}@{pg_server.host}:{pg_server.port}/{pg_server.dbname}"
    monkeypatch.setenv("STX_TEST_INIT_URL", url)
    folder = _init(tmp_path, capsys, "--kind", "postgresql", "--url", "${env:STX_TEST_INIT_URL}", "--table", "kunden_init")
    text = (folder / "project.yaml").read_text()
    assert "${env:STX_TEST_INIT_URL}" in text and pg_server.password not in text
    protocol = yaml.safe_load((folder / "protocol.yaml").read_text())
    assert {c: r["from"] for c, r in protocol["columns"].items()} == {"FIRSTNAME": "vorname", "LASTNAME": "nachname",
                                                                       "EMAIL1": "email"}
    _check(folder, capsys)


def test_an_existing_project_is_not_overwritten_without_force(tmp_path, capsys):
    (tmp_path / "clients.csv").write_bytes(FRENCH.encode("cp1252"))
    folder = _init(tmp_path, capsys, "--from", str(tmp_path / "clients.csv"))
    assert main(["init", "--project", str(folder), "--from", str(tmp_path / "clients.csv")]) == 2
    assert "already there (--force overwrites)" in capsys.readouterr().err
    assert main(["init", "--project", str(folder), "--from", str(tmp_path / "nowhere.csv"), "--force"]) == 2
