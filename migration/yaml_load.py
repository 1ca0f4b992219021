"""The one YAML loader of the project: PyYAML's safe loader without its silent surprises.

Every YAML file the project reads (project.yaml, protocol.yaml, the bundled catalogues,
a deliverable's protocol copy) goes through :func:`parse_yaml`.
"""
from __future__ import annotations

from typing import Any

import yaml

from .errors import ConfigError


class _Strict:
    """PyYAML's safe loader, minus its two silent surprises.

    A key given twice in one mapping is an error (PyYAML keeps the last one: a protocol
    declaring LASTNAME twice would silently map the second); an impossible date such as
    ``2027-02-30`` stays text, so the model's date field names it (PyYAML raises a bare
    ``ValueError`` with no file or line).
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark)
                except TypeError:   # an unhashable key: SafeLoader's own error names it
                    continue
                if first is not key_node.start_mark:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} (first given on line {first.line + 1})", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


class StrictYamlLoader(_Strict, yaml.SafeLoader):
    """The pure-Python parser: its error messages are the ones :func:`parse_yaml` gives."""


# libyaml's parser, the same constructors: ~10x faster on the bundled catalogues (every command's start-up)
_FastLoader = type("_FastLoader", (_Strict, yaml.CSafeLoader), {}) if getattr(yaml, "__with_libyaml__", False) else None

for _loader in filter(None, (StrictYamlLoader, _FastLoader)):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _loader.construct_yaml_timestamp)


def parse_yaml(text: str, source: object) -> Any:
    """YAML text → Python data with :class:`StrictYamlLoader`; ConfigError names ``source``, line and column.

    Parsed by libyaml when present; a text it refuses is parsed again by the Python parser,
    so that the message is always the same.
    """
    if _FastLoader is not None:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
        except (yaml.YAMLError, RecursionError):
            pass
    try:
        return yaml.load(text, Loader=StrictYamlLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(e, "problem", None) or e).split())
        raise ConfigError(f"{source}{where}: not valid YAML ({problem})") from None
    except RecursionError:   # thousands of nested brackets
        raise ConfigError(f"{source}: not valid YAML (nested too deeply)") from None


