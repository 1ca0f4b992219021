"""``project.yaml``: one customer's migration (architecture §4; the keys there are a contract)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import Field, field_validator

from .base import StrictModel, load_yaml_model
from .dedup import DedupSettings
from .environments import EnvironmentSettings
from .gate import GateSettings
from .import_log import ImportLogSettings
from .output import OutputSettings
from .prepare import ContactNumberPolicy, RetentionSettings
from .procedure import ExecutionSettings, RefreshSettings, TicketSettings, ValidationSettings
from .source import SourceSettings

PROJECT_FILE = "project.yaml"


class ProjectConfig(StrictModel):
    name: str
    customer: str | None = None
    institution: str = Field(max_length=15)
    organization: str = Field(max_length=8)
    country: str = "FR"                 # the institution's country: phone context, COUNTRY default
    language: str = "fr"                # the institution's language: PREF_LANG default
    j_date: date
    project_leader: str | None = None
    ticket: TicketSettings = TicketSettings()
    validation: ValidationSettings = ValidationSettings()
    refresh: RefreshSettings = RefreshSettings()
    source: SourceSettings
    protocol: str | None = None         # the protocol file (protocol.yaml when absent; none for a secutix-file: pass-through)
    environments: dict[str, EnvironmentSettings] = Field(default_factory=dict)
    contact_numbers: ContactNumberPolicy = ContactNumberPolicy()
    retention: RetentionSettings = RetentionSettings()
    gate: GateSettings = GateSettings()
    dedup: DedupSettings = DedupSettings()
    output: OutputSettings = OutputSettings()
    execution: ExecutionSettings = ExecutionSettings()
    import_log: ImportLogSettings = ImportLogSettings()   # SecuTix's import log of a delivered file (docs/import-log.md)

    @field_validator("name")
    @classmethod
    def _folder_safe(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", value):
            raise ValueError("use letters, digits, '.', '_' and '-' only (it names a workspace folder)")
        return value


class Project:
    """A loaded project: its folder and its typed configuration."""

    def __init__(self, folder: Path, config: ProjectConfig):
        self.folder = Path(folder).resolve()
        self.config = config

    def path(self, relative: str) -> Path:
        """A path from the project file, relative to the project folder."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else self.folder / candidate


def load_project(folder: Path) -> Project:
    """Load ``folder/project.yaml``; ConfigError lists every problem in the file."""
    folder = Path(folder)
    return Project(folder, load_yaml_model(folder / PROJECT_FILE, ProjectConfig))
