"""Seeded, vectorised generator of realistic SecuTix frames, shared by every benchmark.

``make_contacts(n, seed=0)`` returns a SecuTix frame (architecture.md: columns = the
layout's codes in template order, every column ``str``, ``""`` empty, index ``source_ref``
named ``source_ref``) of ``n`` rows:

- about 80 % individuals, 12 % structures with a relay, 8 % structures alone;
- accented names (all of them fit Windows-1252), e-mails, phones with an international
  prefix, birth dates ``dd.mm.yyyy``, addresses in FR/CH/ES/GB/BE, consents, criteria
  written ``CODE=value``;
- ``bad_rate`` of the rows carry exactly one fault a rule catches (bad e-mail, impossible
  date, ``UK`` country, letters in CONTACT_NR, no name at all, bad phone, a duplicated
  contact number, a too-long town), so that a validation benchmark has work to do;
- ``duplicate_rate`` of the rows are near-duplicates of an earlier row (same person, new
  contact number, e-mail in other case, name with one typo or other case) for dedup.

Everything is built with numpy indexing and Arrow string concatenation, no Python loop
per row: 1,000,000 rows take about 7–9 s (2 cores). The data is made up; nothing here is customer data.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from stx_migrate.migration.format import extended_format

FIRST_NAMES = [
    "Émile", "Zoë", "Jürgen", "Ana", "François", "Hélène", "Søren", "Chloé", "Léa", "Noël",
    "Marie", "Jean", "Pierre", "Sophie", "Lucas", "Camille", "Thomas", "Julie", "Nicolas", "Inès",
    "Andrés", "María", "José", "Lucía", "Björn", "Æsa", "Günther", "Renée", "Thérèse", "Jérôme",
    "Laura", "Marco", "Giulia", "Matteo", "Sarah", "David", "Emma", "Oliver", "Charlotte", "Hugo",
]
LAST_NAMES = [
    "Müller", "Dupont", "Martin", "Bernard", "Lefèvre", "Gauß", "Øberg", "García", "Fernández", "Rossi",
    "Dubois", "Moreau", "Laurent", "Simon", "Michel", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupuis", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Blanc",
    "Schmid", "Keller", "Weber", "Huber", "Meyer", "Smith", "Jones", "Brown", "O'Neil", "Núñez",
]
COMPANIES = [
    "Théâtre du Lac", "Association Les Amis de l'Opéra", "École Jean Jaurès", "Crédit Régional",
    "Banque Populaire du Léman", "Compagnie Générale d'Électricité", "Lycée Victor Hugo",
    "Comité d'entreprise Airbus", "Fundación Cultural", "Musikverein Zürich", "British Theatre Club",
    "Mairie de Lausanne", "Conservatoire de Genève", "Club des Aînés", "Université de Fribourg",
]
STREETS = ["rue de la Paix", "avenue Victor Hugo", "chemin des Prés", "Bahnhofstrasse", "calle Mayor",
           "High Street", "boulevard Haussmann", "place du Marché", "rue du Rhône", "Grand-Rue"]
COUNTRIES = np.array(["FR", "CH", "ES", "GB", "BE"])
COUNTRY_P = [0.55, 0.2, 0.1, 0.08, 0.07]
TOWNS = {  # six towns each, and the phone prefix
    "FR": (["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Évian-les-Bains"], "+33"),
    "CH": (["Genève", "Lausanne", "Zürich", "Fribourg", "Neuchâtel", "Montreux"], "+41"),
    "ES": (["Madrid", "Barcelona", "Sevilla", "Valencia", "Málaga", "Bilbao"], "+34"),
    "GB": (["London", "Leeds", "York", "Bristol", "Oxford", "Bath"], "+44"),
    "BE": (["Bruxelles", "Liège", "Namur", "Gent", "Brugge", "Mons"], "+32"),
}
LANG_OF = {"FR": "fr", "CH": "fr", "ES": "es", "GB": "en", "BE": "fr"}
DOMAINS = ["example.com", "mail.example.org", "example.fr", "example.ch", "post.example.net"]
FAULTS = ["email", "date", "country", "contact_nr", "no_name", "phone", "dup_nr", "long_town"]

_ASCII = str.maketrans({"é": "e", "è": "e", "ê": "e", "ë": "e", "É": "E", "à": "a", "â": "a", "ä": "a", "á": "a",
                        "ü": "u", "ú": "u", "ö": "o", "ô": "o", "ó": "o", "ø": "o", "Ø": "O", "ç": "c", "ï": "i",
                        "î": "i", "í": "i", "ñ": "n", "ß": "ss", "æ": "ae", "Æ": "Ae", "å": "a", "'": ""})


def _take(pool, indices: np.ndarray) -> pd.Series:
    """``pool[indices]`` as an Arrow-backed ``str`` Series (no Python string per row)."""
    table = pa.array(list(pool), type=pa.large_string()).take(pa.array(indices))
    return pd.Series(pd.arrays.ArrowStringArray(table), dtype="str")


def _pick(rng: np.random.Generator, pool, n: int, p=None) -> pd.Series:
    return _take(pool, rng.choice(len(pool), size=n, p=p))


def _str(values) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True)
    return pd.Series(values, dtype="str")


def _only(mask: np.ndarray, values: pd.Series | str) -> pd.Series:
    """``values`` where ``mask``, else ""."""
    if isinstance(values, str):
        return _take([values, ""], np.where(mask, 0, 1))
    return values.where(mask, "")


def make_contacts(
    n: int,
    seed: int = 0,
    *,
    bad_rate: float = 0.02,
    duplicate_rate: float = 0.0,
    institution: str = "DEMO",
    organization: str = "DEMO",
    dataset: str = "synthetic",
) -> pd.DataFrame:
    """A SecuTix frame of ``n`` made-up contacts (see the module docstring); same seed, same frame."""
    rng = np.random.default_rng(seed)
    fmt = extended_format()
    layout = fmt.layout()
    empty = _take([""], np.zeros(n, dtype=np.int64))
    cols: dict[str, pd.Series] = {}

    kind = rng.choice(3, size=n, p=[0.80, 0.12, 0.08])  # 0 individual, 1 structure + relay, 2 structure
    has_person = kind < 2
    has_structure = kind > 0

    first_idx = rng.integers(0, len(FIRST_NAMES), n)
    last_idx = rng.integers(0, len(LAST_NAMES), n)
    first = _take(FIRST_NAMES, first_idx)
    last = _take(LAST_NAMES, last_idx)
    first_ascii = _take([s.translate(_ASCII).lower() for s in FIRST_NAMES], first_idx)
    last_ascii = _take([s.translate(_ASCII).lower() for s in LAST_NAMES], last_idx)

    cols["INSTITUTION"] = _take([institution], np.zeros(n, dtype=np.int64))
    cols["ORGANIZATION"] = _take([organization], np.zeros(n, dtype=np.int64))
    cols["OPERATION"] = _str(_pick(rng, ["", "INSERT"], n, [0.7, 0.3]))
    numbers = rng.permutation(n) + 10_000_000
    cols["CONTACT_NR"] = _str(numbers).astype("str")
    cols["TITLE"] = _only(has_person, _pick(rng, ["MR", "MRS", "MISS", "", "UNDEFINED"], n, [0.4, 0.4, 0.05, 0.1, 0.05]))
    cols["FUNCTION"] = _only(kind == 1, _pick(rng, ["Directeur", "Head of operations", "Chairman", "Comptable"], n))
    cols["REMARK"] = _str(_pick(rng, ["", "", "", "", "abonné depuis 2010", "VIP, invite aux premières"], n))
    cols["FIRSTNAME"] = _only(has_person, first)
    cols["LASTNAME"] = _only(has_person, last)

    dates = pd.date_range("1930-01-01", "2008-12-31", freq="D").strftime("%d.%m.%Y").tolist()
    cols["BIRTHDATE"] = _only(has_person & (rng.random(n) < 0.6), _take(dates, rng.integers(0, len(dates), n)))

    country_idx = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_P)
    country = COUNTRIES[country_idx]
    cols["COUNTRY"] = _take(COUNTRIES, country_idx)
    cols["PREF_LANG"] = _take([LANG_OF[c] for c in COUNTRIES], country_idx)

    company = _take(COMPANIES, rng.integers(0, len(COMPANIES), n))
    cols["OFFICIAL_NAME"] = _only(has_structure, company)
    cols["STRUCT_TYPE"] = _only(has_structure, _pick(rng, ["", "COMPANY", "SCHOOL", "ASSOCIATION"], n))
    siret = _str(rng.integers(10**13, 10**14, n)).astype("str")
    cols["ADMIN_NUMBER"] = _only(has_structure & (rng.random(n) < 0.5), "SIRET=" + siret)
    cols["NB_EMPLOYEES"] = _only(has_structure & (rng.random(n) < 0.3), _str(rng.integers(1, 5000, n)).astype("str"))
    cols["WEB_SITE"] = _only(has_structure & (rng.random(n) < 0.3), "https://www.example.com")

    house = _str(rng.integers(1, 200, n)).astype("str")
    cols["ADDR_TYPE"] = _str(_pick(rng, ["", "", "M", "MB", "MSB"], n))
    cols["LINE1"] = house + " " + _str(_pick(rng, STREETS, n))
    cols["LINE2"] = _str(_pick(rng, ["", "", "", "", "Bâtiment B", "c/o Mme Martin"], n))
    # one pool per country: town i of country c is entry c * 6 + i of the flat pool
    town_pool = [town for code in COUNTRIES for town in TOWNS[code][0]]
    cols["TOWN"] = _take(town_pool, country_idx * 6 + rng.integers(0, 6, n))
    zip_number = _str(rng.integers(1000, 9999, n)).astype("str")
    cols["ZIPCODE"] = zip_number.where(country == "CH", "0" + zip_number.str.slice(0, 4))  # FR-like 5 digits
    cols["ZIPCODE"] = cols["ZIPCODE"].where(country != "GB", "SW" + zip_number.str.slice(0, 1) + " 1AA")
    phone_prefix = _take([TOWNS[code][1] for code in COUNTRIES], country_idx)

    def phone(fill: float) -> pd.Series:
        digits = _str(rng.integers(100_000_000, 999_999_999, n)).astype("str")
        text = _str(phone_prefix) + " " + digits.str.slice(0, 1) + " " + digits.str.slice(1, 3) + " " + digits.str.slice(3, 5) \
            + " " + digits.str.slice(5, 7) + " " + digits.str.slice(7, 9)
        return _only(rng.random(n) < fill, text)

    cols["TELEPHONE"] = phone(0.4)
    cols["CELLPHONE"] = phone(0.5)
    suffix = _str(rng.integers(1, 999, n)).astype("str")
    local = (first_ascii + "." + last_ascii).where(has_person, "contact")
    email = local + suffix + "@" + _str(_pick(rng, DOMAINS, n))
    cols["EMAIL1"] = _only(rng.random(n) < 0.85, email)
    for consent in ("CNIL_O", "PARTNER", "LETTER", "EMAIL"):
        cols[consent] = _str(_pick(rng, ["", "TRUE", "FALSE"], n, [0.3, 0.4, 0.3]))
    cols["CRIT01"] = _str(_pick(rng, ["", "", "PREFCOL=Red", "PREFCOL=Red|Green", "PREFCOL=Blue"], n))
    cols["CRIT02"] = _str(_pick(rng, ["", "SEGMENT=ABO", "SEGMENT=OCCASIONNEL"], n))

    frame = pd.DataFrame({code: cols.get(code, empty) for code in layout})
    frame.index = pd.Index(f"{dataset}:" + _str(np.arange(1, n + 1)).astype("str"), dtype="str", name="source_ref")

    if duplicate_rate > 0 and n > 1:
        _add_duplicates(frame, rng, duplicate_rate)
    if bad_rate > 0:
        _add_faults(frame, rng, bad_rate)
    return frame


def _add_duplicates(frame: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    """Overwrite ``rate`` of the rows with a near-copy of an earlier row (new contact number)."""
    n = len(frame)
    targets = np.flatnonzero(rng.random(n) < rate)
    targets = targets[targets > 0]
    if not len(targets):
        return
    sources = (rng.random(len(targets)) * targets).astype(np.int64)  # always an earlier row
    keep = ["CONTACT_NR"]
    copied = frame.iloc[sources].drop(columns=keep)
    copied.index = frame.index[targets]
    variant = rng.integers(0, 3, len(targets))
    last = copied["LASTNAME"]
    copied["LASTNAME"] = last.where(variant != 0, last.str.upper())
    swapped = last.str.slice(0, 1) + last.str.slice(2, 3) + last.str.slice(1, 2) + last.str.slice(3)
    copied["LASTNAME"] = copied["LASTNAME"].where(variant != 1, swapped)
    copied["EMAIL1"] = copied["EMAIL1"].where(variant != 2, copied["EMAIL1"].str.upper())
    for column in copied.columns:
        frame.iloc[targets, frame.columns.get_loc(column)] = copied[column].to_numpy()


def _add_faults(frame: pd.DataFrame, rng: np.random.Generator, rate: float) -> None:
    n = len(frame)
    rows = np.flatnonzero(rng.random(n) < rate)
    rows = rows[rows > 0]
    fault = rng.integers(0, len(FAULTS), len(rows))

    def put(column: str, selected: np.ndarray, values) -> None:
        frame.iloc[selected, frame.columns.get_loc(column)] = values

    for i, name in enumerate(FAULTS):
        selected = rows[fault == i]
        if not len(selected):
            continue
        if name == "email":
            put("EMAIL1", selected, "jean dupont@example")
        elif name == "date":
            put("BIRTHDATE", selected, "30.02.1999")
        elif name == "country":
            put("COUNTRY", selected, "UK")
        elif name == "contact_nr":
            put("CONTACT_NR", selected, ("C-" + frame["CONTACT_NR"].iloc[selected]).to_numpy())
        elif name == "no_name":
            for column in ("FIRSTNAME", "LASTNAME", "OFFICIAL_NAME"):
                put(column, selected, "")
        elif name == "phone":
            put("TELEPHONE", selected, "12")
        elif name == "dup_nr":
            put("CONTACT_NR", selected, frame["CONTACT_NR"].iloc[selected - 1].to_numpy())
        elif name == "long_town":
            put("TOWN", selected, "Saint-Rémy-de-Provence-sur-Mer")


def main(argv: list[str] | None = None) -> None:
    """``python bench/synthetic.py ROWS FILE [--seed N]``: write a SecuTix file (.csv or .xlsx) of made-up contacts."""
    import argparse
    from pathlib import Path

    from stx_migrate.migration.secutix_file import source_refs, write_secutix_file

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("file", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bad-rate", type=float, default=0.02)
    args = parser.parse_args(argv)
    frame = make_contacts(args.rows, seed=args.seed, bad_rate=args.bad_rate)
    frame.index = source_refs(args.file.name, len(frame))
    args.file.parent.mkdir(parents=True, exist_ok=True)
    write_secutix_file(frame, args.file)
    print(args.file)


if __name__ == "__main__":
    main()
