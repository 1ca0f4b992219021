"""kind ``secutix-file``: the customer's own SecuTix import file (.xlsx in the template layout, or .csv).

The standard case of the SecuTix procedure: the customer fills in the template. The
file is read by its codes row (row 4) with the same reader ``stx-migrate validate``
uses, so a file that reader refuses (unknown codes, formulas, a ';' separator…) is
refused here with the same message. One dataset, ``contacts``: every layout column
as text, exactly as the cells hold it; ``source_ref`` = ``contacts:<n>``, ``n`` the
data row counted from 1 after the 4 header rows (row 5 of the sheet is ``contacts:1``).

The reader loads the file whole (the template is at most 1,048,576 rows as xlsx) and
hands it over in chunks.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from stx_migrate.migration.errors import InputError
from stx_migrate.migration.secutix_file import read_secutix_file
from stx_migrate.migration.settings.source import DatasetSettings

from .base import DatasetInfo, Source


class SecutixFileSource(Source):
    kind = "secutix-file"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self._table: pa.Table | None = None

    def close(self) -> None:
        self._table = None

    def _load(self, name: str) -> tuple[pa.Table, object]:
        path = self.file_path(self.settings.path)
        if not path.is_file():
            raise InputError("file not found", file=path, dataset=name)
        read = read_secutix_file(path, encoding=self.settings.encoding, sheet=self.settings.sheet)
        schema = pa.schema([pa.field(code, pa.string()) for code in read.frame.columns])
        table = pa.Table.from_pandas(read.frame, preserve_index=False).cast(schema)
        return table, read

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        table, read = self._load(name)
        self._table = table
        sheet = f", sheet {self.settings.sheet}" if self.settings.sheet else ""
        return DatasetInfo(
            name=name,
            schema=table.schema,
            origin=f"SecuTix file {self.settings.path}{sheet} ({read.kind}, codes row 4)",
            key=None,
            source_types={code: "text" for code in table.column_names},
            encoding=read.encoding,
            delimiter="," if read.kind == "csv" else None,
        )

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.Table]:
        if self._table is None:
            self._table = self._load(info.name)[0]
        yield self._table
