"""The go-live procedure's settings: ticket, people, execution."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictModel


class TicketSettings(StrictModel):
    kind: Literal["kayako", "journal"] = "journal"
    base_url: str | None = None
    ticket_id: str | None = None
    api_key: str | None = None  # a reference: ${env:NAME} or ${secret:BLOCK}


class ExecutionSettings(StrictModel):
    task_runner: Literal["sequential", "dask"] = "sequential"
    dask_workers: int = Field(default=2, gt=0)
    chunk_rows: int = Field(default=200_000, gt=0)
