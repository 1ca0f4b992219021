"""The format catalogue: every column of secutix-format §5, in template order, with its rule data."""
from stx_migrate.migration.format import extended_format


def test_every_spec_column_is_in_the_catalogue_in_order():
    fmt = extended_format()
    assert [c.number for c in fmt.columns] == list(range(1, 95))
    layout = fmt.layout()
    assert layout[:4] == ["INSTITUTION", "ORGANIZATION", "OPERATION", "CONTACT_NR"]
    assert "ROLE" not in layout and fmt.layout(with_role=True)[4] == "ROLE"
    assert layout.index("DEPARTMENT") + 1 == layout.index("COUNTRY")
    assert layout[-50:] == [f"CRIT{i:02d}" for i in range(1, 51)]


def test_header_rows_end_with_the_codes_row():
    fmt = extended_format()
    rows = fmt.header_rows(fmt.layout())
    assert len(rows) == 4 and rows[3] == fmt.layout()
    assert rows[0][0] == "Global fields" and rows[0][1] == ""
