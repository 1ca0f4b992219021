"""Secret references: resolved at connect time, never written anywhere.

A setting that holds a secret holds a reference, ``${env:NAME}`` (an environment
variable) or ``${secret:BLOCK}`` (a Prefect Secret block, imported lazily so that
the pure core and the CLI's ``check`` never import Prefect). References may sit
inside a longer value, e.g. ``postgresql://app:${env:PGPW}@db/crm``.

:class:`Resolved` remembers the secret values it produced so that any text leaving
a connector (an error message, a description) can be scrubbed of them.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from stx_migrate.migration.errors import ConfigError

REFERENCE = re.compile(r"\$\{(env|secret):([A-Za-z_][A-Za-z0-9_./-]*)\}")
MASK = "***"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

# key=value pairs of an ODBC connection string whose value is a secret
_ODBC_SECRET_KEYS = re.compile(r"(?i)\b(PWD|PASSWORD|PASS)\s*=\s*(\{[^}]*\}|[^;\s]*)")
# user:password@ in a URL
_URL_PASSWORD = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")


@dataclass
class Resolved:
    """A value with its references replaced, and the secret values that went into it."""

    value: str
    secrets: list[str] = field(default_factory=list)


def _lookup(kind: str, name: str, where: str) -> str:
    if kind == "env":
        if name not in os.environ:
            raise ConfigError(f"{where}: environment variable {name} is not set (referenced as ${{env:{name}}})")
        return os.environ[name]
    try:
        from prefect.blocks.system import Secret  # lazily: only a project that uses a block pays for Prefect
    except ImportError as e:  # pragma: no cover - prefect is a dependency
        raise ConfigError(f"{where}: ${{secret:{name}}} needs Prefect installed") from e
    try:
        value = Secret.load(name).get()
    except Exception as e:  # the block's value is not in the error: Prefect says only that it is missing
        raise ConfigError(f"{where}: Prefect Secret block {name!r} cannot be loaded ({type(e).__name__})") from None
    return value if isinstance(value, str) else str(value)


def resolve(value: str | None, where: str = "source") -> Resolved:
    """Replace every ``${env:NAME}`` / ``${secret:BLOCK}`` in ``value``.

    ``where`` names the setting in error messages (``project.yaml › source › url``).
    Raises ConfigError when a variable is not set or a block cannot be loaded; the
    message names the reference, never a value.
    """
    if value is None:
        return Resolved("")
    found: list[str] = []
    userinfo_end = _userinfo_end(value)

    def replace(match: re.Match) -> str:
        secret = _lookup(match.group(1), match.group(2), where)
        if secret:
            found.append(secret)
        if match.start() < userinfo_end:   # user or password of a URL: '@', ':', '/', '%' must not cut it
            quoted = quote(secret, safe="!$&'()*+,;=")   # RFC 3986 sub-delims may stay
            if quoted != secret:
                found.append(quoted)
            return quoted
        return secret

    return Resolved(REFERENCE.sub(replace, value), found)


def _userinfo_end(value: str) -> int:
    """Where the ``user:password`` part of a URL ends (its ``@``), or -1 (not a URL, or none)."""
    scheme = _URL_SCHEME.match(value)
    if not scheme:
        return -1
    rest = REFERENCE.sub(lambda m: "x" * len(m.group(0)), value[scheme.end():])   # names may hold '/' and '.'
    at, slash = rest.find("@"), rest.find("/")
    return scheme.end() + at if at != -1 and (slash == -1 or at < slash) else -1


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` without passwords: URL passwords, ODBC ``PWD=`` values and any known secret value.

    Use it on anything that may leave a connector: descriptions for the manifest,
    error messages, log lines.
    """
    if not text:
        return text
    out = text
    # known values first (longest first, so that a secret containing another is masked whole),
    # then the patterns, which cannot know where an unquoted password with a space ends
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        out = out.replace(secret, MASK)
    out = _URL_PASSWORD.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{MASK}@", out)
    return _ODBC_SECRET_KEYS.sub(lambda m: f"{m.group(1)}={MASK}", out)


def redact_url(url: str | None) -> str | None:
    """A URL or ODBC connection string fit for a manifest: references kept as written, passwords masked."""
    if url is None:
        return None
    return redact(url)
