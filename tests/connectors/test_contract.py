"""The contract every source kind passes (singer-sdk style): one suite, parametrised by kind.

Opens, describes, reads all rows, gives the same result for any chunk size, keeps
types, closes. Each case writes the same ``people`` rows into a real file or a real
server (cases.py, sources_setup.py).
"""
from __future__ import annotations

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings

from cases import people_rows
from sources_setup import CASES
from secutix_file_cases import SECUTIX_FILE_CASES

CASES = CASES + SECUTIX_FILE_CASES


def _source(case, tmp_path, request):
    block = case.source(tmp_path, request)
    return open_source(SourceSettings.model_validate(block), tmp_path)


def _read_all(source, chunk_rows, dataset="people"):
    chunks = list(source.read(dataset, chunk_rows))
    return chunks, (pa.concat_tables(chunks) if chunks else None)


@pytest.fixture(params=[pytest.param(c, marks=c.marks, id=c.id) for c in CASES])
def case(request):
    return request.param


def test_describes_the_columns_and_their_types(case, tmp_path, request):
    with _source(case, tmp_path, request) as source:
        info = source.describe()[case.dataset]
    assert info.columns == case.columns
    assert {f.name: f.type for f in info.schema} == case.types
    assert info.key == case.key
    assert "password" not in info.origin.lower()


def test_reads_every_row_with_its_values(case, tmp_path, request):
    with _source(case, tmp_path, request) as source:
        _, table = _read_all(source, 1000, case.dataset)
    expected = [case.expect(r) for r in people_rows()]
    got = [tuple(r.values()) for r in table.to_pylist()]
    assert got == expected


@pytest.mark.parametrize("chunk_rows", [1, 4, 10])
def test_same_result_for_any_chunk_size(case, tmp_path, request, chunk_rows):
    with _source(case, tmp_path, request) as source:
        reference = _read_all(source, 1000, case.dataset)[1]
        chunks, table = _read_all(source, chunk_rows, case.dataset)
        schema = source.describe()[case.dataset].schema
    assert all(0 < c.num_rows <= chunk_rows for c in chunks)
    assert all(c.schema.equals(schema) for c in chunks)
    assert table.equals(reference)


def test_closes_and_can_close_twice(case, tmp_path, request):
    source = _source(case, tmp_path, request)
    source.connect()
    assert source.describe()
    source.close()
    source.close()


def test_xlrd_reads_a_legacy_xls_like_fastexcel(tmp_path):
    """The fallback reader for .xls files calamine cannot open gives the same table as fastexcel."""
    from stx_migrate.connectors.sources.excel_files import read_xls_with_xlrd

    case = next(c for c in CASES if c.id == "excel-xls")
    with _source(case, tmp_path, None) as source:
        expected = pa.concat_tables(source.read("people"))
    assert read_xls_with_xlrd(tmp_path / "people.xls", None, 1, "people").equals(expected)
