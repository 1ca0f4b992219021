"""kind excel: every row types its column, whatever the first thousand hold."""
from __future__ import annotations

import pyarrow as pa

from stx_migrate.connectors.sources import open_source
from stx_migrate.migration.settings.source import SourceSettings


def test_a_column_turning_to_text_after_row_1000_is_text_and_every_value_is_kept(tmp_path):
    import xlsxwriter

    rows = 1_500
    workbook = xlsxwriter.Workbook(tmp_path / "clients.xlsx")
    sheet = workbook.add_worksheet("Clients")
    sheet.write_row(0, 0, ["code", "amount", ""])
    for i in range(rows):
        sheet.write_row(1 + i, 0, [i if i != 1_200 else "A-1200", i + 0.5, "x" if i % 2 else None])
    workbook.close()
    block = {"kind": "excel", "datasets": {"clients": {"file": "clients.xlsx", "sheet": "Clients"}}}
    with open_source(SourceSettings.model_validate(block), tmp_path) as source:
        info = source.describe()["clients"]
        table = pa.concat_tables(source.read("clients", chunk_rows=400))
    assert info.schema == pa.schema([("code", pa.string()), ("amount", pa.float64()), ("column_3", pa.string())])
    assert info.renamed_columns == {"column_3": ""} and table.num_rows == rows
    codes = table.column("code").to_pylist()
    assert codes[1_200] == "A-1200" and codes[:3] == ["0", "1", "2"] and codes[-1] == "1499"
    assert table.column("amount").to_pylist()[-1] == 1499.5 and table.column("column_3").null_count == rows // 2
