"""kind ``sql-dump``: a plain SQL dump (mysqldump, pg_dump, or any ``CREATE TABLE`` + ``INSERT`` script),
restored into a throwaway SQLite database and then read like kind ``sqlite``.

Why restore rather than run the dump: the dump comes from elsewhere and is data, not
code. Nothing in it is executed: the parser reads only

* ``CREATE TABLE name (column type …, PRIMARY KEY (…), …)`` → the table, its declared
  types and primary key (indexes, engines, charsets and constraints are ignored);
* ``INSERT INTO name [(columns)] VALUES (…), (…);`` → the rows, whose literals
  (quoted strings, numbers, NULL, TRUE/FALSE, hex) are bound as parameters;
* pg_dump's ``COPY name (columns) FROM stdin;`` blocks (tab-separated, ``\\N`` = NULL);

and skips every other statement (SET, LOCK, ALTER, CREATE INDEX, comments…), counting
them. String escapes follow the dump's dialect: backslash escapes when the dump is
MySQL's (backquoted names, ``ENGINE=``), standard SQL (``''`` only) otherwise. The
SQLite file lives in a temporary folder removed on close. Values then follow SQLite's
typing (see kind sqlite): a column declared INT that holds only integers is int64.
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from stx_migrate.migration.errors import InputError

from .sqlite import SqliteSource, quote
from .text_detect import detect_encoding, read_sample

_IDENT = r'(?:`(?:[^`]|``)+`|"(?:[^"]|"")+"|\[[^\]]+\]|[\w$]+)'
_NAME = rf"(?P<name>{_IDENT}(?:\s*\.\s*{_IDENT})?)"
_CREATE = re.compile(rf"^\s*CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_NAME}\s*\((?P<body>.*)\)[^)]*$", re.I | re.S)
_INSERT = re.compile(rf"^\s*INSERT\s+(?:IGNORE\s+)?INTO\s+{_NAME}\s*(?:\((?P<cols>[^)]*)\))?\s*VALUES\s*(?P<values>.*)$", re.I | re.S)
_COPY = re.compile(rf"^\s*COPY\s+{_NAME}\s*(?:\((?P<cols>[^)]*)\))?\s+FROM\s+stdin", re.I | re.S)
_CONSTRAINT = re.compile(r"^\s*(PRIMARY\s+KEY|UNIQUE|KEY|INDEX|CONSTRAINT|FOREIGN\s+KEY|CHECK|FULLTEXT|SPATIAL)\b", re.I)
_PRIMARY = re.compile(r"PRIMARY\s+KEY\s*\((?P<cols>[^)]*)\)", re.I)
_TOKEN_MYSQL = re.compile(r"""\s*(?:(?P<str>(?:_\w+\s*)?'(?:[^'\\]|\\.|'')*')|(?P<hex>[xX]'[0-9a-fA-F]*'|0x[0-9a-fA-F]+)|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<word>NULL|TRUE|FALSE)\b|(?P<punct>[(),]))""", re.I | re.S)
_TOKEN_STANDARD = re.compile(r"""\s*(?:(?P<str>[eE]?'(?:[^']|'')*')|(?P<hex>[xX]'[0-9a-fA-F]*')|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<word>NULL|TRUE|FALSE)\b|(?P<punct>[(),]))""", re.I | re.S)
_MYSQL_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}
_BATCH = 10_000


def unquote(identifier: str) -> str:
    identifier = identifier.strip()
    if identifier[:1] == "`":
        return identifier[1:-1].replace("``", "`")
    if identifier[:1] == '"':
        return identifier[1:-1].replace('""', '"')
    if identifier[:1] == "[":
        return identifier[1:-1]
    return identifier


def table_name(raw: str) -> str:
    """The table's own name (a schema prefix such as ``public.`` is dropped)."""
    parts = re.findall(_IDENT, raw)
    return unquote(parts[-1])


def split_top_level(text: str) -> list[str]:
    parts, depth, current, quote_char = [], 0, [], None
    for ch in text:
        if quote_char:
            current.append(ch)
            if ch == quote_char:
                quote_char = None
            continue
        if ch in "'\"`":
            quote_char = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def _column_list(text: str | None) -> list[str] | None:
    return [unquote(c) for c in split_top_level(text)] if text and text.strip() else None


class DumpStatements:
    """The statements of a dump, read line by line (quotes and comments tracked), COPY blocks kept whole."""

    def __init__(self, path: Path, mysql: bool, encoding: str = "utf-8"):
        self.path, self.mysql, self.encoding = path, mysql, encoding

    def __iter__(self) -> Iterator[tuple[int, str, list[str] | None]]:
        """(line number where it starts, statement text, COPY data lines or None)."""
        buffer: list[str] = []
        start = 0
        in_string = False
        with open(self.path, encoding=self.encoding, errors="strict", newline="") as handle:
            lines = iter(enumerate(handle, start=1))
            for number, line in lines:
                if not buffer:
                    stripped = line.strip()
                    if not stripped or stripped.startswith("--") or stripped.startswith("#"):
                        continue
                    start = number
                buffer.append(line)
                in_string = self._still_in_string(line, in_string)
                if not in_string and line.rstrip().endswith(";"):
                    statement = "".join(buffer).rstrip().rstrip(";")
                    buffer = []
                    if _COPY.match(statement):
                        data = []
                        for _, row in lines:
                            if row.rstrip("\r\n") == "\\.":
                                break
                            data.append(row.rstrip("\r\n"))
                        yield start, statement, data
                    else:
                        yield start, statement, None
        if buffer and "".join(buffer).strip():
            yield start, "".join(buffer).strip().rstrip(";"), None

    def _still_in_string(self, line: str, in_string: bool) -> bool:
        if "'" not in line:
            return in_string
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if self.mysql and ch == "\\":
                    i += 2
                    continue
                if ch == "'":
                    if i + 1 < len(line) and line[i + 1] == "'":
                        i += 2
                        continue
                    in_string = False
            elif ch == "'":
                in_string = True
            elif ch == "-" and line.startswith("--", i):
                break
            i += 1
        return in_string


def parse_values(text: str, mysql: bool) -> Iterator[tuple]:
    """The row tuples of ``VALUES (…), (…)`` (literals only; anything else is refused)."""
    pattern = _TOKEN_MYSQL if mysql else _TOKEN_STANDARD
    position, row, depth = 0, None, 0
    length = len(text.rstrip())
    while position < length:
        match = pattern.match(text, position)
        if not match:
            raise ValueError(f"unexpected text {text[position:position + 20].strip()!r}")
        position = match.end()
        if match.group("punct"):
            p = match.group("punct")
            if p == "(":
                row, depth = [], depth + 1
            elif p == ")":
                depth -= 1
                yield tuple(row)
                row = None
            continue
        if row is None:
            raise ValueError("a value outside parentheses")
        if match.group("str") is not None:
            row.append(_string(match.group("str"), mysql))
        elif match.group("hex") is not None:
            h = match.group("hex")
            row.append(bytes.fromhex(h[2:-1] if h[0] in "xX" else h[2:]))
        elif match.group("num") is not None:
            n = match.group("num")
            row.append(int(n) if re.fullmatch(r"[-+]?\d+", n) else float(n))
        else:
            word = match.group("word").upper()
            row.append(None if word == "NULL" else int(word == "TRUE"))


def _string(literal: str, mysql: bool) -> str:
    body = literal[literal.index("'") + 1:-1]
    if mysql or literal[:1] in "eE":
        body = re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m.group(1), m.group(1)), body, flags=re.S)
    return body.replace("''", "'")


def _copy_value(field: str):
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v"}.get(m.group(1), m.group(1)), field)


def restore_dump(dump: Path, target: Path) -> dict[str, int]:
    """Restore the tables and rows of ``dump`` into a new SQLite file ``target``; returns counts of what was done.

    The dump's encoding is detected by the rules of :mod:`.text_detect` (UTF-8, BOMs, UTF-16,
    Windows-1252, Latin-1).

    InputError names the dump file and the line of a statement that cannot be read.
    """
    encoding = detect_encoding(dump)  # old systems dump in Windows-1252 / Latin-1 as often as in UTF-8
    head = read_sample(dump, 1 << 16).decode(encoding, "replace")
    mysql = "`" in head or "ENGINE=" in head.upper() or "/*!" in head
    counts = {"tables": 0, "rows": 0, "skipped statements": 0}
    conn = sqlite3.connect(target)
    columns_of: dict[str, list[str]] = {}
    try:
        for line, statement, copy_rows in DumpStatements(dump, mysql, encoding):
            try:
                if copy_rows is not None:
                    match = _COPY.match(statement)
                    name = table_name(match.group("name"))
                    cols = _column_list(match.group("cols")) or columns_of.get(name)
                    rows = (tuple(_copy_value(f) for f in r.split("\t")) for r in copy_rows)
                    counts["rows"] += _insert(conn, name, cols, rows)
                elif match := _CREATE.match(statement):
                    name = table_name(match.group("name"))
                    columns_of[name] = _create(conn, name, match.group("body"))
                    counts["tables"] += 1
                elif match := _INSERT.match(statement):
                    name = table_name(match.group("name"))
                    cols = _column_list(match.group("cols")) or columns_of.get(name)
                    counts["rows"] += _insert(conn, name, cols, parse_values(match.group("values"), mysql))
                else:
                    counts["skipped statements"] += 1
            except (ValueError, sqlite3.Error) as e:
                raise InputError(f"statement cannot be restored ({e})", file=f"{dump} line {line}") from None
        conn.commit()
    except UnicodeDecodeError as e:
        raise InputError(f"the dump is not {encoding} text (byte offset {e.start} of a line)", file=dump) from None
    finally:
        conn.close()
    return counts


def _create(conn: sqlite3.Connection, name: str, body: str) -> list[str]:
    columns, definitions, primary = [], [], None
    for part in split_top_level(body):
        part = part.strip()
        if not part:
            continue
        if _CONSTRAINT.match(part):
            pk = _PRIMARY.search(part)
            if pk and part.upper().startswith(("PRIMARY", "CONSTRAINT")):
                primary = [unquote(c) for c in split_top_level(pk.group("cols"))]
            continue
        match = re.match(rf"({_IDENT})\s*(.*)$", part, re.S)
        column, rest = unquote(match.group(1)), match.group(2)
        declared = re.match(r"[A-Za-z ]+(?:\s*\([^)]*\))?", rest)
        type_text = re.sub(r"\s+", " ", declared.group(0)).strip() if declared else ""
        type_text = re.sub(r"\b(NOT|NULL|DEFAULT|PRIMARY|UNSIGNED|AUTO_INCREMENT|COLLATE|CHARACTER|GENERATED)\b.*$", "", type_text, flags=re.I).strip()
        if re.search(r"\bPRIMARY\s+KEY\b", rest, re.I):
            primary = [column]
        columns.append(column)
        definitions.append(f"{quote(column)} {_safe_type(type_text)}".strip())
    if primary:
        definitions.append(f"PRIMARY KEY ({', '.join(quote(c) for c in primary)})")
    conn.execute(f"CREATE TABLE {quote(name)} ({', '.join(definitions)})")
    return columns


def _safe_type(type_text: str) -> str:
    # the declared type is kept for the manifest and SQLite's affinity, but only as letters, digits, spaces, (,)
    return re.sub(r"[^A-Za-z0-9 (),]", "", type_text)


def _insert(conn: sqlite3.Connection, name: str, columns: list[str] | None, rows) -> int:
    if columns is None:
        raise ValueError(f"rows for table {name!r} before its CREATE TABLE and without a column list")
    sql = f"INSERT INTO {quote(name)} ({', '.join(quote(c) for c in columns)}) VALUES ({', '.join('?' * len(columns))})"
    total, batch = 0, []
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row of {name!r} has {len(row)} values for {len(columns)} columns")
        batch.append(row)
        if len(batch) >= _BATCH:
            conn.executemany(sql, batch)
            total, batch = total + len(batch), []
    if batch:
        conn.executemany(sql, batch)
        total += len(batch)
    return total


class SqlDumpSource(SqliteSource):
    kind = "sql-dump"

    def __init__(self, settings, base_dir):
        super().__init__(settings, base_dir)
        self._tmp: Path | None = None
        self.restored: dict[str, int] = {}

    @property
    def dump_path(self) -> Path:
        return self.file_path(self.settings.path)

    @property
    def database_path(self) -> Path:
        return (self._tmp / "restored.sqlite") if self._tmp else Path("")

    def connect(self) -> None:
        dump = self.dump_path
        if not dump.is_file():
            raise InputError("dump file not found", file=dump)
        self._tmp = Path(tempfile.mkdtemp(prefix="stx-dump."))
        try:
            self.restored = restore_dump(dump, self.database_path)
            super().connect()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        super().close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def describe_dataset(self, name, dataset):
        try:
            info = super().describe_dataset(name, dataset)
        except InputError as e:  # name the dump, not the throwaway database
            raise InputError(e.problem, file=self.dump_path, dataset=name) from None
        return info
