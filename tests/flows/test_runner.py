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


@pytest.mark.slow
def test_dask_cluster_gives_the_sequential_result(prefect_api):
    values = messy_emails(3000)
    expected = normalise_emails(values)
    chunks = chunked(values, 500)
    sequential = run_chunks(normalise_emails, chunks, ExecutionSettings(), "normalise-emails")
    dask = run_chunks(normalise_emails, chunks, ExecutionSettings(task_runner="dask", dask_workers=2), "normalise-emails")
    pd.testing.assert_series_equal(pd.concat(sequential), expected)
    pd.testing.assert_series_equal(pd.concat(dask), expected)
    assert (expected == "").sum() > 0 and (expected != "").sum() > 0   # the stage did sort good from bad
