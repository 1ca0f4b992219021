"""The project's ``environments`` block: where contacts land (dev, preprod, prod, ...).

``kind: sql`` is a SecuTix contact store (``url``: a SQLAlchemy URL, ``sqlite:///envs/dev.sqlite``
relative to the project folder, or ``${env:NAME}`` / ``${secret:BLOCK}``);
``kind: file-drop`` writes the deliverable's import file into ``path`` for SecuTix's
own import service, with a ``.sha256`` beside it;
``kind: sftp`` uploads the import file and the deliverable's manifest to SecuTix's import
drop over SFTP (``host``, ``port``, ``user``, ``key`` or ``password`` as references,
``known_hosts``, ``remote_dir``; docs/delivery.md).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import SECRET_REFERENCE, StrictModel, check_no_literal_password

class EnvironmentSettings(StrictModel):
    kind: Literal["sql", "file-drop", "sftp"]
    url: str | None = None          # kind sql: SQLAlchemy URL, may be ${env:NAME}
    path: str | None = None         # kind file-drop: the folder SecuTix's import service reads
    file: Literal["csv", "xlsx"] = "csv"   # file-drop, sftp: which import file of the deliverable is delivered
    batch_rows: int = Field(default=100_000, gt=0)
    pseudonymise: bool = False      # dev trial: people replaced by keyed pseudonyms before the file leaves (docs/pseudonyms.md)
    pseudonym_key: str | None = None   # the project's secret for them: a reference only
    production: bool = False        # destructive services need the production guards and --confirm N ("prod" always does)
    host: str | None = None         # kind sftp: SecuTix's import drop
    port: int = Field(default=22, gt=0, lt=65536)
    user: str | None = None
    key: str | None = None          # kind sftp: the private key (OpenSSH/PEM text), a reference only
    key_passphrase: str | None = None  # a reference only
    password: str | None = None     # kind sftp: a reference only (when no key)
    known_hosts: str | None = None  # kind sftp: the known_hosts file holding the server's host key (never skipped)
    remote_dir: str = "."           # kind sftp: the folder SecuTix's importer reads
    timeout_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _references_only(self) -> "EnvironmentSettings":
        for name in ("key", "key_passphrase", "password", "pseudonym_key"):
            value = getattr(self, name)
            if value is not None and not SECRET_REFERENCE.match(value):
                raise ValueError(f"{name}: write a reference, ${{env:NAME}} or ${{secret:BLOCK}}, never the secret itself")
        return self

    _url_without_password = field_validator("url")(check_no_literal_password)

    @model_validator(mode="after")
    def _kind_needs(self) -> "EnvironmentSettings":
        if self.kind == "sql" and not self.url:
            raise ValueError("kind sql needs url (e.g. sqlite:///envs/dev.sqlite or ${env:PROD_DB_URL})")
        if self.kind == "file-drop" and not self.path:
            raise ValueError("kind file-drop needs path (the folder SecuTix's import service reads)")
        if self.pseudonymise and not self.pseudonym_key:
            raise ValueError("pseudonymise needs pseudonym_key (e.g. ${env:STX_PSEUDONYM_KEY})")
        if self.kind == "sftp":
            missing = [k for k in ("host", "user", "known_hosts") if not getattr(self, k)]
            if not (self.key or self.password):
                missing.append("key or password")
            if missing:
                raise ValueError(f"kind sftp needs {', '.join(missing)} (the server's host key is always checked)")
        return self


def is_production(name: str, settings: EnvironmentSettings) -> bool:
    """An environment marked ``production: true``, or named ``prod`` (the safest reading of a missing mark)."""
    return settings.production or name == "prod"
