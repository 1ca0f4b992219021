"""Strict pydantic models and a YAML loader that reports every problem at once.

Errors read ``file › path › field: problem (allowed: …)`` (STYLE.md), so a project
leader can fix a whole file in one go.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import ConfigError

M = TypeVar("M", bound=BaseModel)

SECRET_REFERENCE = re.compile(r"^\$\{(env|secret):([A-Za-z_][A-Za-z0-9_./-]*)\}$")


class StrictModel(BaseModel):
    """Base of every configuration model: unknown keys are errors, models are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def read_yaml(path: Path) -> Any:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: file not found") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: not valid YAML ({getattr(e, 'problem', e)})") from e


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
