"""The deliverable's reports written by a forked child while this process writes the import
file (a big input): the same files byte for byte as when everything is written here."""
from __future__ import annotations

import os
import sys

import pytest

from stx_migrate.migration import prepare as prep
from stx_migrate.migration import forked
from stx_migrate.migration.forked import run_jobs
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.settings import load_project

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")


def _prepare(demo_project, snapshot):
    project = load_project(demo_project)
    return prep.prepare_deliverable(project, snapshot.path, load_reference(demo_project / "reference.yaml"), [])


@linux_only
def test_jobs_run_in_a_child_and_come_back_in_order():
    here = os.getpid()
    pids = run_jobs([os.getpid, os.getpid, os.getpid], processes=2)
    assert pids[0] == here and pids[1] != here and pids[2] != here


@linux_only
def test_a_failing_child_job_raises_here():
    def fails():
        raise ValueError("job 2 failed")

    with pytest.raises(ValueError, match="job 2 failed"):
        run_jobs([lambda: 1, fails], processes=2)


def test_one_process_runs_every_job_here():
    here = os.getpid()
    assert run_jobs([os.getpid, os.getpid], processes=1) == [here, here]


@linux_only
def test_reports_written_by_a_forked_child_are_the_same_files(demo_project, demo_snapshot, monkeypatch):
    sequential = _prepare(demo_project, demo_snapshot)
    forked_in = []
    original = prep._write_reports

    def spy(*args):
        forked_in.append(os.getpid())
        return original(*args)

    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(prep, "_write_reports", spy)
    in_child = _prepare(demo_project, demo_snapshot)
    assert in_child != sequential
    assert forked_in == []            # the spy ran in the child: its list here stayed empty
    for name in sorted(prep.FILES) + ["manifest.json"]:
        assert (in_child / name).read_bytes() == (sequential / name).read_bytes(), name


@linux_only
@pytest.mark.slow
def test_the_prepare_flow_forks_safely_under_prefect(demo_project, demo_snapshot, prefect_api, monkeypatch):
    """Inside a Prefect flow run (its threads, its API log handler), forked dedup and report jobs
    give the deliverable of the run that forks nothing."""
    from stx_migrate.flows.prepare import run_prepare
    from stx_migrate.migration.workspace import Workspace

    workspace = Workspace("demo-theatre")
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 10**9)
    sequential = workspace.path("deliverables", run_prepare(demo_project))
    monkeypatch.setattr(forked, "PARALLEL_MIN_ROWS", 0)
    in_children = workspace.path("deliverables", run_prepare(demo_project))
    assert in_children != sequential
    for name in ("contacts.csv", "rejects.csv", "duplicates.csv", "review.xlsx", "summary.json"):
        assert (in_children / name).read_bytes() == (sequential / name).read_bytes(), name
