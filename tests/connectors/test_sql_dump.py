"""kind sql-dump: only CREATE TABLE / INSERT / COPY are read; nothing in the dump is executed."""
from __future__ import annotations

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.connectors.sources.sql_dump import parse_values
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import SourceSettings


def _open(tmp_path, text: str, table: str = "clients"):
    (tmp_path / "dump.sql").write_text(text, encoding="utf-8")
    settings = SourceSettings.model_validate({"kind": "sql-dump", "path": "dump.sql", "datasets": {"d": {"table": table}}})
    return open_source(settings, tmp_path)


def test_statements_other_than_tables_and_rows_are_never_run(tmp_path):
    dump = """CREATE TABLE clients (id INT PRIMARY KEY, nom VARCHAR(20));
INSERT INTO clients VALUES (1, 'a; DROP TABLE clients; --'), (2, 'O''Brien');
DROP TABLE clients;
ATTACH DATABASE '/tmp/evil.db' AS evil;
DELETE FROM clients;
"""
    with _open(tmp_path, dump) as source:
        rows = pa.concat_tables(source.read("d")).to_pylist()
        assert source.restored == {"tables": 1, "rows": 2, "skipped statements": 3}
        tmp = source.database_path.parent
    assert rows == [{"id": 1, "nom": "a; DROP TABLE clients; --"}, {"id": 2, "nom": "O'Brien"}]
    assert not tmp.exists()  # the throwaway database is gone after close


def test_a_hostile_table_name_in_the_dump(tmp_path):
    name = 'x"; DROP TABLE victim; --'
    dump = f'CREATE TABLE `{name}` (`a` int);\nINSERT INTO `{name}` VALUES (1);\n'
    with _open(tmp_path, dump, table=name) as source:
        assert pa.concat_tables(source.read("d")).to_pylist() == [{"a": 1}]


def test_a_broken_statement_names_the_dump_and_its_line(tmp_path):
    dump = "CREATE TABLE clients (id INT, nom TEXT);\n\nINSERT INTO clients VALUES (1, 'a'), (2, now());\n"
    with pytest.raises(InputError, match=r"dump.sql line 3: statement cannot be restored \(unexpected text 'now"):
        _open(tmp_path, dump).connect()


def test_unknown_table_names_the_dump(tmp_path):
    with pytest.raises(InputError, match=r"dump.sql, dataset d: no table 'clients'"):
        with _open(tmp_path, "CREATE TABLE other (id INT);\n") as source:
            source.describe()


def test_literals_mysql_and_standard():
    assert list(parse_values(r"""(1,'a\'b\\c\nd',NULL,-2.5,0x41,_utf8mb4'é',TRUE)""", mysql=True)) == [
        (1, "a'b\\c\nd", None, -2.5, b"A", "é", 1)]
    assert list(parse_values(r"""(1, 'C:\dir', 'it''s', X'41')""", mysql=False)) == [(1, "C:\\dir", "it's", b"A")]


def test_a_windows_1252_dump(tmp_path):
    (tmp_path / "dump.sql").write_bytes("CREATE TABLE clients (nom TEXT);\nINSERT INTO clients VALUES ('Zoë Œdipe');\n".encode("cp1252"))
    settings = SourceSettings.model_validate({"kind": "sql-dump", "path": "dump.sql", "datasets": {"d": {"table": "clients"}}})
    with open_source(settings, tmp_path) as source:
        assert pa.concat_tables(source.read("d")).to_pylist() == [{"nom": "Zoë Œdipe"}]
