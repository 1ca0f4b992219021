"""kind ``excel``: workbooks (.xlsx, .xlsm, .xlsb, .ods and legacy .xls) read by fastexcel (calamine, Rust) into Arrow.

A dataset names its ``file`` (or the source's ``path``) and its ``sheet`` (the first
sheet when absent); ``header_row`` is the row with the column names. Cell types are
kept as the workbook stores them: text, numbers (float64; whole numbers in .xls are
int64), booleans, dates (timestamp). A column mixing text and numbers is text, each
number written as calamine renders it. The column types are inferred from every row,
not a sample, so the schema does not depend on the chunk size.

A sheet is loaded whole (calamine has no streaming mode; Excel caps a sheet at
1,048,576 rows, ≈ 4–5 GB peak for a million rows per notes/performance.md §5) and
then handed over in chunks.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import DatasetSettings

from .base import DatasetInfo, Source, unique_column_names


class ExcelSource(Source):
    kind = "excel"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self._tables: dict[str, pa.Table] = {}

    def close(self) -> None:
        self._tables.clear()

    def _load(self, name: str, dataset: DatasetSettings) -> tuple[pa.Table, dict[str, str]]:
        import fastexcel

        path = self.file_path(dataset.file)
        if not path.is_file():
            raise InputError("file not found", file=path, dataset=name)
        try:
            workbook = fastexcel.read_excel(str(path))
        except Exception as e:  # calamine's errors name the problem, not the cells
            raise InputError(f"not a workbook fastexcel can read ({type(e).__name__}: {str(e).splitlines()[0]})",
                             file=path, dataset=name) from None
        sheet = dataset.sheet if dataset.sheet is not None else 0
        if isinstance(sheet, str) and sheet not in workbook.sheet_names:
            raise InputError(f"no sheet {sheet!r} (sheets: {', '.join(workbook.sheet_names)})", file=path, dataset=name)
        try:
            loaded = workbook.load_sheet(sheet, header_row=dataset.header_row - 1, schema_sample_rows=None)
            table = loaded.to_arrow()
        except Exception as e:
            raise InputError(f"sheet {sheet!r} cannot be read ({type(e).__name__}: {str(e).splitlines()[0]})",
                             file=path, dataset=name) from None
        names, renamed = unique_column_names([None if n.startswith("__UNNAMED__") else n for n in table.column_names])
        table = table.rename_columns(names)
        # nullable fields: one schema for every chunk, whatever the chunk holds
        schema = pa.schema([pa.field(f.name, f.type) for f in table.schema])
        return table.cast(schema), renamed

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
