"""The project's ``environments`` block: where contacts land (dev, preprod, prod, ...)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import StrictModel


class EnvironmentSettings(StrictModel):
    kind: Literal["sql", "file-drop"]
    url: str | None = None          # kind sql: SQLAlchemy URL, may be ${env:NAME}
    path: str | None = None         # kind file-drop: the folder SecuTix's import service reads
    batch_rows: int = Field(default=50_000, gt=0)
