"""Where runs keep their data: the workspace (``STX_MIGRATE_HOME``, default ``./workspace``).

The workspace holds customer data and is never committed. Its layout::

    <home>/<project>/snapshots/<id>/         manifest.json + one Parquet file per dataset
    <home>/<project>/deliverables/<id>/      contacts.xlsx, contacts.csv, rejects.csv, ...
    <home>/<project>/imports/<env>/<id>/     one import run into one environment
    <home>/<project>/services/<env>/<id>/    one contact-service run
    <home>/<project>/procedure/              decisions, ticket journal, procedure state

Folders are created under a hidden staging name and renamed into place only when
the step succeeded, so a failed step never leaves a half-written folder behind and
``latest`` never sees one.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

HOME_VARIABLE = "STX_MIGRATE_HOME"
_ID_PATTERN = re.compile(r"^\d{8}T\d{6}\d{3}Z-[0-9a-f]{6}$")
_STAGING_PREFIX = ".staging-"
_OWNER_FILE = ".owner"


def workspace_home() -> Path:
    """The workspace root: ``$STX_MIGRATE_HOME`` or ``./workspace``."""
    return Path(os.environ.get(HOME_VARIABLE, "workspace")).resolve()


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique id such as ``20261125T144512123Z-3fa2c1``."""
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-" + secrets.token_hex(3)


def is_run_id(name: str) -> bool:
    return bool(_ID_PATTERN.match(name))


class Workspace:
    """The folders of one project inside the workspace home."""

    def __init__(self, project_name: str, home: Path | None = None):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", project_name):
            raise ValueError(f"project name {project_name!r} cannot be used as a folder name")
        self.home = (home or workspace_home()).resolve()
        self.root = self.home / project_name

    def kind_dir(self, kind: str, env: str | None = None) -> Path:
        path = self.root / kind
        return path / env if env else path

    @property
    def procedure_dir(self) -> Path:
        path = self.root / "procedure"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def ids(self, kind: str, env: str | None = None) -> list[str]:
        """Finished folders of a kind, oldest first (staging folders are never listed)."""
        base = self.kind_dir(kind, env)
        if not base.is_dir():
            return []
        return sorted(p.name for p in base.iterdir() if p.is_dir() and is_run_id(p.name))

    def latest(self, kind: str, env: str | None = None) -> str | None:
        ids = self.ids(kind, env)
        return ids[-1] if ids else None

    def path(self, kind: str, run_id: str, env: str | None = None) -> Path:
        """The folder of a finished run; ``FileNotFoundError`` names what exists."""
        if not is_run_id(run_id):
            raise FileNotFoundError(f"{run_id!r} is not a {kind} id (ids look like {new_run_id()})")
        path = self.kind_dir(kind, env) / run_id
        if not path.is_dir():
            known = ", ".join(self.ids(kind, env)[-5:]) or "none yet"
            raise FileNotFoundError(f"no {kind} {run_id} in {self.kind_dir(kind, env)} (latest: {known})")
        return path

    def resolve(self, kind: str, run_id: str | None, env: str | None = None) -> Path:
        """The folder for ``run_id``, or the latest one when ``run_id`` is None."""
        chosen = run_id or self.latest(kind, env)
        if chosen is None:
            raise FileNotFoundError(f"no {kind} yet in {self.kind_dir(kind, env)}")
        return self.path(kind, chosen, env)

    @contextlib.contextmanager
    def new_folder(self, kind: str, env: str | None = None, run_id: str | None = None) -> Iterator[Path]:
        """Yield a staging folder; on success it is renamed to its final id, on failure removed.

        The final path is ``staging.parent / staging.name[len('.staging-'):]``; use
        :func:`final_path` to know it in advance (for manifests that cite it).
        """
        run_id = run_id or new_run_id()
        base = self.kind_dir(kind, env)
        base.mkdir(parents=True, exist_ok=True)
        staging = base / f"{_STAGING_PREFIX}{run_id}"
        staging.mkdir()
        owner = _hold(staging / _OWNER_FILE)   # released by the kernel if this process is killed
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            owner.close()
            raise
        (staging / _OWNER_FILE).unlink(missing_ok=True)
        owner.close()
        os.replace(staging, base / run_id)

    def remove_stale_staging(self) -> list[Path]:
        """Remove staging folders whose process died (a SIGKILL skips every cleanup); returns them.

        A staging folder holds personal data; its owner holds a lock on ``.owner`` while it
        writes, so a folder whose lock can be taken belongs to no living process. One with no
        ``.owner`` (killed between mkdir and lock) counts as stale after a minute.
        """
        removed = []
        for staging in self.root.glob(f"**/{_STAGING_PREFIX}*") if self.root.is_dir() else []:
            if staging.is_dir() and _abandoned(staging):
                shutil.rmtree(staging, ignore_errors=True)
                removed.append(staging)
        return removed


def _hold(path: Path):
    handle = open(path, "w")
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _abandoned(staging: Path) -> bool:
    owner = staging / _OWNER_FILE
    if not owner.exists():
        return time.time() - staging.stat().st_mtime > 60
    with open(owner) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:   # held: its process is alive and still writing
            return False
        return True


def final_path(staging: Path) -> Path:
    """Where a staging folder from :meth:`Workspace.new_folder` will end up."""
    return staging.parent / staging.name.removeprefix(_STAGING_PREFIX)


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Write into a sibling staging folder and move it to ``out_dir`` only on success.

    For commands with an explicit ``--out DIR`` (validate, dedup): files in an
    existing ``out_dir`` are replaced one by one, never left half-written.
    """
    out_dir = Path(out_dir).resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f"{_STAGING_PREFIX}{out_dir.name}-{secrets.token_hex(3)}"
    staging.mkdir()
    try:
        yield staging
        out_dir.mkdir(exist_ok=True)
        for item in staging.iterdir():
            os.replace(item, out_dir / item.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
