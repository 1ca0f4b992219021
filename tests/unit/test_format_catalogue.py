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


def test_column_groups_are_named_once_in_columns_yaml():
    import pytest

    fmt = extended_format()
    sections = dict(fmt.sections)
    assert fmt.group("means") == sections["Communication means"]
    assert fmt.group("authorizations") == sections["Authorization"]
    assert fmt.group("criteria") == sections["Criterion"]
    assert fmt.group("codevalues") == ("ADMIN_NUMBER", *fmt.group("criteria"))
    assert len(fmt.group("structure_match")) == 10 and set(fmt.group("structure_match")) <= set(fmt.layout())
    with pytest.raises(KeyError, match="allowed: person"):
        fmt.group("people")


def test_the_store_and_dedup_match_structures_on_the_same_fields():
    from stx_migrate.migration.dedup.records import STRUCTURE_FIELDS
    from stx_migrate.migration.store.catalogue import MATCH_FIELDS

    assert MATCH_FIELDS is STRUCTURE_FIELDS
