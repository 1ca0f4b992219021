"""The files ``stx-migrate init`` writes: project.yaml and a protocol skeleton, as commented YAML text.

Both load at once (``stx-migrate check`` accepts them): the guessed columns are active
mappings with the steps that fit them, and every source column is listed in a comment
with its guessed SecuTix target, or why none was guessed. Values never appear in the
files (they are personal data); only column names and counts do.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from ..format.catalogue import extended_format
from .guess import Guess, person_score

PROTOCOL_FILE = "protocol.yaml"


@dataclass
class ScaffoldInput:
    """What init learned from the source: the project's ``source`` block and each dataset's guesses."""

    name: str
    origin: str                                  # how the source was given (a file name, a kind and url)
    source: dict[str, Any]                       # the project's source block, as written
    guesses: dict[str, list[Guess]]              # dataset → one guess per column, in source order
    sampled_rows: dict[str, int]
    secutix_file: bool = False                   # the customer's own SecuTix file: pass-through, no protocol


def main_dataset(guesses: dict[str, list[Guess]]) -> str:
    """The dataset that looks most like the contact table (the first one on a tie)."""
    return max(guesses, key=lambda name: person_score(guesses[name]))


def _yaml(data: Any, indent: int = 0) -> str:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.splitlines())


def render_project(scaffold: ScaffoldInput, *, institution: str, organization: str, country: str, language: str,
                   j_date: date) -> str:
    protocol = ("# protocol: protocol.yaml    # none needed: the file passes through; name one to adjust whole columns\n"
                if scaffold.secutix_file else f"protocol: {PROTOCOL_FILE}\n")
    return (
        f"# project.yaml written by `stx-migrate init` from {scaffold.origin}.\n"
        "# Fill in the TODOs, then: stx-migrate check --project <this folder>; stx-migrate receive --project <this folder>\n"
        f"name: {scaffold.name}\n"
        f"institution: {institution}{'   # TODO: the SecuTix institution code' if institution == 'TODO' else ''}\n"
        f"organization: {organization}{'   # TODO: the SecuTix organization code' if organization == 'TODO' else ''}\n"
        f"country: {country}            # the institution's country: phone context, COUNTRY default\n"
        f"language: {language}          # the institution's language: PREF_LANG default\n"
        f"j_date: {j_date.isoformat()}   # TODO: the go-live date J (milestones J-14, J-7, J-1, J)\n"
        "source:\n" + _yaml(scaffold.source, 2) + protocol +
        "environments:\n"
        "  dev: {kind: sql, url: \"sqlite:///envs/dev.sqlite\"}   # the trial import: an emulated store\n"
        "# retention: {cutoff: YYYY-MM-DD}   # the customer's cut-off for 'older data must be deleted'\n"
    )


def _comment_lines(guesses: list[Guess]) -> list[str]:
    width = max((len(g.column) for g in guesses), default=0)
    lines = []
    for g in guesses:
        target = {"@contact_number": "contact number"}.get(g.target or "", g.target or "?")
        lines.append(f"#   {g.column.ljust(width)}  → {target}: {g.reason}")
    return lines


def render_protocol(scaffold: ScaffoldInput) -> str:
    """The protocol skeleton (for a SecuTix file: an overlay with every column commented)."""
    main = main_dataset(scaffold.guesses)
    guesses = scaffold.guesses[main]
    head = [f"# {PROTOCOL_FILE} skeleton written by `stx-migrate init` from {scaffold.origin}",
            f"# ({scaffold.sampled_rows.get(main, 0)} rows of dataset {main} sampled to guess the columns).",
            "# Every source column, with the SecuTix column guessed for it (? = none: map it or leave it out).",
            "# The guessed ones are active below; check each, then extend it (docs/protocol.md).", "#",
            f"# Columns of {main}:"] + _comment_lines(guesses)
    others = [name for name in scaffold.guesses if name != main]
    if others:
        head += ["#", "# Other datasets (join or pivot them under datasets: when they hold contact data):"]
        head += [f"#   {name}: " + ", ".join(g.column for g in scaffold.guesses[name]) for name in others]
    if scaffold.secutix_file:
        body = {"columns": {}}
        head += ["#", "# The file is in the SecuTix layout: every column passes through unchanged. To adjust one,",
                 "# name this file as protocol: in project.yaml and add it, e.g.",
                 "#   LASTNAME: {from: LASTNAME, steps: [fold_whitespace, {case: upper}]}"]
        return "\n".join(head) + "\n" + _yaml(body)
    layout = extended_format().layout()
    active = sorted((g for g in guesses if g.target and not g.target.startswith("@")), key=lambda g: layout.index(g.target))
    body: dict[str, Any] = {"version": 1, "description": f"{scaffold.name}: {main} to SecuTix (skeleton from stx-migrate init)",
                            "datasets": {"main": main}}
    number = next((g.column for g in guesses if g.target == "@contact_number"), None)
    if number:
        body["contact_number"] = {"from": number}
    body["columns"] = {g.target: ({"from": g.column, "steps": g.steps} if g.steps else {"from": g.column}) for g in active}
    return "\n".join(head) + "\n" + _yaml(body)
