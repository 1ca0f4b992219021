"""The project's source block: architecture §4's keys, strict, and refusals that say what to write instead."""
from __future__ import annotations

import pytest

from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.settings.base import validate_model
from stx_migrate.migration.settings.source import SourceSettings


def _load(block: dict) -> SourceSettings:
    return validate_model(SourceSettings, block, "project.yaml")


def test_design_example_loads():
    s = _load({"kind": "sqlite", "path": "data/legacy.sqlite",
               "datasets": {"clients": {"table": "CLIENT"}, "companies": {"table": "SOCIETE", "key": ["ID"]}}})
    assert s.datasets["companies"].key_columns == ["ID"] and s.datasets["clients"].key_columns is None
    assert s.datasets["clients"].ordered is True


def test_chunks_are_read_as_the_snapshot_writes_its_row_groups():
    """The default chunk is one row group: a chunk read is written at once (no wait for the next chunk)."""
    from stx_migrate.migration.snapshot import ROW_GROUP_ROWS

    assert _load({"kind": "csv", "datasets": {"c": {"file": "c.csv"}}}).chunk_rows == ROW_GROUP_ROWS


@pytest.mark.parametrize("block, message", [
    ({"kind": "csv", "datasets": {"c": {"file": "c.csv", "sep": ";"}}}, "datasets › c › sep: unknown key"),
    ({"kind": "xml", "datasets": {"c": {"file": "c.xml"}}}, "kind: Input should be 'csv', 'excel'"),
    ({"kind": "csv", "datasets": {"c": {"table": "T"}}}, "kind csv reads files"),
    ({"kind": "postgresql", "datasets": {"c": {"table": "T"}}}, "url: kind postgresql needs a url"),
    ({"kind": "sqlite", "datasets": {"c": {"table": "T"}}}, "path: kind sqlite needs the database file's path"),
    ({"kind": "mysql", "url": "mysql://u@h/db", "password": "hunter2", "datasets": {"c": {"table": "T"}}},
     "write a reference, ${env:NAME} or ${secret:BLOCK}, never the password itself"),
    ({"kind": "sqlite", "path": "x", "datasets": {"c": {"table": "T", "query": "SELECT 1"}}}, "give only one of table, query, file"),
    ({"kind": "sqlite", "path": "x", "datasets": {"../evil": {"table": "T"}}}, "it names a Parquet file"),
    ({"kind": "csv", "datasets": {"c": {"file": "c.csv", "delimiter": ";;"}}}, "a delimiter is one character"),
])
def test_refusals_name_the_path_and_the_fix(block, message):
    with pytest.raises(ConfigError) as error:
        _load(block)
    assert message in str(error.value) and str(error.value).startswith("project.yaml › ")


def test_a_tab_delimiter_can_be_written_as_text():
    assert _load({"kind": "csv", "datasets": {"c": {"file": "c.tsv", "delimiter": "\\t"}}}).datasets["c"].delimiter == "\t"


def test_a_chunk_read_is_by_default_a_snapshot_row_group():
    from stx_migrate.migration.settings.source import SourceSettings
    from stx_migrate.migration.snapshot import ROW_GROUP_ROWS

    assert SourceSettings.model_fields["chunk_rows"].default == ROW_GROUP_ROWS
