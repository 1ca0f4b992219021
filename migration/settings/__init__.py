"""Typed configuration: every YAML the project reads loads into a model that rejects unknown keys."""
from .base import StrictModel, load_yaml_model
from .project import ProjectConfig, load_project

__all__ = ["StrictModel", "load_yaml_model", "ProjectConfig", "load_project"]
