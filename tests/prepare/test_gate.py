"""evaluate_gate on a real deliverable of the demo: thresholds, reconciliation, preconditions; data untouched."""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from stx_migrate.config.demo_data import materialise_demo_project
from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.gate import evaluate_gate, read_gate
from stx_migrate.migration.prepare import prepare_deliverable
from stx_migrate.migration.reference import Criterion, ReferenceData, load_reference
from stx_migrate.migration.secutix_file import read_secutix_file
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.settings.gate import GateSettings
from stx_migrate.migration.settings.prepare import ContactNumberPolicy, NumberRange


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One demo deliverable for the module (prepare runs once); tests get their own copy."""
    base = tmp_path_factory.mktemp("gate")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STX_MIGRATE_HOME", str(base / "workspace"))
        folder = materialise_demo_project(base / "demo", rows=600)
        project = load_project(folder)
        reference = load_reference(folder / "reference.yaml")
        snapshot = receive_snapshot(project).snapshot
        return prepare_deliverable(project, snapshot.path, reference, []), project, reference


@pytest.fixture()
def deliverable(built, tmp_path):
    folder, project, reference = built
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    return copy, project, reference


def checks(report) -> dict[str, bool]:
    return {c.name: c.passed for c in report.checks}


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def test_the_demo_passes_and_the_gate_changes_no_data_file(deliverable):
    folder, project, reference = deliverable
    before = digests(folder)
    report = evaluate_gate(folder, project.config.gate, reference, project.config.contact_numbers, [])
    assert report.passed and report.reasons == []
    after = digests(folder)
    assert {k: v for k, v in after.items() if k not in ("gate.json", "gate.md")} == before
    assert read_gate(folder) == report
    assert json.loads((folder / "gate.json").read_text())["passed"] is True


def test_thresholds_refuse_with_reasons(deliverable):
    folder, project, reference = deliverable
    settings = GateSettings(max_reject_rate=0.0, max_reject_rate_per_rule={"NAME_MISSING": 0.0},
                            min_fill_rate={"EMAIL1": 0.999, "LASTNAME": 0.5}, max_duplicate_rate=0.0)
    report = evaluate_gate(folder, settings, reference, project.config.contact_numbers, [])
    result = checks(report)
    assert not report.passed
    assert result["reject rate"] is False and result["reject rate NAME_MISSING"] is False
    assert result["fill rate EMAIL1"] is False and result["fill rate LASTNAME"] is True
    assert result["duplicate rate"] is False
    assert all(result[name] for name in ("rows reconcile", "import file rows", "log rejected rows", "duplicates rows", "protocol hash"))
    assert any(r.startswith("fill rate EMAIL1: ") for r in report.reasons)
    assert (folder / "gate.md").read_text().startswith("# Quality gate: REFUSED")


def test_preconditions_catalogue_and_contact_numbers(deliverable):
    folder, project, _ = deliverable
    numbers = read_secutix_file(folder / "contacts.csv").frame["CONTACT_NR"]
    reference = ReferenceData(structure_types=frozenset({"COMPANY"}),
                              criteria={"GENRE": Criterion(elements=frozenset({"OPERA"}))})
    narrow = ContactNumberPolicy(policy="keep", reserved_range=NumberRange(first=100000, last=100100))
    report = evaluate_gate(folder, project.config.gate, reference, narrow, [numbers.iloc[0]])
    result = checks(report)
    assert result["structure types exist"] is False
    assert result["criteria exist"] is False               # ABO is not set up in this target
    assert result["criterion elements exist"] is False     # GENRE=THEATRE... are not
    assert result["contact numbers free"] is False
    assert result["contact numbers in reserved range"] is False
    detail = {c.name: c.detail for c in report.checks}
    assert "ABO" in detail["criteria exist"] and "GENRE=THEATRE" in detail["criterion elements exist"]


def test_no_catalogue_refuses_when_criteria_are_used(deliverable):
    folder, project, _ = deliverable
    report = evaluate_gate(folder, project.config.gate, None, project.config.contact_numbers, [])
    assert checks(report)["reference data"] is False and not report.passed


def test_a_tampered_file_breaks_reconciliation(deliverable):
    folder, project, reference = deliverable
    path = folder / "contacts.csv"
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join(lines[:-2] + lines[-1:]))      # one contact removed by hand
    report = evaluate_gate(folder, project.config.gate, reference, project.config.contact_numbers, [])
    result = checks(report)
    assert result["files intact"] is False and result["import file rows"] is False and not report.passed


def test_the_demo_derives_indicators_from_its_orders(deliverable):
    folder, project, reference = deliverable
    report = evaluate_gate(folder, project.config.gate, reference, project.config.contact_numbers, [])
    found = {d.column: d for d in report.indicators}
    assert set(found) == {"CRIT03", "CRIT04", "CRIT05"}
    valid = json.loads((folder / "summary.json").read_text())["valid"]
    for column, code in (("CRIT03", "FREQUENCY"), ("CRIT04", "RECENCY"), ("CRIT05", "SPENDING")):
        counts = found[column].counts
        assert sum(counts.values()) == valid
        assert len([c for c in counts if c.startswith(code + "=")]) >= 3     # the sales history really spreads out
    sales = json.loads((folder / "summary.json").read_text())["aggregates"]["sales"]
    assert sales["orphans"] > 0 and sales["aggregated"] + sales["orphans"] == sales["rows"]
    assert checks(report)["aggregate sales rows"] and checks(report)["criterion elements exist"]
