"""Run names: ``<project>-<step>[-<parameter>…][-<env>]`` so the UI's run list reads as the procedure."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from stx_migrate.migration.settings.project import load_project


def project_name(project_dir: str | None) -> str:
    """The project's name from its project.yaml, or its folder name when that cannot be read."""
    try:
        return load_project(Path(project_dir)).config.name
    except Exception:  # the flow itself reports a bad project; the run name must not fail first
        return Path(project_dir or "project").name


def run_name(step: str, *parameters: str, env: str | None = None, defaults: dict[str, str] | None = None) -> Callable[[], str]:
    """A ``flow_run_name`` callable: the project, the step, the named flow parameters, then ``env``."""
    defaults = defaults or {}

    def name() -> str:   # called by Prefect only (a server run)
        from prefect.runtime import flow_run

        given = flow_run.parameters
        values = [str(given.get(p) or defaults.get(p, "")) for p in parameters]
        return "-".join(part for part in (project_name(given.get("project_dir")), step, *values, env) if part)

    return name
