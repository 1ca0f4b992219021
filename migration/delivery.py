"""Deliveries to SecuTix's import drop: what was sent, and the ledger that stops a second sending.

A delivery is a deliverable's import file and manifest handed to an environment of kind
``sftp`` or ``file-drop``. The ledger (``<workspace>/<project>/procedure/deliveries.jsonl``,
one JSON line per delivery, appended only once every file is in place) is the record of
what reached the customer's SecuTix: a re-run finds its line and sends nothing, even when
SecuTix's importer has already taken the files away. It holds names, sizes and hashes,
never a value of a contact. Looking a delivery up, sending it and writing its line happen
under one lock (:func:`ledger_locked`): two runs at once cannot both find no line and both send.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .errors import ConfigError
from .deliverable import MANIFEST, read_manifest_files
from .import_files import import_file_names

LEDGER = "deliveries.jsonl"
LEDGER_LOCK = "deliveries.lock"   # flock'ed while a delivery is looked up, sent and recorded

log = logging.getLogger("stx_migrate.delivery")
AWAITING_LOG = "delivered, awaiting SecuTix's log"


@dataclass(frozen=True)
class DeliveredFile:
    name: str          # the name in the drop
    sha256: str
    size: int
    checked: str       # how the copy was checked: "remote sha256sum", "read back", "local copy"


@dataclass
class Delivery:
    env: str
    deliverable_id: str
    run_id: str
    kind: str                                   # sftp | file-drop
    target: str                                 # where, without credentials (user@host:port/dir, a folder)
    files: list[DeliveredFile] = field(default_factory=list)
    delivered_at: str = ""
    what: str = "import"                        # import | service:<operation>

    def as_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def delivery_names(deliverable_folder: Path, deliverable_id: str, ext: str,
                   require_manifest: bool = True) -> list[tuple[Path, str]]:
    """(local file, name in the drop) in sending order: the import file(s), then the manifest (last = complete).

    Past one sheet the xlsx import file is several numbered parts (migration/import_files.py),
    sent in order, all before the manifest.
    """
    manifest = deliverable_folder / MANIFEST
    parts = import_file_names(read_manifest_files(deliverable_folder), ext)
    files = [(deliverable_folder / name, f"{deliverable_id}-{name}") for name in parts or [f"contacts.{ext}"]]
    if require_manifest or manifest.is_file():
        files.append((manifest, f"{deliverable_id}-manifest.json"))
    for local, _ in files:
        if not local.is_file():
            raise ConfigError(f"deliverable {deliverable_id} has no {local.name} to deliver")
    return files


@contextlib.contextmanager
def ledger_locked(procedure_dir: Path) -> Iterator[None]:
    """Hold the project's delivery lock: one delivery at a time, from lookup to its ledger line.

    A second run waits (a delivery ends or fails within its connection timeouts), then finds
    the first one's line and sends nothing. The lock is the kernel's (``flock``): a process
    that dies lets it go, so a killed delivery never blocks the next one.
    """
    procedure_dir = Path(procedure_dir)
    procedure_dir.mkdir(parents=True, exist_ok=True)
    with open(procedure_dir / LEDGER_LOCK, "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another delivery of this project is under way: waiting for it to end")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_ledger(procedure_dir: Path) -> list[Delivery]:
    path = Path(procedure_dir) / LEDGER
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            data = json.loads(line)
            data["files"] = [DeliveredFile(**f) for f in data.get("files", [])]
            out.append(Delivery(**data))
    return out


def find_delivery(procedure_dir: Path, env: str, deliverable_id: str, what: str = "import") -> Delivery | None:
    """The delivery of ``deliverable_id`` (or a service file's id) to ``env``, if one was made."""
    for delivery in read_ledger(procedure_dir):
        if delivery.env == env and delivery.deliverable_id == deliverable_id and delivery.what == what:
            return delivery
    return None


def record_delivery(procedure_dir: Path, delivery: Delivery) -> Delivery:
    """Append ``delivery`` to the ledger (fsynced): from now on it is never sent again."""
    procedure_dir = Path(procedure_dir)
    procedure_dir.mkdir(parents=True, exist_ok=True)
    if not delivery.delivered_at:
        delivery.delivered_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(procedure_dir / LEDGER, "a", encoding="utf-8") as handle:
        handle.write(delivery.as_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return delivery
