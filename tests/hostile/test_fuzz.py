"""Fuzzing the project's inputs (hypothesis): project.yaml, protocol.yaml and the source CSV, mutated.

Every mutant must end in exit 0, 1 or 2 with one clear line on stderr, never a traceback and
never a half-written folder. The commands run in-process against the session's Prefect API
(fast); the number of examples keeps the whole file under two minutes on CI.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from stx_migrate.cli.main import main

BASE = Path(__file__).parent / "fuzz_base"


def fuzz(examples: int) -> settings:
    """Reproducible (derandomized: CI runs the same mutants), no deadline (the machine is shared), no local database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck),
                    database=None, phases=[Phase.explicit, Phase.generate])
WRONG_VALUES = ["[1, 2]", "{a: 1}", "12", "-1", "null", "yes", "2027-02-30", "'" + "x" * 100_000 + "'", "!!binary AAAA",
                "&a x", "*a", "${env:NO_SUCH_VARIABLE}", "'../../../../etc/passwd'", "1e400"]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


@st.composite
def mutated_yaml(draw, text: str) -> bytes:
    """One careless edit of a YAML text: cut, line doubled or dropped, a value of the wrong type, garbage, encoding."""
    lines = _lines(text)
    kind = draw(st.sampled_from(["truncate", "duplicate", "drop", "wrong_value", "garbage", "encoding"]))
    at = draw(st.integers(0, len(lines) - 1))
    if kind == "truncate":
        text = text[:draw(st.integers(0, len(text)))]
    elif kind == "duplicate":
        text = "".join(lines[:at + 1] + [lines[at]] + lines[at + 1:])
    elif kind == "drop":
        text = "".join(lines[:at] + lines[at + 1:])
    elif kind == "wrong_value":
        line = lines[at]
        if ":" in line:
            key = line.split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(WRONG_VALUES))}\n"
        text = "".join(lines)
    elif kind == "garbage":
        spot = draw(st.integers(0, len(text)))
        text = text[:spot] + draw(st.text(min_size=1, max_size=12)) + text[spot:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "cp1252", "utf-16"])) if kind == "encoding" else "utf-8"
    return text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode("utf-8", errors="surrogatepass")


@st.composite
def mutated_csv(draw) -> bytes:
    """The source file, damaged the way exports are: cut, re-encoded, mixed, NUL, a huge cell, no rows, a header twice."""
    text = (BASE / "clients.csv").read_text(encoding="utf-8")
    lines = _lines(text)
    kind = draw(st.sampled_from(["truncate", "cp1252", "mixed", "nul", "huge", "empty", "header_only", "fields",
                                 "duplicate_header", "utf16"]))
    if kind == "truncate":
        return text.encode()[:draw(st.integers(0, len(text)))]
    if kind == "cp1252":
        return text.replace("Dupont", "Müller").encode("cp1252")
    if kind == "mixed":
        return text.replace("Dupont1", "Müller").encode() + "9;M.;Zoé;Érable;z@x.org;CH\n".encode("cp1252")
    if kind == "nul":
        spot = draw(st.integers(0, len(text)))
        return (text[:spot] + "\x00" + text[spot:]).encode()
    if kind == "huge":
        return (text + f"999;M.;{'x' * draw(st.sampled_from([70_000, 200_000, 5 << 20]))};Big;b@x.org;CH\n").encode()
    if kind == "empty":
        return b""
    if kind == "header_only":
        return lines[0].encode()
    if kind == "fields":
        at = draw(st.integers(1, len(lines) - 1))
        lines[at] = lines[at].rstrip("\n") + ";extra;fields\n"
        return "".join(lines).encode()
    if kind == "duplicate_header":
        return (lines[0].rstrip("\n") + ";NOM\n" + "".join(lines[1:])).encode()
    return text.encode("utf-16")


def _project(files: dict[str, bytes]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="stx-fuzz-"))
    shutil.copytree(BASE, folder / "p")
    for name, content in files.items():
        (folder / "p" / name).write_bytes(content)
    return folder


def _run(folder: Path, capsys, *commands: str) -> int:
    """Run the commands in order while they succeed; check every outcome; returns the last exit code."""
    code = 0
    for command in commands:
        code = main([command, "--project", str(folder / "p")])
        err = capsys.readouterr().err
        assert code in (0, 1, 2), (command, code, err)
        assert "Traceback" not in err, err
        if code:
            assert sum(line.startswith("stx-migrate:") for line in err.splitlines()) == 1, err
            break
    staging = list((folder / "ws").glob("**/.staging-*"))
    assert not staging, staging
    return code


@pytest.fixture()
def fuzz_home(monkeypatch, prefect_api):
    def use(folder: Path) -> None:
        monkeypatch.setenv("STX_MIGRATE_HOME", str(folder / "ws"))
    return use


def _with_snapshot(fuzz_home, capsys, files: dict[str, bytes]) -> Path:
    folder = _project({})
    fuzz_home(folder)
    assert _run(folder, capsys, "receive") == 0
    for name, content in files.items():
        (folder / "p" / name).write_bytes(content)
    return folder


@pytest.mark.prefect
@fuzz(40)
@given(mutant=mutated_yaml((BASE / "project.yaml").read_text(encoding="utf-8")))
def test_fuzzed_project_yaml(fuzz_home, capsys, mutant):
    folder = _project({"project.yaml": mutant})
    fuzz_home(folder)
    _run(folder, capsys, "check")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.prefect
@fuzz(12)
@given(mutant=mutated_yaml((BASE / "protocol.yaml").read_text(encoding="utf-8")))
def test_fuzzed_protocol_yaml(fuzz_home, capsys, mutant):
    folder = _with_snapshot(fuzz_home, capsys, {"protocol.yaml": mutant})
    _run(folder, capsys, "check", "prepare")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.prefect
@fuzz(10)
@given(mutant=mutated_csv())
def test_fuzzed_source_file(fuzz_home, capsys, mutant):
    folder = _project({"clients.csv": mutant})
    fuzz_home(folder)
    if _run(folder, capsys, "receive", "prepare") == 2:   # refused: nothing half-received either
        snapshots = folder / "ws" / "fuzz" / "snapshots"
        assert not snapshots.exists() or len(list(snapshots.iterdir())) <= 1
    shutil.rmtree(folder, ignore_errors=True)
