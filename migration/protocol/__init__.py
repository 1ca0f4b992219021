"""The transformation protocol: a YAML language of whole-column, named, typed operations.

``compile_protocol`` checks a protocol against a snapshot's columns before any row is
touched; ``apply_protocol`` runs it. See docs/protocol.md.
"""
from .apply import ProtocolResult, apply_protocol
from .compile import CompiledProtocol, compile_protocol, protocol_hash, snapshot_columns
from .registry import ProjectContext, operation_names

__all__ = [
    "CompiledProtocol", "ProjectContext", "ProtocolResult", "apply_protocol", "compile_protocol",
    "operation_names", "protocol_hash", "snapshot_columns",
]
