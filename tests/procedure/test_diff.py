import pandas as pd

from stx_migrate.migration.procedure import diff_deliverables, write_diff


def frame(rows: dict[str, dict[str, str]]) -> pd.DataFrame:
    f = pd.DataFrame.from_dict(rows, orient="index").astype("str")
    f.index.name = "source_ref"
    return f


def rejects(rows):
    return pd.DataFrame(rows, columns=["source_ref", "contact_nr", "column", "code", "severity", "message", "value"]).astype("str")


def test_new_changed_vanished_rejects_and_columns(tmp_path):
    old = frame({f"clients:{i}": {"FIRSTNAME": f"A{i}", "BIRTHDATE": "2001-01-01", "ZIP": "1000" if i < 8 else ""}
                 for i in range(10)})
    new = frame({f"clients:{i}": {"FIRSTNAME": f"A{i}", "BIRTHDATE": "01/01/2001" if i == 3 else "2001-01-01",
                                  "ZIP": "1000"} for i in range(2, 12)})
    new.loc["clients:5", "FIRSTNAME"] = "Changed"
    old_r = rejects([["clients:1", "", "EMAIL", "EMAIL_INVALID", "error", "", ""]])
    new_r = rejects([["clients:1", "", "EMAIL", "EMAIL_INVALID", "error", "", ""],
                     ["clients:11", "", "PHONE", "PHONE_INVALID", "error", "", ""],
                     ["clients:4", "", "TITLE", "TITLE_UNKNOWN", "warning", "", ""]])
    d = diff_deliverables(old, new, old_r, new_r, "OLD", "NEW")
    assert d.new == ["clients:10", "clients:11"]
    assert d.vanished == ["clients:0", "clients:1"]
    assert d.changed == {"clients:3": ["BIRTHDATE"], "clients:5": ["FIRSTNAME"], "clients:8": ["ZIP"], "clients:9": ["ZIP"]}
    assert d.new_rejects == [{"source_ref": "clients:11", "column": "PHONE", "code": "PHONE_INVALID"}]
    assert [(c.column, c.what) for c in d.columns] == [("ZIP", "fill rate 80.0% → 100.0%")]
    assert d.counts["unchanged"] == 10 - 2 - 4
    md = d.to_markdown()
    assert "PHONE_INVALID" in md and "`clients:10`" in md and "A5" not in md   # refs and codes, no values
    write_diff(d, tmp_path)
    assert (tmp_path / "diff.json").exists() and (tmp_path / "diff.md").exists()


def test_type_change_and_identical_frames():
    old = frame({"c:1": {"BIRTHDATE": "2001-01-01"}, "c:2": {"BIRTHDATE": "1999-12-31"}})
    new = frame({"c:1": {"BIRTHDATE": "1er janvier"}, "c:2": {"BIRTHDATE": "1999-12-31"}})
    d = diff_deliverables(old, new)
    assert [c.what for c in d.columns] == ["type date → text"]
    same = diff_deliverables(old, old.copy())
    assert (same.new, same.vanished, same.changed, same.columns, same.new_rejects) == ([], [], {}, [], [])


def test_row_order_does_not_matter_and_new_contacts_are_not_changed():
    old = frame({f"c:{i}": {"LASTNAME": f"N{i}", "ZIP": "1000"} for i in range(6)})
    new = frame({f"c:{i}": {"LASTNAME": f"N{i}", "ZIP": "2000" if i == 4 else "1000"} for i in range(1, 9)})
    new.loc["c:7", "LASTNAME"] = ""                     # a new contact with an empty cell: new, not changed
    shuffled = new.iloc[[5, 3, 0, 7, 2, 6, 1, 4]]
    for candidate in (new, shuffled):
        d = diff_deliverables(old, candidate)
        assert d.new == ["c:6", "c:7", "c:8"] and d.vanished == ["c:0"]
        assert d.changed == {"c:4": ["ZIP"]}
        assert d.counts["unchanged"] == 4
