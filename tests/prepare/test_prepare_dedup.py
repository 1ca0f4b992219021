"""Dedup inside prepare: kept review decisions and identities, existing contacts, review.xlsx, the UI artifact.

The demo source (600 rows) gets two planted copies that score between the review and
auto-merge thresholds: Hélène de la Tour (100007) and Michèle Bérard (100005), each copied
with a misspelt last name, another address, no birth date and no phone, the same e-mail.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from stx_migrate.connectors.sources.receive import receive_snapshot
from stx_migrate.migration.dedup import DECISIONS_FILE, IDENTITIES_FILE, duplicates_artifact_rows
from stx_migrate.migration.dedup.project import RETURNED_DIR
from stx_migrate.migration.deliverable import Deliverable
from stx_migrate.migration.prepare import FILES, REVIEW_FILE, prepare_deliverable
from stx_migrate.migration.reference import load_reference
from stx_migrate.migration.settings import load_project
from stx_migrate.migration.workspace import Workspace
from api_reads import all_artifacts

PAIR_A = ("nr:100007", "nr:199501")     # de la Tour / de la Tourr
PAIR_B = ("nr:100005", "nr:199502")     # Bérard / Bérart


def _copy_client(db, nr: int, new_nr: int, **changes) -> None:
    cols = [r[1] for r in db.execute("PRAGMA table_info(CLIENT)")]
    row = dict(zip(cols, db.execute("SELECT * FROM CLIENT WHERE NUM_CLIENT = ?", (nr,)).fetchone()))
    row.update(NUM_CLIENT=new_nr, **changes)
    db.execute(f"INSERT INTO CLIENT ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})", [row[c] for c in cols])


def _plant_review_pairs(project_dir) -> None:
    moved = dict(ADRESSE="3 avenue des Alpes", CP="1003", VILLE="Lausanne", DATE_NAISSANCE="", TEL="")
    db = sqlite3.connect(project_dir / "data" / "legacy.sqlite")
    _copy_client(db, 100007, 199501, NOM="de la Tourr", **moved)
    _copy_client(db, 100005, 199502, NOM="Bérart", **moved)
    db.commit()
    db.close()
    # The learned model (docs/dedup.md) is sure of a moved copy sharing the e-mail (probability
    # 0.97-0.99 here, so it merges it); this test is about the review loop: raise auto_merge.
    with open(project_dir / "project.yaml", "a", encoding="utf-8") as f:
        f.write("dedup: {auto_merge: 0.995, review: 0.9}\n")


@pytest.fixture()
def planted(demo_project):
    _plant_review_pairs(demo_project)
    return demo_project


def _receive(project_dir):
    return receive_snapshot(load_project(project_dir)).snapshot


def _prepare(project_dir, snapshot, existing=None):
    results = []
    folder = prepare_deliverable(load_project(project_dir), snapshot.path, load_reference(project_dir / "reference.yaml"), [],
                                 existing_contacts=existing, on_dedup=results.append)
    return folder, results[0]


def _review_rows(folder) -> list[dict]:
    sheet = openpyxl.load_workbook(folder / REVIEW_FILE)["review"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _reconciles(folder) -> None:
    d = Deliverable(folder)
    s = d.summary()
    assert s.rows_in == s.valid + s.rejected + s.merged + s.dropped
    assert len(d.contacts()) == s.valid and len(d.duplicates()) == s.merged
    assert s.to_review == len(_review_rows(folder))


def _return_review(folder, procedure_dir, decisions: dict[tuple[str, str], str]) -> None:
    """The customer fills review.xlsx and it is dropped into procedure/dedup-returned/."""
    book = openpyxl.load_workbook(folder / REVIEW_FILE)
    sheet = book["review"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in ("decision", "decided by", "key 1", "key 2")}
    for row in range(2, sheet.max_row + 1):
        pair = (sheet.cell(row, col["key 1"]).value, sheet.cell(row, col["key 2"]).value)
        if pair in decisions:
            sheet.cell(row, col["decision"], decisions[pair])
            sheet.cell(row, col["decided by"], "Claire (test)")
    (procedure_dir / RETURNED_DIR).mkdir(parents=True, exist_ok=True)
    book.save(procedure_dir / RETURNED_DIR / "review-returned.xlsx")


def _identities(procedure_dir) -> dict[str, str]:
    frame = pd.read_csv(procedure_dir / IDENTITIES_FILE, dtype=str, keep_default_na=False)
    return dict(zip(frame["key"], frame["identity"]))


def test_review_xlsx_lists_the_pairs_and_a_replay_with_kept_decisions_is_byte_identical(planted):
    snapshot = _receive(planted)
    first, result = _prepare(planted, snapshot)
    rows = _review_rows(first)
    assert sorted((r["key 1"], r["key 2"]) for r in rows) == sorted([PAIR_A, PAIR_B])
    a = next(r for r in rows if (r["key 1"], r["key 2"]) == PAIR_A)
    assert (a["LASTNAME 1"], a["LASTNAME 2"], a["TOWN 2"]) == ("de la Tour", "de la Tourr", "Lausanne")
    assert a["EMAIL1 1"] == a["EMAIL1 2"] != "" and a["decision"] in ("", None)
    assert Deliverable(first).summary().to_review == result.to_review == 2
    assert REVIEW_FILE in json.loads((first / "manifest.json").read_text())["files"]
    _reconciles(first)
    procedure = Workspace("demo-theatre").procedure_dir
    assert (procedure / DECISIONS_FILE).exists() and (procedure / IDENTITIES_FILE).exists()

    # the second run reads the decisions and identities the first one saved: same bytes
    second, _ = _prepare(planted, snapshot)
    assert second != first
    for name in sorted(FILES) + ["manifest.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_returned_decisions_apply_on_the_next_prepare_and_hold_at_j_1(planted):
    procedure = Workspace("demo-theatre").procedure_dir
    first, _ = _prepare(planted, _receive(planted))
    ids_first = _identities(procedure)
    _return_review(first, procedure, {PAIR_A: "merge", PAIR_B: "keep apart"})

    second, result = _prepare(planted, _receive(planted))
    assert result.to_review == 0 and _review_rows(second) == []
    duplicates = Deliverable(second).duplicates()
    merged = duplicates[duplicates["rule"] == "review"]
    assert merged[["source_ref", "survivor_ref"]].values.tolist() == [["clients:199501", "clients:100007"]]
    contacts = Deliverable(second).contacts()
    assert {"100005", "199502"} <= set(contacts["CONTACT_NR"]) and "199501" not in set(contacts["CONTACT_NR"])
    assert Deliverable(second).summary().merged == Deliverable(first).summary().merged + 1
    _reconciles(second)
    assert not (procedure / RETURNED_DIR / "review-returned.xlsx").exists()
    assert (procedure / RETURNED_DIR / "applied" / "review-returned.xlsx").exists()
    kept = pd.read_csv(procedure / DECISIONS_FILE, dtype=str, keep_default_na=False)
    assert sorted(kept[["left_key", "right_key", "decision"]].values.tolist()) == [
        [*PAIR_B, "keep_apart"], [*PAIR_A, "merge"]]

    # J-1: a new extraction (a client moved, a new one), no review file this time: the decisions hold
    db = sqlite3.connect(planted / "data" / "legacy.sqlite")
    db.execute("UPDATE CLIENT SET VILLE = 'Carouge' WHERE NUM_CLIENT = 100008")
    _copy_client(db, 100009, 199600, NOM="Zufferey-Nouveau", PRENOM="Quentin", EMAIL="q.nouveau@example.org", TEL="")
    db.commit()
    db.close()
    later = _receive(planted)
    third, result = _prepare(planted, later)
    assert Deliverable(third).manifest.snapshot_id == later.id
    assert result.to_review == 0
    duplicates = Deliverable(third).duplicates()
    assert duplicates.loc[duplicates["rule"] == "review", "source_ref"].tolist() == ["clients:199501"]
    assert {"100005", "199502"} <= set(Deliverable(third).contacts()["CONTACT_NR"])
    _reconciles(third)

    # migration identities: every record keeps the identity it had; the merged copy takes its survivor's
    ids_third = _identities(procedure)
    assert all(ids_third[k] == v for k, v in ids_first.items() if k != PAIR_A[1])
    assert ids_third[PAIR_A[1]] == ids_third[PAIR_A[0]] == PAIR_A[0]
    assert ids_third[PAIR_B[1]] != ids_third[PAIR_B[0]]
    assert result.identities["clients:199501"] == PAIR_A[0]


def _seed_dev(project_dir, contacts: pd.DataFrame) -> None:
    from stx_migrate.config.demo_data import demo_reference
    from stx_migrate.migration.store import import_contacts, open_store, seed_reference_data

    store = open_store(f"sqlite:///{project_dir / 'envs' / 'dev.sqlite'}", name="dev")
    try:
        seed_reference_data(store, demo_reference(), institutions=["DEMO"])
        import_contacts(store, contacts, run_id="seed", deliverable_id="seed")
    finally:
        store.dispose()


def test_contacts_already_in_the_environment_are_merged_not_inserted_again(demo_project):
    from stx_migrate.connectors.target import existing_contacts

    project = load_project(demo_project)
    snapshot = _receive(demo_project)
    assert existing_contacts(project, "dev") is None            # no store yet: none is created to read it
    assert not (demo_project / "envs" / "dev.sqlite").exists()
    before, _ = _prepare(demo_project, snapshot)
    valid = Deliverable(before).contacts()
    # three individuals of this deliverable already live in dev under other contact numbers
    people = valid[(valid["OFFICIAL_NAME"] == "") & (valid["EMAIL1"] != "")].head(3).copy()
    originals = people["CONTACT_NR"].tolist()
    people[[c for c in people.columns if c.startswith("CRIT")]] = ""
    people["CONTACT_NR"] = ["500001", "500002", "500003"]
    people.index = pd.Index([f"seed:{i}" for i in range(3)], name="source_ref")
    _seed_dev(demo_project, people)
    assert existing_contacts(project, None) is None             # prepare without --env matches nothing
    existing = existing_contacts(project, "dev")
    assert len(existing) == 3 and list(existing.index) == ["dev:500001", "dev:500002", "dev:500003"]

    after, result = _prepare(demo_project, snapshot, existing=existing)
    duplicates = Deliverable(after).duplicates()
    into_dev = duplicates[duplicates["survivor_ref"].str.startswith("dev:")]
    assert sorted(into_dev[["contact_nr", "survivor_ref", "survivor_contact_nr"]].values.tolist()) == sorted(
        [old, f"dev:{new}", new] for old, new in zip(originals, ["500001", "500002", "500003"]))
    contacts = Deliverable(after).contacts()
    assert not contacts["CONTACT_NR"].isin(originals).any()
    s_before, s_after = Deliverable(before).summary(), Deliverable(after).summary()
    assert (s_after.merged, s_after.valid) == (s_before.merged + 3, s_before.valid - 3)
    assert s_after.rows_in == s_after.valid + s_after.rejected + s_after.merged + s_after.dropped
    _reconciles(after)
    # an identity once given is kept: the rows merged into dev's contacts keep the one the first prepare gave
    assert sorted(result.identities[into_dev["source_ref"]]) == sorted(f"nr:{nr}" for nr in originals)


def _personal_values(*frames: pd.DataFrame) -> set[str]:
    columns = ["FIRSTNAME", "LASTNAME", "EMAIL1", "TELEPHONE", "CELLPHONE", "LINE1", "BIRTHDATE"]
    return {v for f in frames for c in columns if c in f for v in f[c]} - {""}


def test_the_artifact_rows_carry_references_and_counts_only(planted):
    folder, result = _prepare(planted, _receive(planted))
    rows = duplicates_artifact_rows(result)
    counts = {r["rule"]: r["rows"] for r in rows if r["kind"] == "count"}
    assert counts["to_review"] == 2 and counts["email"] >= 1 and counts["candidate_pairs"] > 0
    assert {(r["source_ref"], r["other_ref"]) for r in rows if r["kind"] == "review"} == {
        ("clients:100007", "clients:199501"), ("clients:100005", "clients:199502")}
    text = json.dumps(rows, ensure_ascii=False)
    reviewed = pd.DataFrame(_review_rows(folder))
    personal = _personal_values(Deliverable(folder).contacts(),
                                reviewed.rename(columns=lambda c: c.removesuffix(" 2")).astype(str))
    assert personal and not [v for v in personal if v in text]


def _with_backlog(project_dir, backlog: int):
    config = yaml.safe_load((project_dir / "project.yaml").read_text())
    config["gate"]["max_review_backlog"] = backlog
    (project_dir / "project.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    return project_dir


@pytest.mark.prefect
def test_prepare_data_with_env_publishes_the_dedup_artifact_and_gates_the_real_backlog(
        planted, workspace_home, prefect_api, capsys):
    from prefect import get_client

    from stx_migrate.cli.main import main

    valid = Deliverable(_prepare(planted, _receive(planted))[0]).contacts()
    person = valid[(valid["OFFICIAL_NAME"] == "") & (valid["EMAIL1"] != "")].head(1).copy()
    number = person["CONTACT_NR"].iloc[0]
    person[[c for c in person.columns if c.startswith("CRIT")]] = ""
    person["CONTACT_NR"] = "500001"
    _seed_dev(planted, person)
    project = _with_backlog(planted, 1)
    code = main(["prepare", "--project", str(project), "--env", "dev"])
    captured = capsys.readouterr()
    assert code == 1                                    # 2 pairs to review > max_review_backlog 1
    folder = Path(captured.out.strip().splitlines()[-1])
    gate = json.loads((folder / "gate.json").read_text())
    backlog = next(c for c in gate["checks"] if c["name"] == "review backlog")
    assert (backlog["value"], backlog["passed"]) == ("2", False) and len(_review_rows(folder)) == 2
    duplicates = Deliverable(folder).duplicates()
    assert duplicates.loc[duplicates["survivor_ref"] == "dev:500001", "contact_nr"].tolist() == [number]
    with get_client(sync_client=True) as client:
        artifacts = [a for a in all_artifacts(client) if a.key == "demo-theatre-prepare-duplicates"]
    assert artifacts
    data = json.dumps([a.data for a in artifacts], ensure_ascii=False)
    assert "dev:500001" in data and "clients:199501" in data
    assert not [v for v in _personal_values(Deliverable(folder).contacts(), valid) if v in data]


def test_a_bad_returned_review_stops_prepare_before_anything_is_written_or_kept(planted, workspace_home):
    from stx_migrate.migration.errors import InputError

    procedure = Workspace("demo-theatre").procedure_dir
    first, _ = _prepare(planted, _receive(planted))
    kept = (procedure / IDENTITIES_FILE).read_bytes()
    _return_review(first, procedure, {PAIR_A: "perhaps"})
    with pytest.raises(InputError) as err:
        _prepare(planted, _receive(planted))
    assert "review-returned.xlsx" in str(err.value) and "decision" in str(err.value) and "perhaps" in str(err.value)
    assert [p.name for p in (workspace_home / "demo-theatre" / "deliverables").iterdir() if not p.name.startswith(".")] == [first.name]
    assert (procedure / IDENTITIES_FILE).read_bytes() == kept
    assert (procedure / RETURNED_DIR / "review-returned.xlsx").exists()
