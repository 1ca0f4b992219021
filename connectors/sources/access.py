"""kind ``access``: Microsoft Access files (.mdb JET3/JET4, .accdb ACE12) read with mdbtools' ``mdb-export``.

``mdb-export`` was found the most reliable and fastest reader on JET3, JET4 and ACE12 files
(the MDBTools ODBC driver cannot ORDER BY, bind parameters or list columns).
Its CSV output is streamed straight into pyarrow's CSV reader. The table name is an
argument of the process (no shell, no SQL), so a hostile name cannot inject anything.
Types come from ``mdb-schema``: Text/Memo → text, Byte/Integer/Long Integer → int64,
Single/Double → float64, Currency → decimal(19, 4), DateTime → timestamp, Boolean →
bool; anything else (Numeric, Replication ID, OLE) as mdb-export writes it.
Datasets are whole tables (mdbtools has no reliable SQL): a ``query`` is refused. A table with a
``key`` is sorted by it after the export (``ordered: false`` keeps the file's order).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from stx_migrate.migration.errors import ConfigError, InputError
from stx_migrate.migration.settings.source import DatasetSettings
from stx_migrate.migration.snapshot import ReadAgain

from .base import DatasetInfo, Source, order_by_key

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_BLOCK_SIZE = 4 << 20   # bytes of mdb-export's CSV parsed at a time
_COLUMN_LINE = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s+(?P<type>.+?)(?:\s+NOT NULL)?\s*,?\s*$")
_TYPES = {
    "text": pa.string(), "memo/hyperlink": pa.string(), "memo": pa.string(),
    "byte": pa.int64(), "integer": pa.int64(), "long integer": pa.int64(),
    "single": pa.float64(), "double": pa.float64(),
    "currency": pa.decimal128(19, 4), "datetime": pa.timestamp("us"), "boolean": pa.bool_(),
}


def access_type(declared: str) -> pa.DataType:
    base = re.sub(r"\s*\(.*\)\s*$", "", declared).strip().lower()
    return _TYPES.get(base, pa.string())


class AccessSource(Source):
    kind = "access"

    def connect(self) -> None:
        for tool in ("mdb-tables", "mdb-schema", "mdb-export"):
            if not shutil.which(tool):
                raise ConfigError(f"source › kind access needs mdbtools ({tool} not found): apt-get install mdbtools "
                                  "(scripts/setup.sh --test installs it)")
        path = self.file_path(self.settings.path)
        if not path.is_file():
            raise InputError("Access file not found", file=path)
        self.path = path
        self._unsorted: set[str] = set()   # keyed datasets found out of key order in the file: sorted whole
        self.tables = self._run(["mdb-tables", "-1", str(path)], what="list its tables").splitlines()

    def _run(self, argv: list[str], what: str, dataset: str | None = None) -> str:
        done = subprocess.run(argv, capture_output=True)
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise InputError(f"mdbtools cannot {what} ({reason[-1] if reason else 'exit ' + str(done.returncode)})",
                             file=self.path if hasattr(self, "path") else None, dataset=dataset)
        return done.stdout.decode("utf-8")

    def describe_dataset(self, name: str, dataset: DatasetSettings) -> DatasetInfo:
        if not dataset.table:
            raise InputError("kind access reads whole tables (mdbtools runs no reliable SQL): use table, not query",
                             file=self.path, dataset=name)
        if dataset.table not in self.tables:
            raise InputError(f"no table {dataset.table!r} (tables: {', '.join(self.tables) or 'none'})", file=self.path, dataset=name)
        ddl = self._run(["mdb-schema", "--no-relations", "-T", dataset.table, str(self.path)], what=f"describe table {dataset.table!r}", dataset=name)
        declared: dict[str, str] = {}
        body = ddl[ddl.find("("):] if "(" in ddl else ""
        for line in body.splitlines():
            match = _COLUMN_LINE.match(line)
            if match:
                declared[match.group("name")] = match.group("type").strip()
        if not declared:
            raise InputError(f"mdb-schema gave no columns for table {dataset.table!r}", file=self.path, dataset=name)
        fields = [pa.field(col, access_type(typ)) for col, typ in declared.items()]
        return DatasetInfo(name=name, schema=pa.schema(fields), origin=f"table {dataset.table}", key=dataset.key_columns,
                           source_types=declared)

    def read_batches(self, info: DatasetInfo, dataset: DatasetSettings, chunk_rows: int) -> Iterator[pa.RecordBatch]:
        if not order_by_key(info, dataset):
            yield from self._exported(info, dataset)
        elif info.name not in self._unsorted and len(info.key) == 1:
            # most files are stored in key order: stream them, checking it, and sort only a file that is not
            yield from self._checked_in_order(info, dataset)
        else:
            # mdbtools cannot sort: the whole table is sorted here (stable: rows with the same key keep
            # the file's order), so a compacted or rewritten file gives the same snapshot hash
            table = pa.Table.from_batches(self._exported(info, dataset), schema=info.schema)
            yield from table.sort_by([(k, "ascending") for k in info.key]).to_batches()

    def _checked_in_order(self, info: DatasetInfo, dataset: DatasetSettings) -> Iterator[pa.RecordBatch]:
        """The file's batches while its key never decreases (equal keys allowed: the stable sort keeps
        them in the file's order too); ReadAgain, to be read again and sorted, at the first that does."""
        last = None
        for batch in self._exported(info, dataset):
            keys = batch.column(info.key[0])
            if len(keys):
                if last is not None:
                    keys = pa.concat_arrays([last, keys])
                ascending = pc.all(pc.greater_equal(keys[1:], keys[:-1])).as_py() is not False  # one key: null
                if keys.null_count or not ascending:
                    self._unsorted.add(info.name)
                    raise ReadAgain(info.name, "the table is not stored in key order: read again and sorted")
                last = keys[-1:]
            yield batch

    def _exported(self, info: DatasetInfo, dataset: DatasetSettings) -> Iterator[pa.RecordBatch]:
        """The table's rows in the file's order, as ``mdb-export`` writes them."""
        argv = ["mdb-export", "-H", "-D", DATETIME_FORMAT, "-T", DATETIME_FORMAT, str(self.path), dataset.table]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        completed = False
        try:
            first = process.stdout.peek(1) if hasattr(process.stdout, "peek") else b"x"
            if first:  # pyarrow refuses an empty stream; an empty table has no output at all
                reader = pacsv.open_csv(
                    process.stdout,
                    read_options=pacsv.ReadOptions(column_names=info.columns, block_size=_BLOCK_SIZE),
                    parse_options=pacsv.ParseOptions(newlines_in_values=True),
                    convert_options=pacsv.ConvertOptions(
                        column_types={f.name: f.type for f in info.schema},
                        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False),
                )
                yield from reader
            completed = True
        except pa.ArrowInvalid as e:
            raise InputError(f"mdb-export's output does not fit the table's types ({str(e).split(':')[0]})",
                             file=self.path, dataset=info.name) from None
        finally:
            if not completed:
                process.kill()
            process.stdout.close()
            errors = process.stderr.read().decode("utf-8", "replace").strip()
            process.stderr.close()
            code = process.wait()
        if code != 0:
            raise InputError(f"mdb-export failed ({errors.splitlines()[-1] if errors else 'exit ' + str(code)})",
                             file=self.path, dataset=info.name)
