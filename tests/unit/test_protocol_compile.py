"""compile_protocol: every problem reported at once, with the file, the path and the allowed values."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from stx_migrate.migration.errors import ConfigError
from stx_migrate.migration.protocol import ProjectContext, compile_protocol, protocol_hash
from stx_migrate.migration.protocol.registry import operation_names

MANIFEST = {"datasets": {
    "clients": {"rows": 3, "columns": ["ID", "NOM", "PRENOM", "PAYS", "TEL", "SOC", "ACHAT"]},
    "companies": {"rows": 1, "columns": ["ID", "NAME"]},
    "crit": {"rows": 2, "columns": ["CLIENT", "CODE", "VAL"]},
}}

GOOD = {
    "datasets": {
        "main": "clients",
        "joins": [{"dataset": "companies", "main_key": "SOC", "key": "ID"}],
        "pivots": [{"name": "c", "dataset": "crit", "parent": "CLIENT", "main_key": "ID", "key": "CODE", "value": "VAL", "keys": ["GENRE"]}],
    },
    "filters": [{"rule": "retention", "params": {"column": "ACHAT", "formats": ["%d.%m.%Y"]}}],
    "contact_number": {"from": "ID"},
    "columns": {
        "LASTNAME": {"from": "NOM", "steps": ["trim", {"case": "upper"}]},
        "COUNTRY": {"from": "PAYS", "steps": ["country"]},
        "TELEPHONE": {"from": "TEL", "steps": [{"phone": {"region_from": "COUNTRY"}}]},
        "OFFICIAL_NAME": {"from": "companies.NAME"},
        "CRIT01": {"from": "c.GENRE", "steps": [{"criterion": {"code": "GENRE"}}]},
        "REMARK": {"from": ["PRENOM", "NOM"], "steps": [{"concat": " / "}]},
        "INSTITUTION": {"steps": [{"constant": "X"}]},
    },
}


def write(tmp_path, data, name="protocol.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(tmp_path, data, project=None) -> list[str]:
    with pytest.raises(ConfigError) as e:
        compile_protocol(write(tmp_path, data), MANIFEST, project)
    return e.value.problems


def test_a_good_protocol_compiles_and_lists_the_columns_it_reads(tmp_path):
    compiled = compile_protocol(write(tmp_path, GOOD), MANIFEST, ProjectContext(retention_cutoff=date(2020, 1, 1)))
    assert [c.code for c in compiled.columns] == list(GOOD["columns"])
    assert compiled.needed == {"clients": ("ACHAT", "ID", "NOM", "PAYS", "PRENOM", "SOC", "TEL"),
                               "companies": ("ID", "NAME"), "crit": ("CLIENT", "CODE", "VAL")}
    assert compiled.filters[0].code == "RETENTION"
    assert len(compiled.hash) == 64


def test_the_hash_follows_the_meaning_not_the_layout(tmp_path):
    a = compile_protocol(write(tmp_path, GOOD, "a.yaml"), MANIFEST)
    text = "# a comment\n" + yaml.safe_dump(GOOD, sort_keys=True, default_flow_style=True)
    (tmp_path / "b.yaml").write_text(text, encoding="utf-8")
    b = compile_protocol(tmp_path / "b.yaml", MANIFEST)
    assert a.hash == b.hash
    changed = dict(GOOD, columns=dict(GOOD["columns"], LASTNAME={"from": "NOM", "steps": ["trim"]}))
    assert compile_protocol(write(tmp_path, changed, "c.yaml"), MANIFEST).hash != a.hash
    assert protocol_hash(a.model) == a.hash


def test_every_problem_is_reported_at_once_with_path_and_allowed_values(tmp_path):
    bad = yaml.safe_load(yaml.safe_dump(GOOD))
    bad["datasets"]["joins"][0]["dataset"] = "societes"
    bad["columns"]["LASTNAME"]["from"] = "NOMS"
    bad["columns"]["LASTNAME"]["steps"] = [{"cas": "upper"}]
    bad["columns"]["COUNTRY"]["steps"] = [{"country": {"alias": {"UK": "GB"}}}]
    bad["columns"]["NAME"] = {"from": "NOM"}
    bad["filters"][0]["rule"] = "too_old"
    found = problems(tmp_path, bad)
    text = "\n".join(found)
    source = str(tmp_path / "protocol.yaml")
    assert all(line.startswith(source + " › ") for line in found)
    assert "datasets › joins › 0 › dataset: unknown dataset 'societes' (allowed: clients, companies, crit)" in text
    assert "columns › LASTNAME › from: unknown column 'NOMS' (allowed: ID, NOM," in text
    assert "columns › LASTNAME › steps › 0: unknown operation 'cas' (allowed: " in text
    assert ", ".join(sorted(operation_names()))[:40] in text
    assert "columns › COUNTRY › steps › 0 › country › alias: unknown key (parameters of country: aliases)" in text
    assert "columns › NAME: not a SecuTix column (allowed: INSTITUTION, ORGANIZATION" in text
    assert "filters › 0 › rule: unknown rule 'too_old' (allowed: exclude_values, retention)" in text
    assert "columns › OFFICIAL_NAME › from: unknown column 'companies.NAME'" in text   # follows from the bad join
    assert len(found) == 7


def test_step_shape_arity_and_order_are_checked(tmp_path):
    bad = yaml.safe_load(yaml.safe_dump(GOOD))
    bad["columns"]["REMARK"]["steps"] = ["trim"]                               # a list needs a combining first step
    bad["columns"]["FIRSTNAME"] = {"steps": ["trim"]}                          # no input
    bad["columns"]["LASTNAME"]["steps"] = [{"trim": None, "case": "upper"}]   # two operations in one step
    bad["columns"]["FAX"] = {"from": "TEL", "steps": [{"phone": {"region_from": "CELLPHONE"}}]}
    bad["columns"]["EMAIL1"] = {"from": "TEL", "steps": [{"map_values": "x"}]}
    text = "\n".join(problems(tmp_path, bad))
    assert "columns › REMARK › from: several columns need a first step that combines them" in text
    assert "columns › FIRSTNAME › from: missing" in text
    assert "columns › LASTNAME › steps › 0: a step is an operation name or a one-key mapping" in text
    assert "columns › FAX › steps › 0 › phone › region_from: 'CELLPHONE' is not an output column declared above" in text
    assert "columns › EMAIL1 › steps › 0 › map_values: give the parameters as a mapping (allowed: values, default" in text


def test_retention_needs_the_project_cutoff(tmp_path):
    found = problems(tmp_path, GOOD, ProjectContext(retention_cutoff=None))
    assert found == [f"{tmp_path / 'protocol.yaml'} › filters › 0 › rule: the retention rule needs retention.cutoff in project.yaml (secutix-format §13 Q14)"]


def test_unknown_top_level_key_and_yaml_errors(tmp_path):
    text = "\n".join(problems(tmp_path, dict(GOOD, colums={})))
    assert "protocol.yaml › colums: unknown key" in text
    (tmp_path / "broken.yaml").write_text("columns: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        compile_protocol(tmp_path / "broken.yaml", MANIFEST)
    assert "not valid YAML" in str(e.value)


def test_without_a_snapshot_columns_are_not_checked_but_operations_are(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    data["columns"]["LASTNAME"]["from"] = "ANYTHING"
    compile_protocol(write(tmp_path, data), None)
    data["columns"]["LASTNAME"]["steps"] = ["nope"]
    with pytest.raises(ConfigError):
        compile_protocol(write(tmp_path, data), None)
