"""The go-live procedure's settings: ticket, customer validation, execution."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import SECRET_REFERENCE, StrictModel


class TicketStatuses(StrictModel):
    """The ticket system's status ids for the procedure's two transitions."""

    final_validation: str = "final validation"
    solved: str = "solved"


class TicketSettings(StrictModel):
    """Where the flows report progress: a Kayako case, or a local journal (the default).

    Kayako needs ``base_url`` (``https://support.example.com``), ``ticket_id`` and
    ``api_key`` as a reference (``${env:KAYAKO_API_KEY}`` or ``${secret:kayako-api-key}``);
    ``leader_agent_id`` is the Kayako agent id of the project leader, the owner of the
    ticket once production is done.
    """

    kind: Literal["kayako", "journal"] = "journal"
    base_url: str | None = None
    ticket_id: str | None = None
    api_key: str | None = None  # a reference: ${env:NAME} or ${secret:BLOCK}
    leader_agent_id: str | None = None
    statuses: TicketStatuses = TicketStatuses()
    timeout_seconds: float = Field(default=20.0, gt=0)

    @model_validator(mode="after")
    def _kayako_complete(self) -> "TicketSettings":
        if self.kind == "kayako":
            missing = [k for k in ("base_url", "ticket_id", "api_key") if not getattr(self, k)]
            if missing:
                raise ValueError(f"kind kayako needs {', '.join(missing)}")
        if self.api_key and not SECRET_REFERENCE.match(self.api_key):
            raise ValueError("api_key must be a reference, ${env:NAME} or ${secret:BLOCK}, never the key itself")
        return self


class ValidationSettings(StrictModel):
    """The customer's validation after the pre-production import."""

    timeout_hours: float = Field(default=7 * 24, gt=0)   # how long import-preprod waits for the decision
    validator: str | None = None                          # who is expected to decide (shown in the UI)


class RefreshSettings(StrictModel):
    """The J-1 refresh's checks of the new extraction against J-14's (warnings, not refusals)."""

    max_row_drop: float = Field(default=0.10, ge=0, le=1)   # a dataset losing a larger share of its rows warns


class ExecutionSettings(StrictModel):
    task_runner: Literal["sequential", "dask"] = "sequential"
    dask_workers: int = Field(default=2, gt=0)
    dask_address: str | None = None   # an existing Dask scheduler (tcp://host:8786); a local cluster when absent
    chunk_rows: int = Field(default=200_000, gt=0)
