"""kind csv: encodings and delimiters detected or declared, hostile headers, clear errors."""
from __future__ import annotations

import pytest

from stx_migrate.connectors.sources import open_source
from stx_migrate.connectors.sources.text_detect import detect_delimiter, detect_encoding
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings.source import SourceSettings


def _read(tmp_path, data: bytes, **dataset):
    (tmp_path / "f.csv").write_bytes(data)
    settings = SourceSettings.model_validate({"kind": "csv", "datasets": {"d": {"file": "f.csv", **dataset}}})
    with open_source(settings, tmp_path) as source:
        info = source.describe()["d"]
        rows = [tuple(r.values()) for chunk in source.read("d", 2) for r in chunk.to_pylist()]
    return info, rows


@pytest.mark.parametrize("data, expected", [
    (b"\xef\xbb\xbfa;b\n", "utf-8-sig"),
    ("a;b\n".encode("utf-16"), "utf-16"),
    ("a;b\nZoë;1\n".encode("utf-16-le"), "utf-16-le"),
    ("a;b\nZoë;1\n".encode("utf-16-be"), "utf-16-be"),
    ("a;b\nZoë;1\n".encode("utf-8"), "utf-8"),
    ("a;b\nZoë;Œuvre €\n".encode("cp1252"), "cp1252"),
    (b"a;b\nZo\xeb;\x81\n", "latin-1"),  # 0x81 is undefined in Windows-1252
])
def test_encoding_rules(tmp_path, data, expected):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


def test_utf8_that_breaks_after_the_sample_is_not_taken_for_utf8(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a;b\n" + b"x;y\n" * 400_000 + "Zoë;1\n".encode("cp1252"))
    assert detect_encoding(path) == "cp1252"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_detected_even_with_commas_inside_quotes(delimiter):
    text = delimiter.join(["id", "name", "town"]) + "\r\n" + delimiter.join(["1", '"Dupont, Jean"', "Lyon"]) + "\r\n"
    assert detect_delimiter(text) == delimiter


def test_declared_encoding_and_delimiter_win(tmp_path):
    info, rows = _read(tmp_path, "a|b\r\nZoë|1\r\n".encode("latin-1"), encoding="ISO-8859-1", delimiter="|")
    assert (info.encoding, info.delimiter) == ("latin-1", "|")
    assert rows == [("Zoë", "1")]


def test_crlf_quoted_newlines_and_empty_fields_are_kept_verbatim(tmp_path):
    info, rows = _read(tmp_path, b'id;note;zip\r\n1;"two\r\nlines";01234\r\n2;;\r\n3;"a ""quoted"" ; word";\r\n')
    assert rows == [("1", "two\r\nlines", "01234"), ("2", "", ""), ("3", 'a "quoted" ; word', "")]


def test_blank_and_duplicate_headers_get_names_and_are_reported(tmp_path):
    info, rows = _read(tmp_path, b"name;;name;name\n1;2;3;4\n")
    assert info.columns == ["name", "column_2", "name_2", "name_3"]
    assert info.renamed_columns == {"column_2": "", "name_2": "name", "name_3": "name"}
    assert rows == [("1", "2", "3", "4")]


def test_header_row_further_down(tmp_path):
    info, rows = _read(tmp_path, b"export of 2026-11-25\nid;name\n1;A\n", header_row=2)
    assert info.columns == ["id", "name"] and rows == [("1", "A")]


def test_a_row_with_too_many_fields_names_file_dataset_and_row(tmp_path):
    data = b"a;b\n" + b"1;2\n" * 10 + b'"multi\nline";2\n' + b"3;4;5\n"
    with pytest.raises(InputError) as e:
        _read(tmp_path, data)
    message = str(e.value)
    assert "f.csv" in message and "dataset d" in message and "row 12" in message and "3 fields" in message


def test_wrong_declared_encoding_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match=r"not utf-8 text .* offset 6.*declare the dataset's encoding"):
        _read(tmp_path, "a;b\nZoë;1\n".encode("cp1252"), encoding="utf-8")


def test_unknown_encoding_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        _read(tmp_path, b"a;b\n", encoding="klingon")
    settings = SourceSettings.model_validate({"kind": "csv", "datasets": {"d": {"file": "nope.csv"}}})
    with pytest.raises(InputError, match="nope.csv.*file not found"):
        with open_source(settings, tmp_path) as source:
            source.describe()


def test_single_column_file_needs_a_declared_delimiter(tmp_path):
    with pytest.raises(InputError, match="cannot tell the delimiter"):
        _read(tmp_path, b"email\nx\n")
    info, rows = _read(tmp_path, b"email\nx\n", delimiter=";")
    assert rows == [("x",)]


def test_an_empty_file_and_a_header_only_file(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        _read(tmp_path, b"")
    info, rows = _read(tmp_path, b"a;b\r\n")
    assert info.columns == ["a", "b"] and rows == []
