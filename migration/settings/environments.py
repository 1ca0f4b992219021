"""The project's ``environments`` block: where contacts land (dev, preprod, prod, ...).

``kind: sql`` is a SecuTix contact store (``url``: a SQLAlchemy URL, ``sqlite:///envs/dev.sqlite``
relative to the project folder, or ``${env:NAME}`` / ``${secret:BLOCK}``);
``kind: file-drop`` writes the deliverable's import file into ``path`` for SecuTix's
own import service, with a ``.sha256`` beside it.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import StrictModel, check_no_literal_password


class EnvironmentSettings(StrictModel):
    kind: Literal["sql", "file-drop"]
    url: str | None = None          # kind sql: SQLAlchemy URL, may be ${env:NAME}
    path: str | None = None         # kind file-drop: the folder SecuTix's import service reads
    file: Literal["csv", "xlsx"] = "csv"   # kind file-drop: which import file of the deliverable is dropped
    batch_rows: int = Field(default=100_000, gt=0)
    production: bool = False        # destructive services need the production guards and --confirm N ("prod" always does)

    _url_without_password = field_validator("url")(check_no_literal_password)

    @model_validator(mode="after")
    def _kind_needs(self) -> "EnvironmentSettings":
        if self.kind == "sql" and not self.url:
            raise ValueError("kind sql needs url (e.g. sqlite:///envs/dev.sqlite or ${env:PROD_DB_URL})")
        if self.kind == "file-drop" and not self.path:
            raise ValueError("kind file-drop needs path (the folder SecuTix's import service reads)")
        return self


def is_production(name: str, settings: EnvironmentSettings) -> bool:
    """An environment marked ``production: true``, or named ``prod`` (the safest reading of a missing mark)."""
    return settings.production or name == "prod"
