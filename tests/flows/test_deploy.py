"""`stx-migrate deploy`: a process work pool and the procedure's deployments, J-1 and J scheduled."""
from __future__ import annotations

import yaml


def test_deploy_creates_pool_and_scheduled_deployments(prefect_api, demo_project, workspace_home, capsys):
    from prefect import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterTags

    from stx_migrate.cli.main import main

    assert main(["deploy", "--project", str(demo_project), "--pool", "stx-test-pool"]) == 0
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out == str(workspace_home / "demo-theatre" / "procedure")
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("stx-test-pool").type == "process"
        deployments = {d.name: d for d in client.read_deployments(
            deployment_filter=DeploymentFilter(tags=DeploymentFilterTags(all_=["demo-theatre"])))}
        assert set(deployments) == {f"demo-theatre-{s}" for s in (
            "receive-data", "prepare-data", "approve-transformations", "import-dev", "import-preprod", "refresh-j-1",
            "import-production", "final-validation", "contact-service", "migration-procedure")}
        for d in deployments.values():   # every step from the UI: described, tagged by team, typed parameters
            assert d.description and {"stx-migrate", "demo-theatre"} <= set(d.tags)
            assert d.parameter_openapi_schema["properties"]["project_dir"]["type"] == "string"
        assert {d.name.removeprefix("demo-theatre-"): (set(d.tags) & {"vn", "adi", "pl"}).pop() for d in deployments.values()} == {
            "receive-data": "vn", "prepare-data": "vn", "approve-transformations": "adi", "import-dev": "adi",
            "import-preprod": "adi", "refresh-j-1": "vn", "import-production": "adi", "final-validation": "pl",
            "contact-service": "adi", "migration-procedure": "pl"}
        service = deployments["demo-theatre-contact-service"].parameter_openapi_schema
        assert set(service["required"]) == {"project_dir", "operation", "env", "file"}
        operation = service["properties"]["operation"]
        assert "inactivate" in str(operation) and "anonymize" in str(operation)   # a drop-down, not free text
        refresh = deployments["demo-theatre-refresh-j-1"]
        assert refresh.parameters == {"project_dir": str(demo_project.resolve())}
        assert refresh.work_pool_name == "stx-test-pool" and "vn" in refresh.tags
        rrules = {name: [s.schedule.rrule for s in d.schedules] for name, d in deployments.items()}
        assert "DTSTART:20270228T060000Z" in rrules["demo-theatre-refresh-j-1"][0]
        assert "COUNT=1" in rrules["demo-theatre-refresh-j-1"][0]
        assert "DTSTART:20270301T060000Z" in rrules["demo-theatre-import-production"][0]
        assert rrules["demo-theatre-import-preprod"] == []
    rendered = yaml.safe_load((workspace_home / "demo-theatre" / "procedure" / "prefect.yaml").read_text())
    names = [d["name"] for d in rendered["deployments"]]
    assert "demo-theatre-refresh-j-1" in names
    sched = next(d for d in rendered["deployments"] if d["name"] == "demo-theatre-import-production")["schedules"][0]
    assert sched["rrule"].startswith("DTSTART:20270301T060000Z")
