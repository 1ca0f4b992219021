"""Strict pydantic models and a YAML loader that reports every problem at once.

Errors read ``file › path › field: problem (allowed: …)``, so a project
leader can fix a whole file in one go.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError
from ..yaml_load import parse_yaml

M = TypeVar("M", bound=BaseModel)

SECRET_REFERENCE = re.compile(r"^\$\{(env|secret):([A-Za-z_][A-Za-z0-9_./-]*)\}$")
_ANY_REFERENCE = re.compile(r"\$\{(env|secret):[A-Za-z_][A-Za-z0-9_./-]*\}")
_URL_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<userinfo>[^/@]*)@")
_ODBC_PASSWORD = re.compile(r"(?i)(?:^|;)\s*(?:PWD|PASSWORD)\s*=\s*(?P<pw>\{[^}]*\}|[^;]*)")


def check_no_literal_password(url: str | None) -> str | None:
    """A validator for URLs and ODBC strings: a password must be a reference, never written out."""
    if not url:
        return url
    masked = _ANY_REFERENCE.sub("\x00", url)
    user = _URL_USERINFO.match(masked)
    passwords = [user.group("userinfo").partition(":")[2]] if user else []
    passwords += [m.group("pw").strip().strip("{}") for m in _ODBC_PASSWORD.finditer(masked)]
    if any(pw not in ("", "\x00") for pw in passwords):
        raise ValueError("holds a literal password: write it as ${env:NAME} or ${secret:BLOCK} (never the password itself)")
    return url


class StrictModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def read_yaml(path: Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: file not found") from e
    except IsADirectoryError as e:
        raise ConfigError(f"{path}: is a folder, not a YAML file") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    return parse_yaml(text, path)


def format_validation_error(source: str, error: ValidationError) -> list[str]:
    """Turn pydantic's errors into ``file › path › field: problem (allowed: …)`` lines."""
    lines = []
    for item in error.errors():
        path = " › ".join(str(p) for p in item["loc"]) or "(top level)"
        problem = item["msg"]
        if item["type"] == "extra_forbidden":
            problem = "unknown key"
        allowed = ""
        ctx = item.get("ctx") or {}
        if "expected" in ctx:
            allowed = f" (allowed: {ctx['expected']})"
        lines.append(f"{source} › {path}: {problem}{allowed}")
    return lines


def validate_model(model: type[M], data: Any, source: str, context: dict | None = None) -> M:
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as e:
        raise ConfigError(format_validation_error(source, e)) from None


def load_yaml_model(path: Path, model: type[M], context: dict | None = None) -> M:
    """Load ``path`` into ``model``; every problem in the file is reported in one ConfigError."""
    return validate_model(model, read_yaml(path), str(path), context)
