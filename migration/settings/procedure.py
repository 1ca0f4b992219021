"""The go-live procedure's settings: ticket, customer validation, execution."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import SECRET_REFERENCE, StrictModel


class TicketStatuses(StrictModel):
    """The ticket system's status ids for the procedure's two transitions."""

    final_validation: str = "final validation"
    solved: str = "solved"
    open: str | None = None     # kayako-classic: the status of the ticket it opens (the helpdesk's default when absent)


class TicketSettings(StrictModel):
    """Where the flows report progress: a Kayako Classic ticket (the SecuTix procedure's helpdesk,
    signed REST API), a newer Kayako's case (API v1), or a local journal (the default).

    Kayako needs ``base_url`` (``https://support.example.com``), ``ticket_id`` and
    ``api_key`` as a reference (``${env:KAYAKO_API_KEY}`` or ``${secret:kayako-api-key}``);
    ``leader_agent_id`` is the Kayako agent id of the project leader, the owner of the
    ticket once production is done.
    """

    kind: Literal["kayako-classic", "kayako", "journal"] = "journal"
    base_url: str | None = None
    ticket_id: str | None = None
    api_key: str | None = None  # a reference: ${env:NAME} or ${secret:BLOCK}
    secret_key: str | None = None  # kayako-classic: the key that signs each request (a reference; never sent)
    leader_agent_id: str | None = None   # the owner at step 16: an id, or (kayako-classic) the staff's full name
    statuses: TicketStatuses = TicketStatuses()
    timeout_seconds: float = Field(default=20.0, gt=0)
    # kayako-classic: the ticket it opens at J-14 when ticket_id is absent (ids, or titles looked up once)
    subject: str = "SecuTix contact migration: data import"
    requester_name: str | None = None
    requester_email: str | None = None
    department: str | None = None
    type: str | None = None
    priority: str | None = None
    staff: str | None = None            # the staff member the notes are posted as (id or full name)

    @model_validator(mode="after")
    def _kayako_complete(self) -> "TicketSettings":
        needs = {"kayako": ("base_url", "ticket_id", "api_key"), "kayako-classic": ("base_url", "api_key", "secret_key")}
        missing = [k for k in needs.get(self.kind, ()) if not getattr(self, k)]
        if missing:
            raise ValueError(f"kind {self.kind} needs {', '.join(missing)}")
        if self.kind == "kayako-classic" and not self.ticket_id and not self.department:
            raise ValueError("kind kayako-classic without ticket_id opens the ticket: it needs department (id or title)")
        for name in ("api_key", "secret_key"):
            value = getattr(self, name)
            if value and not SECRET_REFERENCE.match(value):
                raise ValueError(f"{name} must be a reference, ${{env:NAME}} or ${{secret:BLOCK}}, never the key itself")
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
