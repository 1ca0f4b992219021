"""A file that appears only when complete: written under a partial name, renamed into place."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def staged_file(path: Path) -> Iterator[Path]:
    """The partial path to write (``.<name>.partial`` beside ``path``); renamed to ``path`` when the
    block ends without an error, deleted otherwise: a reader never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
