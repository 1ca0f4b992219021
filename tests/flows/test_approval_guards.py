"""The procedure's approvals and pre-production's preconditions as the CLI meets them (exit 1 with the reasons)."""
from __future__ import annotations

from flow_helpers import make_deliverable

from stx_migrate.cli.main import main
from stx_migrate.migration.approvals import read_approvals
from stx_migrate.migration.procedure import Event, load_state, record_event
from stx_migrate.migration.workspace import Workspace

D1, D2 = "20270201T000000000Z-d00001", "20270202T000000000Z-d00002"


def test_a_trial_import_needs_adis_approval_of_that_very_protocol(prefect_api, demo_project, workspace_home, capsys):
    make_deliverable(workspace_home, "demo-theatre", D1, "a" * 64)
    assert main(["import", "--project", str(demo_project), "--env", "dev", "--deliverable", D1]) == 1
    assert "no ADI's approval of the planned transformations (step 6) for protocol aaaaaaaaaaaa" in capsys.readouterr().err
    procedure = Workspace("demo-theatre").procedure_dir
    # approved for another protocol hash: still refused; a blank name is refused before anything is recorded
    assert main(["decide", "--project", str(demo_project), "--step", "transformations", "--approve", "--by", "  "]) == 2
    assert read_approvals(procedure) == []
    assert main(["decide", "--project", str(demo_project), "--step", "transformations", "--reject", "--by", "Ada",
                 "--comment", "titles mapped wrong"]) == 0
    assert main(["import", "--project", str(demo_project), "--env", "dev", "--deliverable", D1]) == 1
    approvals = read_approvals(procedure)
    assert [(a.step, a.approved, a.by, a.source) for a in approvals] == [("transformations", False, "Ada", "cli")]
    assert approvals[0].protocol_hash != "a" * 64          # the project's current protocol, not D1's


def test_pre_production_needs_a_dev_trial_of_the_same_protocol_and_the_prod_copy(prefect_api, demo_project,
                                                                                  workspace_home, capsys):
    h = "b" * 64
    make_deliverable(workspace_home, "demo-theatre", D2, h)
    procedure = Workspace("demo-theatre").procedure_dir
    record_event(procedure, Event(kind="import", env="dev", deliverable_id=D1, protocol_hash="c" * 64))
    (demo_project / "envs" / "preprod.sqlite").unlink()          # step 11's copy not made
    assert main(["import", "--project", str(demo_project), "--env", "preprod", "--deliverable", D2]) == 1
    err = capsys.readouterr().err
    assert "no successful trial import into dev of protocol bbbbbbbbbbbb" in err
    assert "the prod → preprod copy (step 11) is incomplete: preprod lacks 1 institution(s) that prod holds: DEMO" in err
    assert "preprod lacks 5 titles that prod holds" in err and "stx-migrate env setup --env preprod --from prod" in err
    assert not any(e.kind == "decision-requested" for e in load_state(procedure).events)   # nobody was asked anything
