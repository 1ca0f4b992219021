"""The protocol hash of a project's protocol file, without a snapshot (the J-1 refresh guard needs it first)."""
from __future__ import annotations

from pathlib import Path

from stx_migrate.migration.protocol.compile import protocol_hash
from stx_migrate.migration.protocol.model import ProtocolModel
from stx_migrate.migration.settings.base import read_yaml, validate_model


def protocol_file_hash(protocol_file: Path) -> str:
    """The content hash prepare will record for ``protocol_file`` (ConfigError when it does not load)."""
    model = validate_model(ProtocolModel, read_yaml(Path(protocol_file)), str(protocol_file))
    return protocol_hash(model)
