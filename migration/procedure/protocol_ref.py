"""The protocol hash of a project's protocol file, without a snapshot (the J-1 refresh guard needs it first)."""
from __future__ import annotations

from pathlib import Path

import yaml

from stx_migrate.migration.protocol.compile import protocol_hash
from stx_migrate.migration.protocol.model import ProtocolModel
from stx_migrate.migration.settings.base import read_yaml, validate_model


def protocol_file_hash(protocol_file: Path) -> str:
    """The content hash prepare will record for ``protocol_file`` (ConfigError when it does not load)."""
    model = validate_model(ProtocolModel, read_yaml(Path(protocol_file)), str(protocol_file))
    return protocol_hash(model)


def project_protocol_hash(project) -> str:
    """The hash prepare will record for the project's protocol (its file, or a secutix-file's pass-through)."""
    from stx_migrate.migration.protocol.project_protocol import project_protocol_text

    file, text = project_protocol_text(project)
    if text is None:
        return protocol_file_hash(file)
    return protocol_hash(validate_model(ProtocolModel, yaml.safe_load(text), str(file)))
