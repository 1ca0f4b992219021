"""A big .xlsx sheet read as two halves at once gives exactly the sheet read whole, or is read whole."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from stx_migrate.connectors.sources import open_source, xlsx_halves
from stx_migrate.connectors.sources.xlsx_halves import read_in_halves
from stx_migrate.migration.settings.source import SourceSettings

ROWS = 3_000


@pytest.fixture(autouse=True)
def small_halves(monkeypatch):
    monkeypatch.setattr(xlsx_halves, "SPLIT_BYTES", 0)      # any sheet is split
    monkeypatch.setattr(xlsx_halves, "INFLATE_BLOCK", 2048)  # many inflated blocks: the cut falls near the middle


def write(path, rows, *, header=("code", "name", "amount", "born", "member"), title=None, constant_memory=False, other_sheet=False):
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": constant_memory})  # constant memory: inline strings
    if other_sheet:
        workbook.add_worksheet("Notes").write_row(0, 0, ["a note", 1])
    sheet = workbook.add_worksheet("Clients")
    dates = workbook.add_format({"num_format": "yyyy-mm-dd"})
    first = 0
    if title:
        sheet.write_row(0, 0, [title])
        first = 1
    sheet.write_row(first, 0, list(header))
    for number, row in rows:
        for column, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(first + number, column, value, dates)
            elif value is not None:
                sheet.write(first + number, column, value)
    workbook.close()


def whole(path, sheet="Clients", header_row=1) -> pa.Table:
    import fastexcel

    batch = fastexcel.read_excel(str(path)).load_sheet(sheet, header_row=header_row - 1, schema_sample_rows=None, eager=True)
    return pa.Table.from_batches([batch.cast(pa.schema([pa.field(f.name, f.type) for f in batch.schema]))])


def clients(count=ROWS, skip=()):
    for i in range(1, count + 1):
        if i not in skip:
            yield i, [i, f"Zoë {i}", i * 1.25 if i % 7 else None, dt.datetime(1950, 1, 1) + dt.timedelta(days=i), i % 2 == 0]


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared strings", "inline strings"])
def test_typed_columns_read_in_halves_are_the_whole_sheet(tmp_path, constant_memory):
    path = tmp_path / "c.xlsx"
    write(path, clients(), constant_memory=constant_memory)
    halves = read_in_halves(path, "Clients", 1)
    assert halves is not None, "the sheet was not split"
    expected = whole(path)
    assert halves.equals(expected) and halves.num_rows == ROWS
    assert [str(t) for t in halves.schema.types] == ["double", "string", "double", "timestamp[ms]", "bool"]


def test_empty_rows_around_the_cut_and_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "c.xlsx"
    write(path, clients(skip=range(1_200, 1_800)), title="Export of 2026-12-05")  # 600 empty rows mid-sheet
    halves = read_in_halves(path, 0, 2)  # by index, the header on row 2
    assert halves is not None and halves.equals(whole(path, header_row=2)) and halves.num_rows == ROWS
    assert halves.column("code").null_count == 600


@pytest.mark.parametrize("case", ["text after numbers", "numbers only in the second half", "a column only in the second half"])
def test_halves_that_disagree_are_read_whole(tmp_path, case):
    """Each half types its columns alone: when they differ, only the whole sheet knows the type."""
    def rows():
        for i, row in clients():
            if case == "text after numbers" and i > ROWS * 3 // 4:
                row[0] = f"A-{i}"
            if case == "numbers only in the second half" and i < ROWS * 3 // 4:
                row[2] = None
            if case == "a column only in the second half":
                row = row + ([i] if i > ROWS * 3 // 4 else [])
            yield i, row

    path = tmp_path / "c.xlsx"
    write(path, rows(), header=("code", "name", "amount", "born", "member", ""))
    assert read_in_halves(path, "Clients", 1) is None
    block = {"kind": "excel", "datasets": {"clients": {"file": "c.xlsx", "sheet": "Clients"}}}
    with open_source(SourceSettings.model_validate(block), tmp_path) as source:
        table = pa.concat_tables(source.read("clients", chunk_rows=1_000))
    expected = whole(path)
    assert table.num_rows == ROWS and table.schema.types == expected.schema.types
    assert [c.to_pylist() for c in table.columns] == [c.to_pylist() for c in expected.columns]


def test_the_source_reads_a_split_sheet_as_it_reads_it_whole(tmp_path, monkeypatch):
    write(tmp_path / "c.xlsx", clients(), other_sheet=True)
    block = {"kind": "excel", "datasets": {"clients": {"file": "c.xlsx", "sheet": "Clients"}}}

    def read() -> tuple[pa.Schema, pa.Table]:
        with open_source(SourceSettings.model_validate(block), tmp_path) as source:
            return source.describe()["clients"].schema, pa.concat_tables(source.read("clients", chunk_rows=700))

    from stx_migrate.connectors.sources import excel_files

    split_by = []
    monkeypatch.setattr(excel_files, "read_in_halves", lambda *a: split_by.append(read_in_halves(*a)) or split_by[-1])
    split = read()
    assert split_by and split_by[-1] is not None, "the source did not read the big sheet in halves"
    monkeypatch.setattr(xlsx_halves, "SPLIT_BYTES", 1 << 40)
    assert split[0] == read()[0] and split[1].equals(read()[1]) and split_by[-1] is None


def test_a_sheet_name_it_cannot_find_or_a_small_sheet_is_left_to_the_whole_read(tmp_path, monkeypatch):
    path = tmp_path / "c.xlsx"
    write(path, clients(100))
    assert read_in_halves(path, "Nope", 1) is None and read_in_halves(path, 5, 1) is None
    monkeypatch.setattr(xlsx_halves, "SPLIT_BYTES", 1 << 40)
    assert read_in_halves(path, "Clients", 1) is None


def test_a_damaged_sheet_is_left_to_the_whole_read_which_says_what_is_wrong(tmp_path):
    import zipfile

    path = tmp_path / "c.xlsx"
    write(path, clients(300))
    with zipfile.ZipFile(path) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    start = sheet.header_offset + 30 + len(sheet.filename)
    data[start + 40: start + 400] = b"\xff" * 360  # the deflated XML broken in its middle
    path.write_bytes(bytes(data))
    assert read_in_halves(path, "Clients", 1) is None
    block = {"kind": "excel", "datasets": {"clients": {"file": "c.xlsx", "sheet": "Clients"}}}
    with pytest.raises(Exception) as error, open_source(SourceSettings.model_validate(block), tmp_path) as source:
        source.describe()
    assert type(error.value).__name__ == "InputError"
