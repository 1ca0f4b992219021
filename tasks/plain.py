"""Whether this process runs its flows plainly, without a Prefect server (``deployments/run_mode.py``).

A plain run has no API: a task cannot be submitted to a runner, a flow cannot pause for a
person. The few places that would do so ask :func:`is_plain` and do the plain thing instead.
"""
from __future__ import annotations

_plain = False


def is_plain() -> bool:
    return _plain


def set_plain(plain: bool = True) -> None:
    global _plain
    _plain = plain
