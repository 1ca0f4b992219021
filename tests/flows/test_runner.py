"""Chunk-parallel stages under the project's task runner: Dask gives the sequential result."""
from __future__ import annotations

import pandas as pd
import pytest

from stx_migrate.migration.protocol.emails import normalise_emails
from stx_migrate.migration.settings.procedure import ExecutionSettings
from stx_migrate.tasks.runner import run_chunks, task_runner_for


def messy_emails(n: int) -> pd.Series:
    shapes = [" Marie.Dupont{i}@Example.CH ", "paul{i}@exa mple.fr", "", "léa{i}@bücher.de", "x{i}@localhost", "A{i}@b.co"]
    return pd.Series([shapes[i % len(shapes)].format(i=i) for i in range(n)], dtype="str",
                     index=pd.Index([f"clients:{i}" for i in range(n)], dtype="str", name="source_ref"))


def chunked(values: pd.Series, size: int) -> list[pd.Series]:
    return [values.iloc[i:i + size] for i in range(0, len(values), size)]


def test_runner_kinds():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    assert isinstance(task_runner_for(ExecutionSettings()), ThreadPoolTaskRunner)
    assert isinstance(task_runner_for(ExecutionSettings(task_runner="dask")), DaskTaskRunner)


def test_one_chunk_runs_inline_without_a_runner():
    values = messy_emails(50)
    [only] = run_chunks(normalise_emails, [values], ExecutionSettings(task_runner="dask"))
    pd.testing.assert_series_equal(only, normalise_emails(values))


@pytest.mark.slow
def test_validation_stage_on_dask_equals_sequential(prefect_api):
    """The rule engine (validation) over chunks of a SecuTix frame: same contacts, same findings."""
    from datetime import date
    from functools import partial

    from bench.synthetic import make_contacts
    from stx_migrate.migration.rules.engine import check_contacts

    frame = make_contacts(2000, seed=6, bad_rate=0.05)
    chunks = [frame.iloc[i:i + 500] for i in range(0, len(frame), 500)]
    stage = partial(check_contacts, institution_country="CH", today=date(2027, 3, 1))
    sequential = run_chunks(stage, chunks, ExecutionSettings(), "check-contacts")
    dask = run_chunks(stage, chunks, ExecutionSettings(task_runner="dask", dask_workers=2), "check-contacts")
    for a, b in zip(sequential, dask, strict=True):
        pd.testing.assert_frame_equal(a.contacts, b.contacts)
        pd.testing.assert_frame_equal(a.findings.reset_index(drop=True), b.findings.reset_index(drop=True))
    assert sum(len(r.findings) for r in dask) > 0
    # the chunked engine (what prepare-data runs under Dask) gives exactly the whole-frame result
    from stx_migrate.migration.rules import check_contacts_in_chunks

    whole = check_contacts(frame, institution_country="CH", today=date(2027, 3, 1))
    on_dask = check_contacts_in_chunks(
        frame, chunk_rows=500, institution_country="CH", today=date(2027, 3, 1),
        map_chunks=lambda stage, parts, name: run_chunks(stage, parts, ExecutionSettings(task_runner="dask", dask_workers=2), name),
    )
    pd.testing.assert_frame_equal(on_dask.findings, whole.findings)
    pd.testing.assert_frame_equal(on_dask.contacts, whole.contacts)
