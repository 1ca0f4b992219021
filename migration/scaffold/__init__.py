"""``stx-migrate init``: a project.yaml and a protocol skeleton guessed from a source (pure: no I/O here)."""
from .guess import Guess, guess_columns
from .render import PROTOCOL_FILE, ScaffoldInput, main_dataset, render_project, render_protocol

__all__ = ["Guess", "guess_columns", "ScaffoldInput", "main_dataset", "render_project", "render_protocol", "PROTOCOL_FILE"]
