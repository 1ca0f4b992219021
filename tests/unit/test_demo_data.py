"""The demo's legacy source: seeded, messy in the ways the issue lists, and usable from the package."""
from __future__ import annotations

import sqlite3

from stx_migrate.config.demo_data import demo_reference, demo_tables, generate_demo_source, materialise_demo_project
from stx_migrate.migration.settings import load_project


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    a = generate_demo_source(tmp_path / "a", seed=3, rows=300)
    b = generate_demo_source(tmp_path / "b", seed=3, rows=300)
    c = generate_demo_source(tmp_path / "c", seed=4, rows=300)
    assert a["csv"].read_bytes() == b["csv"].read_bytes()
    assert a["csv"].read_bytes() != c["csv"].read_bytes()


def test_the_source_is_messy_as_promised():
    clients = demo_tables(rows=3000)["clients"]
    assert {"M.", "Mme", "Monsieur"} <= set(clients["CIVILITE"])
    assert {"Suisse", "Schweiz", "Belgique", "France"} <= set(clients["PAYS"])
    dates = clients["DATE_NAISSANCE"]
    assert dates.str.fullmatch(r"\d\d/\d\d/\d{4}").any() and dates.str.fullmatch(r"\d\d\.\d\d\.\d{4}").any()
    assert dates.str.fullmatch(r"\d{4}-\d\d-\d\d").any() and dates.str.fullmatch(r"\d\d/\d\d/\d\d").any()
    assert dates.isin(["31/02/1980", "30.02.1975"]).any()                   # impossible dates
    assert clients["EMAIL"].str.contains("@@").any() and (~clients["EMAIL"].str.contains("@") & (clients["EMAIL"] != "")).any()
    assert clients["NOM"].str.contains("[éèëüç]", regex=True).any()
    folded = clients["NOM"].str.lower() + "|" + clients["PRENOM"].str.lower()
    assert folded.duplicated().sum() > 50                                   # duplicates by case/accents/typos
    assert (clients["STATUT"] == "SUPPRIME").any()


def test_materialised_project_loads_and_has_the_three_tables(tmp_path):
    folder = materialise_demo_project(tmp_path / "demo", rows=200)
    project = load_project(folder)
    assert project.config.retention.cutoff is not None and set(project.config.environments) == {"dev", "preprod", "prod"}
    with sqlite3.connect(folder / "data" / "legacy.sqlite") as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {"CLIENT", "SOCIETE", "CRITERE", "COMMANDE"}
        assert con.execute("SELECT COUNT(*) FROM CLIENT").fetchone()[0] == 200
    assert (folder / "data" / "clients.csv").read_bytes().decode("cp1252").splitlines()[0].startswith("N° client;Civilité;")
    reference = demo_reference()
    assert "GENRE" in reference.criteria and "COMPANY" in reference.structure_types


def test_a_big_base_looks_like_a_real_one():
    """Above SCALE_ROWS: a few % planted duplicates, rare chance look-alikes, numbers inside the demo's range."""
    from stx_migrate.config.demo_data import SCALE_ROWS

    rows = 3 * SCALE_ROWS
    clients = demo_tables(rows=rows)["clients"]
    originals = clients.iloc[: int(rows * 0.95)]
    same_person = originals["NOM"].str.lower() + "|" + originals["PRENOM"].str.lower() + "|" + originals["CP"]
    assert same_person.duplicated().sum() < 0.005 * rows              # chance look-alikes stay rare
    assert originals["CP"].nunique() > 1000 and originals["NOM"].nunique() > 300
    given = originals["EMAIL"].str.contains("@", regex=False)
    assert originals.loc[given, "EMAIL"].str.strip().str.lower().duplicated().sum() < 0.001 * rows
    planted = clients.iloc[len(originals):]
    assert 0.04 * rows <= len(planted) <= 0.06 * rows               # the duplicates a real base holds
    project = load_project(materialise_demo_project_config_only())
    numbers = clients["NUM_CLIENT"].astype(int)
    reserved = project.config.contact_numbers.reserved_range
    assert reserved.first <= numbers.min() and numbers.min() + 5_000_000 <= reserved.last   # a 5M-client base fits


def materialise_demo_project_config_only():
    import tempfile
    from importlib import resources
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    for name in ("project.yaml", "protocol.yaml", "reference.yaml"):
        (folder / name).write_bytes(resources.files("stx_migrate.config").joinpath("demo", name).read_bytes())
    return folder


def test_a_bigger_base_has_more_surnames_and_towns():
    """A real base's surnames keep growing with its size (rows^0.6): 5× the rows must not make every
    name block 5× larger (the candidate pairs would grow with their square). Towns follow the postcodes."""
    from stx_migrate.config.demo_data import SCALE_ROWS, _pools

    small, big = _pools(1_000_000)["last"], _pools(5_000_000)["last"]
    small, big = set(small), set(big)                                          # (a few spelled alike twice)
    assert 2.3 * len(small) < len(big) < 3.0 * len(small)                      # 5^0.6 = 2.6
    assert 90_000 < len(small) < 120_000                                       # France: 1.3M for 67M people
    assert _pools(SCALE_ROWS)["last"] == _pools(10)["last"]                     # the demo keeps its own names
    clients = demo_tables(rows=3 * SCALE_ROWS)["clients"]
    assert clients["VILLE"].nunique() > 1000
    per_postcode = clients.groupby("CP")["VILLE"].nunique()
    assert per_postcode.median() == 1 and per_postcode.max() <= 6              # a postcode covers a few places at most
