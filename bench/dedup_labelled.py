"""A seeded, labelled contact set for measuring deduplication (true identities known).

``labelled_contacts(n_people, seed)`` returns ``(contacts, truth)``:

* ``contacts``: a SecuTix frame (every layout column, ``str``, index ``gen:<n>``);
* ``truth``: a frame indexed like ``contacts`` with ``identity`` (rows of one real person or
  one real structure share it) and ``planted`` (what this row is: ``original``, a duplicate
  kind, or a trap).

Duplicates planted, one kind per copy: ``case``, ``accents``, ``typo`` (two letters swapped),
``email_caps``, ``phone_format``, ``street_abbrev`` ('rue' → 'r.'), ``moved``,
``changed_email``, ``married_name``, ``swapped_names``, ``short_first_name``,
``missing_birthdate``, and for structures ``structure_case``.
Traps (different people a careless matcher merges): ``spouse`` (same address, landline,
often the same e-mail; Jean / Jeanne sometimes), ``parent_child`` (same first and last
name, same address and landline, birth dates 25–35 years apart), ``namesake`` (same names in
the same town, another street), ``second_relay`` (another contact person of the same company).

Everything is vectorised (numpy choices from small pools), so a million rows take seconds.
Run as a script to write a CSV sample: ``python bench/dedup_labelled.py 1000 out.csv``.
"""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from stx_migrate.migration.format import extended_format

MALE_FIRST = ["Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Jacques", "Bernard", "Daniel", "Christian",
              "François", "Louis", "Nicolas", "Patrick", "Laurent", "Frédéric", "Stéphane", "Thierry", "Olivier",
              "Sébastien", "Julien", "Antoine", "Mathieu", "Guillaume", "Hans", "Jürgen", "Klaus", "Stefan", "Thomas",
              "Andreas", "Wolfgang", "Michael", "Matthias", "Uwe", "Jörg", "Reto", "Urs", "Beat", "Lukas", "Jean-Pierre",
              "Jean-Marc", "Jean-Luc", "Alexandre", "Maximilian", "Christophe", "Benjamin", "Emmanuel", "Joseph",
              "Friedrich", "Heinrich", "Gérard", "Rémi", "Noël", "Yves", "Loïc", "Hervé", "Cédric", "Dominique", "Pascal", "Marcel"]
FEMALE_FIRST = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Christine", "Monique", "Valérie",
                "Sandrine", "Sophie", "Céline", "Julie", "Camille", "Élodie", "Chloé", "Anne", "Claire", "Ursula",
                "Sabine", "Petra", "Monika", "Katharina", "Anna", "Brigitte", "Gabriele", "Susanne", "Andrea",
                "Jeanne", "Danielle", "Michèle", "Christiane", "Louise", "Pascale", "Marie-Claire", "Anne-Sophie",
                "Hélène", "Béatrice", "Élisabeth", "Margarete", "Josiane", "Geneviève", "Agnès", "Zoé", "Léa", "Manon",
                "Émilie", "Aurélie", "Mélanie", "Dominique", "Laetitia", "Régine", "Gisèle", "Bärbel", "Jutta", "Heike"]
# Female forms a careless matcher confuses with the male name.
FEMALE_FORM = {"Jean": "Jeanne", "Daniel": "Danielle", "Michel": "Michèle", "Christian": "Christiane",
               "Louis": "Louise", "Pascal": "Pascale", "François": "Françoise", "Andreas": "Andrea", "Dominique": "Dominique"}
SHORT_FORM = {"Alexandre": "Alex", "Maximilian": "Max", "Christophe": "Chris", "Benjamin": "Ben", "Nicolas": "Nico",
              "Katharina": "Kathi", "Jean-Pierre": "J.-P.", "Jean-Marc": "J.-M.", "Hans": "H.", "Emmanuel": "Manu",
              "Joseph": "Sepp", "Friedrich": "Fritz", "Élisabeth": "Élise", "Margarete": "Grete", "Frédéric": "Fred",
              "Thomas": "Tom", "Sébastien": "Seb", "Guillaume": "G.", "Stéphane": "S.", "Matthias": "Matt"}
LAST_REAL = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
             "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
             "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
             "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
             "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
             "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann",
             "Gerber", "Keller", "Huber", "Brunner", "Baumann", "Frei", "Zürcher", "Favre", "Rochat", "Perrin",
             "Chevalier", "Rousseau", "Blanc", "Guérin", "Boyer", "Garnier", "Chevallier", "Faure", "Clément", "Gauthier",
             "Dumont", "Lopez", "Fontaine", "Rivière", "Lemaire", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud",
             "Joly", "Rivet", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martel", "Roche", "Renard", "Schaller",
             "Dällenbach", "Känzig", "Würgler", "Jäggi", "Bösch", "Nägeli", "Fässler", "Stöckli", "Hübscher"]
ONSETS = ["Ber", "Mar", "Dub", "Lef", "Rou", "Gir", "Mor", "Schw", "Wei", "Hof", "Bau", "Kel", "Fis", "Zim", "Lam", "Cha",
          "Vau", "Bri", "Del", "Fon", "Gau", "Hen", "Jac", "Lau", "Mon", "Pel", "Ros", "Sau", "Tar", "Val", "Bol", "Cor",
          "Dar", "Esc", "Fal", "Gro", "Hal", "Kro", "Lin", "Mel"]
ENDINGS = ["and", "ois", "ert", "eau", "ier", "mann", "er", "ner", "ini", "ard", "elle", "in", "et", "y", "inger",
           "egger", "az", "oud", "ot", "hardt", "bach", "berg", "ez", "ille"]
MIDDLES = ["", "", "en", "ou", "el", "an", "ig", "ar", "is", "on", "ol", "ert", "ich", "au"]
STREETS = [("rue", "r."), ("avenue", "av."), ("boulevard", "bd"), ("chemin", "ch."), ("place", "pl."), ("route", "rte")]
STREET_NAMES = ["de la Gare", "Victor-Hugo", "du Lac", "des Alpes", "de Lausanne", "du Marché", "Pasteur", "Jean-Jaurès",
                "de la Paix", "des Fleurs", "Saint-Martin", "du Stand", "de Genève", "des Vignes", "du Moulin", "Voltaire",
                "de la République", "du Château", "des Écoles", "de l'Église"]
DE_STREETS = ["Haupt", "Bahnhof", "Garten", "Schul", "Kirch", "Berg", "Wald", "Ring", "Linden", "Dorf", "Mühlen", "Sonnen"]
TOWNS = [("75001", "Paris", "FR"), ("69002", "Lyon", "FR"), ("13001", "Marseille", "FR"), ("67000", "Strasbourg", "FR"),
         ("1204", "Genève", "CH"), ("1003", "Lausanne", "CH"), ("2000", "Neuchâtel", "CH"), ("8001", "Zürich", "CH"),
         ("3011", "Bern", "CH"), ("4051", "Basel", "CH"), ("1000", "Bruxelles", "BE"), ("4000", "Liège", "BE"),
         ("10115", "Berlin", "DE"), ("80331", "München", "DE"), ("50667", "Köln", "DE"), ("1700", "Fribourg", "CH"),
         ("1950", "Sion", "CH"), ("74000", "Annecy", "FR"), ("68100", "Mulhouse", "FR"), ("1110", "Morges", "CH")]
CALLING = {"FR": "33", "CH": "41", "BE": "32", "DE": "49"}
DOMAINS = ["gmail.com", "bluewin.ch", "orange.fr", "gmx.de", "free.fr", "hotmail.com", "sunrise.ch", "web.de", "yahoo.fr"]
COMPANIES = ["Théâtre", "Opéra", "Association", "Société", "Verein", "Chorale", "École", "Fondation", "Club", "Ensemble"]
COMPANY_TAILS = ["du Lac", "des Amis de la Musique", "Lyrique", "Sainte-Cécile", "der Freunde", "Harmonie", "du Jura",
                 "des Arts", "Alpina", "Helvetia", "Rhône", "Léman", "Vaudoise", "Romande"]

DUPLICATE_KINDS = ["case", "accents", "typo", "email_caps", "phone_format", "street_abbrev", "moved", "changed_email",
                   "married_name", "swapped_names", "short_first_name", "missing_birthdate"]
TRAP_KINDS = ["spouse", "parent_child", "namesake", "second_relay"]


def labelled_contacts(n_people: int = 20_000, seed: int = 7, duplicate_rate: float = 0.25,
                      trap_rate: float = 0.06, structure_rate: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(contacts, truth)`` for ``n_people`` real people (plus their structures, copies and traps)."""
    rng = np.random.default_rng(seed)
    people = _people(rng, n_people)
    parts = [people]
    n_traps = int(n_people * trap_rate)
    for kind in ("spouse", "parent_child", "namesake"):
        parts.append(_trap(rng, people, kind, n_traps))
    structures = _structures(rng, max(1, int(n_people * structure_rate)), start=n_people + 4 * n_traps)
    parts.append(structures)
    parts.append(_second_relays(rng, structures, max(1, len(structures) // 4)))
    originals = pd.concat(parts, ignore_index=True).fillna("")
    originals["identity"] = originals["identity"].astype("str")

    individuals = originals[originals["OFFICIAL_NAME"] == ""]
    n_dup = int(len(individuals) * duplicate_rate)
    src = individuals.sample(n=n_dup, random_state=seed).reset_index(drop=True)
    kinds = rng.choice(DUPLICATE_KINDS, size=n_dup)
    copies = [_plant(rng, src[kinds == kind].copy(), kind) for kind in DUPLICATE_KINDS]
    struct_src = structures.sample(frac=0.3, random_state=seed).reset_index(drop=True)
    copies.append(_plant(rng, struct_src.copy(), "structure_case"))

    data = pd.concat([originals] + copies, ignore_index=True)
    data = data.sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)   # copies are not next to originals
    data.index = pd.Index([f"gen:{i + 1}" for i in range(len(data))], name="source_ref")
    layout = extended_format().layout()
    contacts = pd.DataFrame({c: (data[c] if c in data else "") for c in layout}, index=data.index).fillna("").astype("str")
    truth = data[["identity", "planted"]].astype("str")
    return contacts, truth


def _pick(rng, pool: list[str], n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def _last_names(rng, n: int) -> np.ndarray:
    real = _pick(rng, LAST_REAL, n)
    # onset + middle + ending: about 13,000 surnames, so namesakes are as rare as in a real base
    synthetic = _pick(rng, ONSETS, n) + _pick(rng, MIDDLES, n) + _pick(rng, ENDINGS, n)
    return np.where(rng.random(n) < 0.3, real, synthetic)


def _people(rng, n: int) -> pd.DataFrame:
    female = rng.random(n) < 0.5
    first = np.where(female, _pick(rng, FEMALE_FIRST, n), _pick(rng, MALE_FIRST, n))
    last = _last_names(rng, n)
    ids = np.arange(n)
    frame = pd.DataFrame({
        "identity": ids.astype(str),
        "planted": "original",
        "INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "OPERATION": "INSERT",
        "TITLE": np.where(female, "MRS", "MR"),
        "FIRSTNAME": first, "LASTNAME": last,
    })
    frame["BIRTHDATE"] = _dates(rng, n, 1935, 2005)
    frame.loc[rng.random(n) < 0.25, "BIRTHDATE"] = ""
    _address(rng, frame)
    frame["EMAIL1"] = _emails(rng, first, last, ids)
    frame.loc[rng.random(n) < 0.15, "EMAIL1"] = ""
    frame["CELLPHONE"] = _phones(rng, frame["COUNTRY"].to_numpy(), mobile=True)
    frame.loc[rng.random(n) < 0.3, "CELLPHONE"] = ""
    frame["TELEPHONE"] = _phones(rng, frame["COUNTRY"].to_numpy(), mobile=False)
    frame.loc[rng.random(n) < 0.6, "TELEPHONE"] = ""
    frame["PREF_LANG"] = np.where(frame["COUNTRY"].isin(["DE"]) | frame["TOWN"].isin(["Zürich", "Bern", "Basel"]), "de", "fr")
    return frame


def _dates(rng, n: int, first_year: int, last_year: int) -> np.ndarray:
    day = rng.integers(1, 29, n)
    month = rng.integers(1, 13, n)
    year = rng.integers(first_year, last_year + 1, n)
    return np.char.add(np.char.add(np.char.add(np.char.zfill(day.astype(str), 2), "."), np.char.add(np.char.zfill(month.astype(str), 2), ".")), year.astype(str)).astype(object)


def _address(rng, frame: pd.DataFrame) -> None:
    n = len(frame)
    town = rng.integers(0, len(TOWNS), n)
    country = np.array([TOWNS[t][2] for t in range(len(TOWNS))], dtype=object)[town]
    street_kind = rng.integers(0, len(STREETS), n)
    number = rng.integers(1, 250, n).astype(str).astype(object)
    french = np.array([STREETS[k][0] for k in range(len(STREETS))], dtype=object)[street_kind] + " " + _pick(rng, STREET_NAMES, n)
    german = _pick(rng, DE_STREETS, n) + "strasse"
    is_german = np.isin(country, ["DE"]) | (rng.random(n) < 0.2) & (country == "CH")
    frame["LINE1"] = np.where(is_german, german + " " + number, number + " " + french)
    # 25 postcodes per town (districts, suburbs): about 500 postcodes in all
    base_zip = np.array([int(t[0]) for t in TOWNS])[town] + rng.integers(0, 25, n)
    width = np.array([len(t[0]) for t in TOWNS])[town]
    frame["ZIPCODE"] = np.where(width == 5, np.char.zfill(base_zip.astype(str), 5), base_zip.astype(str)).astype(object)
    frame["TOWN"] = np.array([t[1] for t in TOWNS], dtype=object)[town]
    frame["COUNTRY"] = country


def _emails(rng, first, last, ids) -> np.ndarray:
    def plain(values):
        return pd.Series(values, dtype="str").str.normalize("NFKD").str.replace(r"\p{Mn}", "", regex=True).str.lower().str.replace(r"[^a-z]", "", regex=True).to_numpy(dtype=object)
    return plain(first) + "." + plain(last) + pd.Series(ids).astype(str).to_numpy(dtype=object) + "@" + _pick(rng, DOMAINS, len(ids))


def _phones(rng, country: np.ndarray, mobile: bool) -> np.ndarray:
    n = len(country)
    digits = rng.integers(10_000_000, 99_999_999, n).astype(str).astype(object)
    lead = np.where(np.isin(country, ["FR"]), "6" if mobile else "1", np.where(country == "CH", "79" if mobile else "21", "17" if mobile else "30"))
    calling = np.vectorize(CALLING.get, otypes=[object])(country)
    return "+" + calling + " " + lead.astype(object) + " " + digits


def _trap(rng, people: pd.DataFrame, kind: str, n: int) -> pd.DataFrame:
    base = people.sample(n=n, random_state=int(rng.integers(1 << 30))).reset_index(drop=True)
    other = base.copy()
    offset = {"spouse": 1, "parent_child": 2, "namesake": 3}[kind]
    other["identity"] = "t" + str(offset) + "-" + base["identity"]
    other["planted"] = kind
    female = base["TITLE"] == "MRS"
    if kind == "spouse":
        male_first = _pick(rng, MALE_FIRST, n)
        female_first = _pick(rng, FEMALE_FIRST, n)
        # a quarter of the spouses of a man get the female form of his name (Jean / Jeanne)
        forms = pd.Series(base["FIRSTNAME"]).map(FEMALE_FORM)
        use_form = (~female) & forms.notna() & (rng.random(n) < 0.6)
        female_first = np.where(use_form, forms.fillna(""), female_first)
        other["FIRSTNAME"] = np.where(female, male_first, female_first)
        other["TITLE"] = np.where(female, "MR", "MRS")
        other["BIRTHDATE"] = np.where(rng.random(n) < 0.6, _dates(rng, n, 1935, 2000), "")
        other["CELLPHONE"] = np.where(rng.random(n) < 0.5, _phones(rng, base["COUNTRY"].to_numpy(), True), "")
        shared = rng.random(n) < 0.5   # one e-mail for the household
        other["EMAIL1"] = np.where(shared, base["EMAIL1"], _emails(rng, other["FIRSTNAME"], other["LASTNAME"], np.arange(n) + 5_000_000))
        other["TELEPHONE"] = base["TELEPHONE"]
    elif kind == "parent_child":
        # the other generation: same names and address, born 25–35 years apart (birth dates both known);
        # the parent of a person born from 1960, else the child (a parent born before 1935 would
        # fall outside the people's years: clipping the year once gave a parent the child's own date)
        base_dob = np.where(base["BIRTHDATE"] == "", _dates(rng, n, 1960, 2005), base["BIRTHDATE"])
        years = pd.Series(base_dob).str.slice(6).astype(int).to_numpy()
        gap = rng.integers(25, 36, n)
        other_year = np.where(years >= 1960, years - gap, years + gap)
        other["BIRTHDATE"] = [f"{d[:6]}{y}" for d, y in zip(base_dob, other_year)]
        base["BIRTHDATE"] = base_dob
        other["EMAIL1"] = np.where(rng.random(n) < 0.5, _emails(rng, other["FIRSTNAME"], other["LASTNAME"], np.arange(n) + 6_000_000), "")
        other["CELLPHONE"] = np.where(rng.random(n) < 0.4, _phones(rng, base["COUNTRY"].to_numpy(), True), "")
        other["TELEPHONE"] = base["TELEPHONE"]
        # the child row itself (base) replaces its original: both carry birth dates
        return _with_replaced(people, base, other)
    else:  # namesake: same names, same town, another street and everything personal different
        moved = base.copy()
        _address(rng, moved)
        other["LINE1"] = moved["LINE1"]
        other["BIRTHDATE"] = np.where(rng.random(n) < 0.7, _dates(rng, n, 1935, 2005), "")
        other["EMAIL1"] = np.where(rng.random(n) < 0.8, _emails(rng, other["FIRSTNAME"], other["LASTNAME"], np.arange(n) + 7_000_000), "")
        other["CELLPHONE"] = np.where(rng.random(n) < 0.7, _phones(rng, base["COUNTRY"].to_numpy(), True), "")
        other["TELEPHONE"] = ""
    return other


def _with_replaced(people: pd.DataFrame, changed: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame:
    """Update the originals in place (birth dates) and return the extra rows."""
    index = people.index[people["identity"].isin(changed["identity"])]
    lookup = changed.drop_duplicates("identity").set_index("identity")["BIRTHDATE"]
    people.loc[index, "BIRTHDATE"] = people.loc[index, "identity"].map(lookup).to_numpy()
    return extra


def _structures(rng, n: int, start: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "identity": (np.arange(n) + start).astype(str).astype(object) + "s",
        "planted": "original",
        "INSTITUTION": "DEMO", "ORGANIZATION": "DEMO", "OPERATION": "INSERT",
        "OFFICIAL_NAME": _pick(rng, COMPANIES, n) + " " + _pick(rng, COMPANY_TAILS, n) + " " + rng.integers(1, 400, n).astype(str).astype(object),
    })
    _address(rng, frame)
    frame["EMAIL1"] = "info" + pd.Series(np.arange(n)).astype(str).to_numpy(dtype=object) + "@" + _pick(rng, DOMAINS, n)
    frame["TELEPHONE"] = _phones(rng, frame["COUNTRY"].to_numpy(), mobile=False)
    has_relay = rng.random(n) < 0.5
    female = rng.random(n) < 0.5
    frame["FIRSTNAME"] = np.where(has_relay, np.where(female, _pick(rng, FEMALE_FIRST, n), _pick(rng, MALE_FIRST, n)), "")
    frame["LASTNAME"] = np.where(has_relay, _last_names(rng, n), "")
    frame["TITLE"] = np.where(has_relay, np.where(female, "MRS", "MR"), "")
    return frame


def _second_relays(rng, structures: pd.DataFrame, n: int) -> pd.DataFrame:
    with_relay = structures[structures["FIRSTNAME"] != ""]
    base = with_relay.sample(n=min(n, len(with_relay)), random_state=int(rng.integers(1 << 30))).reset_index(drop=True)
    other = base.copy()
    m = len(other)
    other["identity"] = "r-" + base["identity"]
    other["planted"] = "second_relay"
    female = rng.random(m) < 0.5
    other["FIRSTNAME"] = np.where(female, _pick(rng, FEMALE_FIRST, m), _pick(rng, MALE_FIRST, m))
    other["LASTNAME"] = _last_names(rng, m)
    other["TITLE"] = np.where(female, "MRS", "MR")
    return other


def _plant(rng, rows: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Copies of ``rows`` carrying one kind of difference; identity kept, ``planted`` = kind."""
    n = len(rows)
    rows["planted"] = kind
    if n == 0:
        return rows
    s = lambda c: rows[c].astype("str")  # noqa: E731
    if kind == "case":
        rows["FIRSTNAME"], rows["LASTNAME"] = s("FIRSTNAME").str.upper(), s("LASTNAME").str.upper()
    elif kind == "accents":
        fold = lambda v: v.str.normalize("NFKD").str.replace(r"\p{Mn}", "", regex=True)  # noqa: E731
        rows["FIRSTNAME"], rows["LASTNAME"], rows["LINE1"] = fold(s("FIRSTNAME")), fold(s("LASTNAME")), fold(s("LINE1"))
    elif kind == "typo":
        last = s("LASTNAME")
        rows["LASTNAME"] = last.str.slice(0, 2) + last.str.slice(3, 4) + last.str.slice(2, 3) + last.str.slice(4)
    elif kind == "email_caps":
        rows["EMAIL1"] = s("EMAIL1").str.upper()
    elif kind == "phone_format":
        for col in ("CELLPHONE", "TELEPHONE"):
            v = s(col)
            national = "0" + v.str.replace(r"^\+\d\d ", "", regex=True).str.replace(" ", "", regex=False)
            rows[col] = v.where(v == "", national.str.replace(r"(\d\d)(?=\d)", r"\1.", regex=True))
    elif kind == "street_abbrev":
        line = s("LINE1")
        for full, short in STREETS:
            line = line.str.replace(f" {full} ", f" {short} ", regex=False)
        rows["LINE1"] = line.str.replace("strasse", "str.", regex=False)
    elif kind == "moved":
        _address(rng, rows)
        rows["TELEPHONE"] = ""
    elif kind == "changed_email":
        rows["EMAIL1"] = _emails(rng, s("FIRSTNAME"), s("LASTNAME"), np.arange(n) + 8_000_000)
    elif kind == "married_name":
        # women who married: another last name; for men this copy only loses its birth date
        woman = (s("TITLE") == "MRS").to_numpy()
        rows["LASTNAME"] = np.where(woman, _last_names(rng, n), s("LASTNAME"))
        rows["BIRTHDATE"] = np.where(woman, s("BIRTHDATE"), "")
        rows["planted"] = np.where(woman, "married_name", "missing_birthdate")
    elif kind == "swapped_names":
        rows["FIRSTNAME"], rows["LASTNAME"] = s("LASTNAME"), s("FIRSTNAME")
    elif kind == "short_first_name":
        first = s("FIRSTNAME")
        short = first.map(SHORT_FORM)
        rows["FIRSTNAME"] = short.where(short.notna(), first.str.slice(0, 1) + ".")
    elif kind == "missing_birthdate":
        rows["BIRTHDATE"] = ""
    elif kind == "structure_case":
        rows["OFFICIAL_NAME"] = s("OFFICIAL_NAME").str.upper()
        rows["TOWN"] = s("TOWN").str.upper()
    return rows


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    contacts, truth = labelled_contacts(n)
    out = sys.argv[2] if len(sys.argv) > 2 else "labelled.csv"
    contacts.join(truth).to_csv(out)
    print(out)
