"""Hostile source files: refused with file, line or row and column, never mangled or half-read."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.errors import InputError
from stx_migrate.migration.settings import load_project


def project(folder: Path, dataset: dict, kind: str = "csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {"name": "hostile-src", "institution": "I", "organization": "O", "j_date": "2027-03-01",
              "source": {"kind": kind, "datasets": {"clients": dataset}}}
    (folder / "project.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def receive(folder: Path):
    return receive_snapshot(load_project(folder)).snapshot


def refused(folder: Path, *fragments: str) -> str:
    with pytest.raises(InputError) as raised:
        receive(folder)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_mixed_utf8_and_cp1252_is_refused_naming_both_lines(tmp_path, workspace_home):
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    (folder / "clients.csv").write_bytes("ID;NOM\n1;Müller\n".encode() + "2;Müller\n".encode("cp1252"))
    refused(folder, "clients.csv", "mixes UTF-8 (line 2)", "byte 0xfc at line 3")
    assert not (workspace_home / "hostile-src" / "snapshots").exists() or \
        not any((workspace_home / "hostile-src" / "snapshots").iterdir())


def test_a_utf8_letter_cut_by_the_scans_block_boundary_is_still_found(tmp_path, workspace_home):
    """The encoding scan reads 16 MiB blocks: a UTF-8 'é' whose two bytes straddle two blocks still counts."""
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    head = "ID;NOM\n1;Müller\n".encode("cp1252")
    filler = b"2;" + b"x" * ((16 << 20) - 1 - len(head) - 3) + b"\n"   # line 4 starts one byte before 16 MiB
    (folder / "clients.csv").write_bytes(head + filler + "é;3\n".encode())
    refused(folder, "clients.csv", "mixes UTF-8 (line 4)", "byte 0xfc at line 2")


def test_a_clean_cp1252_file_is_still_read(tmp_path, workspace_home):
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    (folder / "clients.csv").write_bytes("ID;NOM\n1;Müller\n2;École\n".encode("cp1252"))
    assert receive(folder).read_dataset("clients")["NOM"].tolist() == ["Müller", "École"]


def test_a_nul_byte_is_refused_with_its_line(tmp_path, workspace_home):
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    (folder / "clients.csv").write_bytes(b"ID;NOM\n1;Martin\n2;Mul\x00ler\n")
    refused(folder, "clients.csv", "NUL byte (0x00) at line 3")


@pytest.mark.parametrize("quoted", [False, True])
def test_a_10_mb_cell_is_one_clear_line_naming_row_and_column(tmp_path, workspace_home, quoted):
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    cell = "x" * (10 << 20)
    (folder / "clients.csv").write_text(f"ID;NOM\n1;Martin\n2;{chr(34) + cell + chr(34) if quoted else cell}\n3;B\n",
                                        encoding="utf-8")
    message = refused(folder, "row 2", "column NOM", "a cell of 10.0 MB")
    assert "\n" not in message and "straddl" not in message


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd"])
def test_a_file_dataset_may_not_escape_the_project_folder(tmp_path, workspace_home, path):
    refused(project(tmp_path / "p", {"file": path}), "outside the project folder")


def test_a_symbolic_link_out_of_the_project_is_refused(tmp_path, workspace_home):
    folder = project(tmp_path / "p", {"file": "clients.csv"})
    (tmp_path / "secret.csv").write_text("ID;NOM\n1;x\n", encoding="utf-8")
    (folder / "clients.csv").symlink_to(tmp_path / "secret.csv")
    refused(folder, "outside the project folder")


def _bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * (300 << 20) + "</a>")
    assert path.stat().st_size < 2 << 20
    return path


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path, workspace_home):
    folder = project(tmp_path / "p", {"file": "clients.xlsx"}, kind="excel")
    _bomb(folder / "clients.xlsx")
    refused(folder, "clients.xlsx", "compression ratio")


def test_a_secutix_file_zip_bomb_is_refused_by_validate(tmp_path, capsys):
    from stx_migrate.cli.main import main

    assert main(["validate", str(_bomb(tmp_path / "contacts.xlsx")), "--out", str(tmp_path / "report")]) == 2
    err = capsys.readouterr().err
    assert "compression ratio" in err and "Traceback" not in err and not (tmp_path / "report").exists()
