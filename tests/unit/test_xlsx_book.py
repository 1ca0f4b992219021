"""The multi-sheet workbook writer (report.xlsx): rows around a vectorised table, styles, widths, names."""
from __future__ import annotations

from datetime import datetime

import openpyxl
import pyarrow as pa
import pytest
from python_calamine import CalamineWorkbook

from stx_migrate.migration.secutix_file.xlsx_book import BOLD, BookSheet, cut_text, write_book


NAME = "Lignes à corriger & <autres> \"très\" longues"


def _read(path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def test_a_table_over_several_chunks_sits_between_its_rows(tmp_path):
    count = 2_500                       # chunks of 1,000 rows, cut again at rows 10, 100 and 1,000
    refs = [f"s:{i}" for i in range(count)]
    texts = [("<r><t>x</t></r>" if i == 7 else "a & b\x01" if i == 8 else "" if i % 5 == 0 else f"=v{i}")
             for i in range(count)]
    sheet = BookSheet(NAME, {1: [("ref", BOLD), ("text", BOLD)],
                                                                    count + 3: ["… more"]},
                      table=[pa.chunked_array([pa.array(refs, pa.large_string())]),
                             pa.chunked_array([pa.array(texts, pa.large_string())])],
                      widths={0: 22, 1: 18, 2: 18})
    first = BookSheet("Comptes", {1: [("Rapport", BOLD)], 3: ["Lignes", 600], 4: ["Part", 0.25]})
    path = write_book(tmp_path / "book.xlsx", [first, sheet], title="Rapport <1>", created=datetime(2026, 1, 2),
                      chunk_rows=1_000)
    sheets = _read(path)
    assert list(sheets) == ["Comptes", NAME[:31]]     # cut to 31 characters
    assert sheets["Comptes"] == [["Rapport", ""], ["", ""], ["Lignes", 600.0], ["Part", 0.25]]
    rows = sheets[NAME[:31]]
    assert rows[0] == ["ref", "text"] and rows[-2:] == [["", ""], ["… more", ""]]
    assert rows[1:count + 1] == [[r, t] for r, t in zip(refs, texts)]
    book = openpyxl.load_workbook(path)
    table = book.worksheets[1]
    assert table["A1"].font.b and not table["A2"].font.b and table["B9"].data_type == "s"
    assert table.column_dimensions["A"].width == 22.7109375 and table.column_dimensions["B"].width == 18.7109375
    assert book.properties.title == "Rapport <1>" and book.properties.created == datetime(2026, 1, 2)
    again = write_book(tmp_path / "again.xlsx", [first, sheet], title="Rapport <1>", created=datetime(2026, 1, 2),
                       chunk_rows=1_000)
    assert again.read_bytes() == path.read_bytes()


def test_an_overlong_text_is_cut_at_excels_limit_without_splitting_a_character(tmp_path):
    long = ["a" * 32_766 + "😀b", "é" * 40_000, "short"]
    path = write_book(tmp_path / "book.xlsx", [BookSheet("s", table=[pa.chunked_array([pa.array(long, pa.large_string())])],
                                                          table_row=1)])
    assert [r[0] for r in _read(path)["s"]] == ["a" * 32_766, "é" * 32_767, "short"]
    assert cut_text("x" * 10) == "x" * 10


def test_a_row_inside_the_table_or_a_name_excel_refuses_is_refused(tmp_path):
    table = [pa.chunked_array([pa.array(["a", "b"], pa.large_string())])]
    with pytest.raises(ValueError, match="among the table"):
        write_book(tmp_path / "book.xlsx", [BookSheet("s", {3: ["x"]}, table=table)])
    with pytest.raises(ValueError, match="sheet name"):
        write_book(tmp_path / "book.xlsx", [BookSheet("a/b")])
    assert list(tmp_path.iterdir()) == []
