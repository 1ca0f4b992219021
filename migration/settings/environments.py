"""The project's ``environments`` block: where contacts land (dev, preprod, prod, ...).

``kind: sql`` is a SecuTix contact store (``url``: a SQLAlchemy URL, ``sqlite:///envs/dev.sqlite``
relative to the project folder, or ``${env:NAME}`` / ``${secret:BLOCK}``);
``kind: file-drop`` writes the deliverable's import file into ``path`` for SecuTix's
own import service, with a ``.sha256`` beside it.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from .base import StrictModel

_REFERENCE = re.compile(r"\$\{(env|secret):[A-Za-z_][A-Za-z0-9_./-]*\}")


class EnvironmentSettings(StrictModel):
    kind: Literal["sql", "file-drop"]
    url: str | None = None          # kind sql: SQLAlchemy URL, may be ${env:NAME}
    path: str | None = None         # kind file-drop: the folder SecuTix's import service reads
    file: Literal["csv", "xlsx"] = "csv"   # kind file-drop: which import file of the deliverable is dropped
    batch_rows: int = Field(default=100_000, gt=0)
    pseudonymise: bool = False      # dev trial: people replaced by keyed pseudonyms before the file leaves (docs/pseudonyms.md)
    pseudonym_key: str | None = None   # the project's secret for them: ${env:NAME} or ${secret:BLOCK}, never the value

    @model_validator(mode="after")
    def _kind_needs(self) -> "EnvironmentSettings":
        if self.kind == "sql" and not self.url:
            raise ValueError("kind sql needs url (e.g. sqlite:///envs/dev.sqlite or ${env:PROD_DB_URL})")
        if self.kind == "file-drop" and not self.path:
            raise ValueError("kind file-drop needs path (the folder SecuTix's import service reads)")
        if self.pseudonymise and not self.pseudonym_key:
            raise ValueError("pseudonymise needs pseudonym_key (e.g. ${env:STX_PSEUDONYM_KEY})")
        if self.pseudonym_key is not None and not _REFERENCE.fullmatch(self.pseudonym_key):
            raise ValueError("pseudonym_key is a reference, ${env:NAME} or ${secret:BLOCK}: never the key itself in a file")
        return self
