"""kind ``excel``: workbooks (.xlsx, .xlsm, .xlsb, .ods and legacy .xls) read by fastexcel (calamine, Rust) into Arrow;
an .xls that calamine cannot open is read by xlrd with the same typing rule.

A dataset names its ``file`` (or the source's ``path``) and its ``sheet`` (the first
sheet when absent); ``header_row`` is the row with the column names. Cell types are
kept as the workbook stores them: text, numbers (float64; whole numbers in .xls are
int64), booleans, dates (timestamp). A column mixing text and numbers is text, each
number written as calamine renders it. The column types are inferred from every row,
not a sample, so the schema does not depend on the chunk size.

A sheet is loaded whole (calamine has no streaming mode; Excel caps a sheet at
1,048,576 rows; ≈ 4–5 GB peak was measured for a million rows) and
then handed over in chunks. An .xlsx/.xlsm sheet of 16 MB of XML or more is parsed as two
halves at once (:mod:`.xlsx_halves`), with the same result, or whole when the halves disagree.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import DatasetSettings
from stx_migrate.migration.zip_guard import check_zip_inflation

from .base import DatasetInfo, Source, unique_column_names
from .xlsx_halves import read_in_halves


class ExcelSource(Source):
    kind = "excel"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self._tables: dict[str, pa.Table] = {}

    def close(self) -> None:
        self._tables.clear()

    def _load(self, name: str, dataset: DatasetSettings) -> tuple[pa.Table, dict[str, str]]:
        import fastexcel

        path = self.dataset_file(name, dataset)
        if not path.is_file():
            raise InputError("file not found", file=path, dataset=name)
        check_zip_inflation(path, name)
        sheet = dataset.sheet if dataset.sheet is not None else 0
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            halves = read_in_halves(path, sheet, dataset.header_row)  # None: not split, read whole below
            if halves is not None:
                return _nullable(halves)
        try:
            workbook = fastexcel.read_excel(str(path))
        except Exception as e:  # calamine's errors name the problem, not the cells
            if path.suffix.lower() == ".xls":  # BIFF versions calamine does not know: xlrd reads BIFF2–8
                return read_xls_with_xlrd(path, dataset.sheet, dataset.header_row, name), {}
            raise InputError(f"not a workbook fastexcel can read ({type(e).__name__}: {str(e).splitlines()[0]})",
                             file=path, dataset=name) from None
        if isinstance(sheet, str) and sheet not in workbook.sheet_names:
            raise InputError(f"no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})", file=path, dataset=name)
        try:
            # eager: straight into Arrow from calamine's borrowed cells, 5 % less than the lazy sheet's to_arrow
            table = pa.Table.from_batches([workbook.load_sheet(sheet, header_row=dataset.header_row - 1,
                                                               schema_sample_rows=None, eager=True)])
        except Exception as e:
            raise InputError(f"sheet {sheet!r} cannot be read ({type(e).__name__}: {str(e).splitlines()[0]})",
                             file=path, dataset=name) from None
        return _nullable(table)

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        table, renamed = self._load(name, dataset)
        self._tables[name] = table
        sheet = dataset.sheet if dataset.sheet is not None else "first sheet"
        return DatasetInfo(name=name, schema=table.schema, origin=f"file {dataset.file or self.settings.path} (sheet {sheet})",
                           key=dataset.key_columns, source_types={f.name: str(f.type) for f in table.schema},
                           renamed_columns=renamed)

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        table = self._tables.pop(info.name, None)
        if table is None:
            table, _ = self._load(info.name, dataset)
        for start in range(0, table.num_rows, chunk_rows):
            yield table.slice(start, chunk_rows)


def _nullable(table: pa.Table) -> tuple[pa.Table, dict[str, str]]:
    """fastexcel's columns named for a snapshot, every field nullable: one schema for every chunk."""
    names, renamed = unique_column_names([None if n.startswith("__UNNAMED__") else n for n in table.column_names])
    table = table.rename_columns(names)
    return table.cast(pa.schema([pa.field(f.name, f.type) for f in table.schema])), renamed


def read_xls_with_xlrd(path, sheet: str | int | None, header_row: int, dataset: str) -> pa.Table:
    """A legacy .xls sheet read by xlrd, typed by the same rule as fastexcel: a column of numbers is
    float64 (int64 when every number is whole), of dates a timestamp, of booleans bool, anything
    mixed text (numbers written as Excel shows a whole number: ``75001``, not ``75001.0``)."""
    import datetime as dt

    import xlrd

    try:
        book = xlrd.open_workbook(str(path))
    except Exception as e:
        raise InputError(f"not a workbook xlrd can read ({type(e).__name__}: {str(e).splitlines()[0]})",
                         file=path, dataset=dataset) from None
    if isinstance(sheet, str):
        if sheet not in book.sheet_names():
            raise InputError(f"no sheet {sheet!r} (sheets: {', '.join(book.sheet_names())})", file=path, dataset=dataset)
        ws = book.sheet_by_name(sheet)
    else:
        ws = book.sheet_by_index(sheet or 0)
    header = [ws.cell_value(header_row - 1, c) for c in range(ws.ncols)] if ws.nrows >= header_row else []
    names, _ = unique_column_names([str(h) if h != "" else None for h in header])
    columns = []
    for c in range(len(names)):
        cells = [ws.cell(r, c) for r in range(header_row, ws.nrows)]
        kinds = {cell.ctype for cell in cells} - {xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK}
        values = []
        for cell in cells:
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                values.append(None)
            elif cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                values.append(bool(cell.value))
            else:
                values.append(cell.value)
        if kinds == {xlrd.XL_CELL_NUMBER}:
            whole = all(v is None or float(v).is_integer() for v in values)
            columns.append(pa.array([None if v is None else (int(v) if whole else float(v)) for v in values],
                                    pa.int64() if whole else pa.float64()))
        elif kinds == {xlrd.XL_CELL_DATE}:
            columns.append(pa.array(values, pa.timestamp("ms")))
        elif kinds == {xlrd.XL_CELL_BOOLEAN}:
            columns.append(pa.array(values, pa.bool_()))
        else:
            def text(v):
                if v is None or isinstance(v, str):
                    return v
                if isinstance(v, float) and v.is_integer():
                    return str(int(v))
                return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else str(v)

            columns.append(pa.array([text(v) for v in values], pa.string()))
    return pa.table(columns, names=names) if names else pa.table({})
