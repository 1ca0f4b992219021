"""A seeded, realistic and messy legacy source for the demo project (and the benchmarks).

What a theatre's old ticketing system hands over: a client table, a company table, a
criteria table and an order table (``demo_orders.py``) in a SQLite database, plus the same
clients exported as a Windows-1252 ``;`` CSV. French, Swiss and Belgian names; titles 'M.', 'Mme', 'Monsieur'...; text
dates in several formats (some impossible); countries spelled out in several
languages; phones written nationally or internationally; broken e-mails; duplicates
that differ by case, accents or one typo; deleted accounts; old customers for the
retention rule. Everything is vectorised (numpy + pandas), so a million rows take
seconds. Nothing here is a real person.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from stx_migrate.migration.protocol.arrow_text import re_replace

from .demo_orders import demo_orders

FIRST_NAMES = [
    "Jean", "Marie", "Pierre", "Sophie", "Luc", "Anne", "François", "Élodie", "Jérôme", "Céline", "Nicolas",
    "Isabelle", "Thierry", "Nathalie", "Stéphane", "Valérie", "Grégoire", "Aurélie", "Benoît", "Hélène",
    "Laurent", "Chloé", "Mathieu", "Léa", "Yves", "Agnès", "Rémi", "Noémie", "Jean-Pierre", "Marie-Claire",
    "Urs", "Reto", "Beat", "Corinne", "Gaëlle", "Maël", "Loïc", "Zoé", "Théo", "Inès", "Joël", "Françoise",
    "Pascal", "Sébastien", "Brigitte", "Dominique", "Michèle", "Raphaël", "Anaïs", "Cédric",
]
LAST_NAMES = [
    "Dupont", "Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Chevalier",
    "Müller", "Favre", "Rochat", "Bonvin", "Perrin", "Jacquet", "Vuilleumier", "Clément", "Mercier", "Gauthier",
    "Peeters", "Janssens", "Maes", "Dumont", "Lambert", "Dubois-Leclercq", "Van den Berg", "de la Tour",
    "Lemaître", "Bérard", "Gérard", "Noël", "Aubert", "Barbier", "Crétin", "Délèze", "Python", "Berset",
    "Schnyder", "Zbinden", "Wüthrich", "Baertschi", "Leroy", "Roux", "Faure", "André", "Mathieu", "Simon",
]
TOWNS = {  # country → (town, zip) with the spellings a legacy system holds for the country
    "FR": ([("Paris", "75011"), ("Lyon", "69003"), ("Marseille", "13001"), ("Lille", "59000"), ("Strasbourg", "67000"),
            ("Annecy", "74000"), ("Besançon", "25000")],
           ["France", "FRANCE", "france", "FR", "Frankreich", "Francia"]),
    "CH": ([("Genève", "1201"), ("Lausanne", "1003"), ("Fribourg", "1700"), ("Neuchâtel", "2000"), ("Sion", "1950"),
            ("Bern", "3011"), ("Zürich", "8001")],
           ["Suisse", "SUISSE", "Schweiz", "Svizzera", "CH", "Switzerland", " suisse "]),
    "BE": ([("Bruxelles", "1000"), ("Liège", "4000"), ("Namur", "5000"), ("Charleroi", "6000"), ("Mons", "7000")],
           ["Belgique", "BELGIQUE", "Belgien", "BE", "Belgio"]),
}
STREETS = ["rue de la Gare", "avenue des Alpes", "chemin des Vignes", "rue du Lac", "boulevard Voltaire",
           "place du Marché", "Bahnhofstrasse", "rue Haute", "quai du Mont-Blanc", "route de Berne"]
TITLES = ["M.", "Mme", "Monsieur", "Madame", "Mlle", "M", "MME", "Mr", "", "Dr"]
TITLE_WEIGHTS = [0.25, 0.25, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.08, 0.02]
LANGUAGES = ["FR", "fr", "français", "Français", "DE", "Deutsch", "allemand", "it", "italien", "EN", "", "F"]
LANGUAGE_WEIGHTS = [0.3, 0.15, 0.1, 0.05, 0.08, 0.05, 0.04, 0.04, 0.02, 0.05, 0.1, 0.02]
DOMAINS = ["gmail.com", "bluewin.ch", "orange.fr", "skynet.be", "hotmail.com", "free.fr", "gmx.ch", "yahoo.fr"]
DATE_FORMATS = ["%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y"]
COMPANY_KINDS = ["ENTREPRISE", "ASSOCIATION", "ECOLE", "COLLECTIVITE"]
COMPANY_WORDS = ["Horlogerie", "Banque", "Chocolaterie", "Assurances", "Transports", "Imprimerie", "Fondation",
                 "École", "Atelier", "Cave", "Librairie", "Garage"]
CRITERIA = {"GENRE": ["Opéra", "Théâtre", "Danse", "Jazz", "Classique"], "ABO": ["Saison", "Découverte", "Jeune"]}


# A real base of hundreds of thousands of customers holds tens of thousands of surnames, most
# of them rare, and few people share a street number: above SCALE_ROWS the pools grow with the
# rows (the demo's own size keeps its small, readable pools and its exact output).
SCALE_ROWS = 20_000
# Distinct surnames grow like rows^0.6 (Heaps' law), through France's ~1.3M surnames for 67M
# people: ~100k at 1M clients, ~270k at 5M. A fixed pool would make every name block 5× larger
# at 5× the rows, and the candidate pairs grow with the square of the blocks.
SURNAMES_PER_ROWS_POW = (26.0, 0.6)
_SYLLABLES = (["Ber", "Cha", "Dela", "Fon", "Gau", "Lam", "Mar", "Per", "Rou", "Vui", "Bon", "Cla", "Dur", "Fav",
               "Gir", "Jac", "Mor", "Rey", "Sch", "Zur", "Aub", "Bri", "Cor", "Dum", "Esc", "Gro", "Hen", "Lau",
               "Mey", "Pit"],
              ["det", "nier", "rand", "taz", "mann", "ller", "chet", "bert", "lin", "mond", "seau", "court", "vaz",
               "oud", "enet", "ard", "ier", "uz", "ey", "oz"],
              ["", "i", "on", "el", "y", "in", "ot", "az", "er", "et"])
# Particles and endings that make the rarer names (Lemaître, Vandenberg, Kerouac; Bonvinaz):
# 16 × 11 × 6,000 ≈ 1M names, the first 6,000 the plain three-syllable ones.
_PARTICLES = ["", "Le", "La", "De", "Du", "Des", "Van", "Von", "Di", "Mac", "Saint", "Ker", "Bel", "Mont", "Roc", "Val"]
_ENDINGS = ["", "ini", "mann", "aud", "ez", "ier", "oux", "ac", "elli", "sen", "ault"]
_STREET_KINDS = ["rue", "avenue", "chemin", "route", "place", "impasse", "boulevard", "allée", "quai", "sentier"]


def _surnames(count: int) -> list[str]:
    """``count`` made-up surnames, always the same ones in the same order: the three-syllable
    ones first, then with an ending, then with a particle (both)."""
    a, b, c = _SYLLABLES
    base = [x + y + z for z in c for y in b for x in a]
    names: list[str] = []
    for ending in _ENDINGS:
        for particle in _PARTICLES:
            names += [particle + (n.lower() if particle else n) + ending for n in base]
            if len(names) >= count:
                return names[:count]
    return names[:count]


def _surname_count(rows: int) -> int:
    k, power = SURNAMES_PER_ROWS_POW
    return int(k * rows ** power)


def _communes(zipcode: pd.Series, towns: pd.Series) -> pd.Series:
    """The town of each postcode of a big base: the big town's own postcodes keep its name, the
    others are the communes around it (one made-up name per postcode, the same for everyone there)."""
    codes, uniques = pd.factorize(zipcode)
    names = np.asarray(_surnames(6000), dtype=object)   # reused as place names: Fontaine-style communes
    commune = pd.Series(names[np.asarray(codes) % len(names)], index=zipcode.index, dtype="str")
    own = zipcode.str.slice(-3).astype(int) < 20          # tail 000–019: the town's own districts
    return towns.where(own, commune)


def _zipf(n: int) -> np.ndarray:
    """Frequencies of ``n`` names, the first common and a long tail of rare ones."""
    w = 1.0 / (np.arange(n) + 60.0) ** 0.8
    return w / w.sum()


def _pools(rows: int) -> dict:
    """The value pools for ``rows`` clients (the demo's own below SCALE_ROWS)."""
    if rows <= SCALE_ROWS:
        return {"first": FIRST_NAMES, "last": LAST_NAMES, "streets": STREETS, "numbers": 120, "mail_numbers": 99,
                "first_p": None, "last_p": None, "big": False}
    last = LAST_NAMES + _surnames(_surname_count(rows))
    first = FIRST_NAMES + [f"{x}-{y}" for x in FIRST_NAMES for y in FIRST_NAMES if x != y][: rows // 2000]
    streets = STREETS + [f"{k} {w.lower()}" for k in _STREET_KINDS for w in _surnames(60)]
    return {"first": first, "last": last, "streets": streets, "numbers": 400, "mail_numbers": 9999,
            "first_p": _zipf(len(first)), "last_p": _zipf(len(last)), "big": True}


def _strip_accents(s: pd.Series) -> pd.Series:
    return s.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True)


def _pick(rng, pool, n, p=None) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.choice(len(pool), size=n, p=p)]


def _format_dates(rng, days: np.ndarray, start: str, n: int, broken_share: float) -> pd.Series:
    dates = pd.Timestamp(start) + pd.to_timedelta(days, unit="D")
    fmt = rng.integers(0, len(DATE_FORMATS), n)
    out = pd.Series("", index=range(n), dtype="str")
    for i, f in enumerate(DATE_FORMATS):
        sel = fmt == i
        out[sel] = pd.Series(dates[sel]).dt.strftime(f).to_numpy()
    broken = rng.random(n) < broken_share
    out[broken] = _pick(rng, ["31/02/1980", "30.02.1975", "00/00/0000", "31-04-1990", "1985-13-01", "inconnue"], int(broken.sum()))
    return out


PHONE_PREFIXES = {  # (national prefix in use, digits of the whole national number); the rest is random
    "FR": [("014", 10), ("015", 10), ("047", 10), ("049", 10), ("061", 10), ("067", 10), ("076", 10)],
    "CH": [("0223", 10), ("0227", 10), ("0216", 10), ("0264", 10), ("0792", 10), ("0786", 10), ("0273", 10)],
    "BE": [("025", 9), ("042", 9), ("0812", 9), ("04751", 10), ("04863", 10)],
}


def _phones(rng, country: np.ndarray, n: int, wide: bool = False) -> pd.Series:
    """Phones as a legacy system holds them; ``wide``: shorter prefixes, so that a big base
    does not give two people the same number by chance."""
    digits = pd.Series(rng.integers(10_000_000, 100_000_000, n)).astype("str")   # 8 random digits
    national = pd.Series("", index=range(n), dtype="str")
    chosen = rng.integers(0, 5, n)
    for code, prefixes in PHONE_PREFIXES.items():
        if wide:
            prefixes = [(prefix[:3] if total == 10 else prefix[:2], total) for prefix, total in prefixes]
        for i, (prefix, total) in enumerate(prefixes):   # one vectorised pass per prefix, none per row
            sel = (country == code) & (chosen % len(prefixes) == i)
            number = prefix + digits[sel].str.slice(0, total - len(prefix))
            head = 2 if (code == "FR" or (code == "BE" and total == 9)) else 3
            rest = re_replace(number.str.slice(head), r"(\d\d)", r"\1 ").str.rstrip()   # pairs of digits
            national[sel] = (number.str.slice(0, head) + " " + rest).to_numpy()
    intl_prefix = pd.Series(np.where(country == "FR", "+33 ", np.where(country == "CH", "+41 ", "+32 ")), dtype="str")
    style = rng.random(n)
    out = national.where(style < 0.7, intl_prefix + national.str.slice(1))            # +41 22 345 67 89
    out = out.where(style < 0.85, national.str.replace(" ", ".", regex=False))         # 022.345.67.89
    out = out.where(style < 0.95, "")                                                  # no phone
    out = out.where(rng.random(n) > 0.01, "12 34")                                     # broken
    return out


def demo_tables(seed: int = 20270301, rows: int = 2000, orders_per_client: float = 3.0) -> dict[str, pd.DataFrame]:
    """The legacy tables as text frames: ``clients``, ``companies``, ``criteria``, ``orders`` (seeded, deterministic)."""
    rng = np.random.default_rng(seed)
    n_base = max(1, int(rows * 0.95))
    n_dup = rows - n_base
    country = _pick(rng, ["FR", "CH", "BE"], n_base, p=[0.45, 0.4, 0.15])
    pools = _pools(rows)
    first = pd.Series(_pick(rng, pools["first"], n_base, p=pools["first_p"]), dtype="str")
    last = pd.Series(_pick(rng, pools["last"], n_base, p=pools["last_p"]), dtype="str")
    title = pd.Series(_pick(rng, TITLES, n_base, p=TITLE_WEIGHTS), dtype="str")
    town_idx = rng.integers(0, 100, n_base)
    town = pd.Series("", index=range(n_base), dtype="str")
    zipcode = pd.Series("", index=range(n_base), dtype="str")
    country_text = pd.Series("", index=range(n_base), dtype="str")
    for code, (towns, spellings) in TOWNS.items():
        sel = country == code
        picked = town_idx[sel] % len(towns)
        town[sel] = np.asarray([t for t, _ in towns], dtype=object)[picked]
        zipcode[sel] = np.asarray([z for _, z in towns], dtype=object)[picked]
        country_text[sel] = _pick(rng, spellings, int(sel.sum()))
    if pools["big"]:   # a big base: the towns' districts and neighbours, hundreds of postcodes
        head = zipcode.str.slice(0, 2).where(country == "FR", zipcode.str.slice(0, 1))
        tail = pd.Series(rng.integers(0, 1000, n_base)).astype("str").str.zfill(3)
        zipcode = head + tail
        town = _communes(zipcode, town)
    street = pd.Series(rng.integers(1, pools["numbers"], n_base)).astype("str") + " " \
        + pd.Series(_pick(rng, pools["streets"], n_base), dtype="str")
    local = _strip_accents(first.str.lower() + "." + last.str.lower()).str.replace(r"[^a-z.\-]", "", regex=True)
    email = local + pd.Series(rng.integers(1, pools["mail_numbers"], n_base)).astype("str") + "@" + pd.Series(_pick(rng, DOMAINS, n_base), dtype="str")
    fault = rng.random(n_base)
    email = email.where(fault > 0.02, email.str.replace("@", "", regex=False))           # no @
    email = email.where((fault <= 0.02) | (fault > 0.03), email.str.replace("@", "@@", regex=False))
    email = email.where((fault <= 0.03) | (fault > 0.05), " " + email.str.upper() + " ")  # case and spaces: fine once cleaned
    email = email.where((fault <= 0.05) | (fault > 0.12), "")                             # none
    birth = _format_dates(rng, rng.integers(0, 70 * 365, n_base), "1935-01-01", n_base, 0.02)
    birth = birth.where(rng.random(n_base) > 0.2, "")
    last_purchase = _format_dates(rng, rng.integers(0, 14 * 365, n_base), "2012-01-01", n_base, 0.0)
    n_companies = max(1, n_base // 12)
    company_id = pd.Series(rng.integers(1, n_companies + 1, n_base)).astype("str").where(rng.random(n_base) < 0.15, "")
    status = pd.Series(_pick(rng, ["ACTIF", "SUPPRIME"], n_base, p=[0.98, 0.02]), dtype="str")
    clients = pd.DataFrame({
        "NUM_CLIENT": pd.Series(np.arange(100001, 100001 + n_base)).astype("str"),
        "CIVILITE": title, "NOM": last, "PRENOM": first,
        "DATE_NAISSANCE": birth,
        "ADRESSE": street, "CP": zipcode, "VILLE": town, "PAYS": country_text,
        "TEL": _phones(rng, country, n_base, wide=pools["big"]),
        "EMAIL": email,
        "LANGUE": pd.Series(_pick(rng, LANGUAGES, n_base, p=LANGUAGE_WEIGHTS), dtype="str"),
        "OPTIN_NEWS": pd.Series(_pick(rng, ["O", "N", "oui", "non", "1", "0", ""], n_base), dtype="str"),
        "SOCIETE_ID": company_id,
        "DERNIER_ACHAT": last_purchase,
        "STATUT": status,
    })
    nameless = rng.random(n_base) < 0.006          # no name at all: SecuTix cannot create these (secutix-format §4)
    clients.loc[nameless, ["NOM", "PRENOM", "SOCIETE_ID"]] = [" ", "", ""]
    # Duplicates: the same person typed again, by case, accents or one letter.
    src = rng.integers(0, n_base, n_dup)
    dups = clients.iloc[src].reset_index(drop=True).copy()
    kind = rng.integers(0, 3, n_dup)
    dups["NOM"] = dups["NOM"].where(kind != 0, dups["NOM"].str.upper())
    dups["NOM"] = dups["NOM"].where(kind != 1, _strip_accents(dups["NOM"]))
    typo = dups["PRENOM"].str.slice(0, -1) + dups["PRENOM"].str.slice(-1).str.upper().str.lower().str.replace(r"[aeiou]", "y", regex=True)
    dups["PRENOM"] = dups["PRENOM"].where(kind != 2, typo)
    dups["EMAIL"] = dups["EMAIL"].str.upper()
    dups["NUM_CLIENT"] = pd.Series(np.arange(100001 + n_base, 100001 + rows)).astype("str")
    clients = pd.concat([clients, dups], ignore_index=True).astype("str")

    companies = pd.DataFrame({
        "ID": pd.Series(np.arange(1, n_companies + 1)).astype("str"),
        "RAISON_SOCIALE": pd.Series(_pick(rng, COMPANY_WORDS, n_companies), dtype="str") + " "
        + pd.Series(_pick(rng, LAST_NAMES, n_companies), dtype="str") + pd.Series(_pick(rng, [" SA", " Sàrl", " SPRL", " & Fils", ""], n_companies), dtype="str"),
        "TYPE_SOCIETE": pd.Series(_pick(rng, COMPANY_KINDS + ["Entreprise", "?"], n_companies), dtype="str"),
    }).astype("str")

    per_client = rng.integers(0, 4, len(clients))
    owner = np.repeat(clients["NUM_CLIENT"].to_numpy(), per_client)
    m = len(owner)
    code = _pick(rng, list(CRITERIA), m)
    value = np.where(code == "GENRE", _pick(rng, CRITERIA["GENRE"], m), _pick(rng, CRITERIA["ABO"], m))
    value = np.where(rng.random(m) < 0.03, "Cirque", value)   # an element the target does not know
    criteria = pd.DataFrame({"NUM_CLIENT": owner, "CODE": code, "VALEUR": value}).astype("str")
    criteria = criteria.drop_duplicates().reset_index(drop=True)
    criteria.insert(0, "ID", pd.Series(np.arange(1, len(criteria) + 1)).astype("str"))
    orders = demo_orders(seed, clients["NUM_CLIENT"], orders_per_client)
    return {"clients": clients, "companies": companies, "criteria": criteria, "orders": orders}


def generate_demo_source(folder: Path, seed: int = 20270301, rows: int = 2000) -> dict[str, Path]:
    """Write the demo's legacy source into ``folder``: ``legacy.sqlite`` (tables CLIENT,
    SOCIETE, CRITERE) and ``clients.csv`` (the client table, Windows-1252, ``;``).

    Same seed and rows → byte-identical files. Returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = demo_tables(seed, rows)
    db = folder / "legacy.sqlite"
    db.unlink(missing_ok=True)
    with sqlite3.connect(db) as con:
        con.execute(
            "CREATE TABLE CLIENT (NUM_CLIENT INTEGER PRIMARY KEY, CIVILITE TEXT, NOM TEXT, PRENOM TEXT, DATE_NAISSANCE TEXT,"
            " ADRESSE TEXT, CP TEXT, VILLE TEXT, PAYS TEXT, TEL TEXT, EMAIL TEXT, LANGUE TEXT, OPTIN_NEWS TEXT,"
            " SOCIETE_ID INTEGER, DERNIER_ACHAT TEXT, STATUT TEXT)")
        con.execute("CREATE TABLE SOCIETE (ID INTEGER PRIMARY KEY, RAISON_SOCIALE TEXT, TYPE_SOCIETE TEXT)")
        con.execute("CREATE TABLE CRITERE (ID INTEGER PRIMARY KEY, NUM_CLIENT INTEGER, CODE TEXT, VALEUR TEXT)")
        clients = tables["clients"].copy()
        clients["SOCIETE_ID"] = clients["SOCIETE_ID"].where(clients["SOCIETE_ID"] != "", None)
        con.executemany(f"INSERT INTO CLIENT VALUES ({','.join('?' * clients.shape[1])})", clients.itertuples(index=False, name=None))
        con.executemany("INSERT INTO SOCIETE VALUES (?,?,?)", tables["companies"].itertuples(index=False, name=None))
        con.executemany("INSERT INTO CRITERE VALUES (?,?,?,?)", tables["criteria"].itertuples(index=False, name=None))
        con.execute("CREATE TABLE COMMANDE (ID INTEGER PRIMARY KEY, NUM_CLIENT INTEGER, DATE_COMMANDE TEXT, MONTANT TEXT,"
                    " SAISON TEXT)")
        con.executemany("INSERT INTO COMMANDE VALUES (?,?,?,?,?)", tables["orders"].itertuples(index=False, name=None))
    csv_path = folder / "clients.csv"
    export = tables["clients"].rename(columns={"NUM_CLIENT": "N° client", "CIVILITE": "Civilité", "PRENOM": "Prénom",
                                               "DATE_NAISSANCE": "Né(e) le", "DERNIER_ACHAT": "Dernier achat"})
    export.to_csv(csv_path, sep=";", index=False, encoding="cp1252", errors="replace", lineterminator="\r\n")
    return {"sqlite": db, "csv": csv_path}


DEMO_FILES = ("project.yaml", "protocol.yaml", "reference.yaml")


def materialise_demo_project(target_dir: Path, seed: int = 20270301, rows: int = 2000) -> Path:
    """Copy the bundled demo project into ``target_dir`` and generate its data in ``data/``.

    Works from an installed package (the files are package data). Returns the project
    folder, ready for ``stx-migrate receive|prepare --project``.
    """
    from importlib import resources

    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    package = resources.files("stx_migrate.config").joinpath("demo")
    for name in DEMO_FILES:
        (target / name).write_bytes(package.joinpath(name).read_bytes())
    generate_demo_source(target / "data", seed=seed, rows=rows)
    (target / "envs").mkdir(exist_ok=True)
    return target


def demo_reference():
    """The demo target's reference data (``config/demo/reference.yaml``): seed it into the
    demo's environments (``migration.store.reference_io.seed_reference_data``)."""
    import tempfile
    from importlib import resources

    from stx_migrate.migration.reference import load_reference

    text = resources.files("stx_migrate.config").joinpath("demo", "reference.yaml").read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reference.yaml"
        path.write_bytes(text)
        return load_reference(path)
