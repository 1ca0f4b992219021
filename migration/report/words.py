"""The words of the customer's documents in French, German and English.

The documents' fixed words (headings, labels) are in ``words.yaml`` beside this module.

Reasons are given in plain words: a few codes have a sentence of their own, the others
are built from what the code says (``<COLUMN>_TOO_LONG``, ``IMPORT_UNKNOWN_<KIND>``…) and
the column's name in the reader's language, so a new code in rules.yaml still reads as
words, never as a bare code.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import model_validator

from ..settings.base import StrictModel, read_yaml, validate_model

LANGUAGES = ("fr", "de", "en")

WORDS_FILE = "words.yaml"


class _Words(StrictModel):
    """words.yaml: each document word in every language, under the same keys."""

    fr: dict[str, str]
    de: dict[str, str]
    en: dict[str, str]

    @model_validator(mode="after")
    def _same_keys(self) -> _Words:
        keys = set(self.fr)
        for language in ("de", "en"):
            if set(getattr(self, language)) != keys:
                raise ValueError(f"{language} does not name the same words as fr: "
                                 f"{sorted(keys ^ set(getattr(self, language)))}")
        return self


def _load_words() -> dict[str, dict[str, str]]:
    path = Path(str(resources.files(__package__).joinpath(WORDS_FILE)))
    return validate_model(_Words, read_yaml(path), str(path)).model_dump()


WORDS: dict[str, dict[str, str]] = _load_words()

# the subjects reasons talk about: a column code or a kind named in a code
SUBJECTS: dict[str, tuple[str, str, str]] = {   # fr, de, en
    "INSTITUTION": ("l'institution", "die Institution", "the institution"),
    "ORGANIZATION": ("l'organisation", "die Organisation", "the organization"),
    "OPERATION": ("l'opération", "die Operation", "the operation"),
    "CONTACT_NR": ("le numéro de contact", "die Kontaktnummer", "the contact number"),
    "ROLE": ("le rôle", "die Rolle", "the role"),
    "TITLE": ("la civilité", "die Anrede", "the title"),
    "LETTER_SALUTATION": ("la formule de lettre", "die Briefanrede", "the letter salutation"),
    "ADDR_SALUTATION": ("la formule d'adresse", "die Adressanrede", "the address salutation"),
    "FUNCTION": ("la fonction", "die Funktion", "the function"),
    "REMARK": ("la remarque", "die Bemerkung", "the remark"),
    "FIRSTNAME": ("le prénom", "der Vorname", "the first name"),
    "LASTNAME": ("le nom", "der Name", "the last name"),
    "BIRTHDATE": ("la date de naissance", "das Geburtsdatum", "the birth date"),
    "PREF_LANG": ("la langue préférée", "die bevorzugte Sprache", "the preferred language"),
    "OFFICIAL_NAME": ("la raison sociale", "der Firmenname", "the official name"),
    "ADDRESS_NAME1": ("le nom d'adresse 1", "der Adressname 1", "address name 1"),
    "ADDRESS_NAME2": ("le nom d'adresse 2", "der Adressname 2", "address name 2"),
    "STRUCT_TYPE": ("le type de structure", "der Strukturtyp", "the structure type"),
    "COMMUNITY_TYPE": ("le type de communauté", "der Gemeinschaftstyp", "the community type"),
    "ADMIN_NUMBER": ("le numéro administratif", "die Verwaltungsnummer", "the administrative number"),
    "ADMIN_NUMBER_CODE": ("le code de numéro administratif", "der Code der Verwaltungsnummer", "the administrative number code"),
    "ADMIN_NUMBER_TYPE": ("le type de numéro administratif", "der Verwaltungsnummertyp", "the administrative number type"),
    "NB_EMPLOYEES": ("le nombre d'employés", "die Anzahl Mitarbeitende", "the number of employees"),
    "WEB_SITE": ("le site web", "die Website", "the web site"),
    "ADDR_TYPE": ("le type d'adresse", "der Adresstyp", "the address type"),
    "LINE1": ("la ligne d'adresse 1", "die Adresszeile 1", "address line 1"),
    "LINE2": ("la ligne d'adresse 2", "die Adresszeile 2", "address line 2"),
    "LINE3": ("la ligne d'adresse 3", "die Adresszeile 3", "address line 3"),
    "ZIPCODE": ("le code postal", "die Postleitzahl", "the postcode"),
    "TOWN": ("la localité", "der Ort", "the town"),
    "TOWN_COMPLEMENT": ("le complément de localité", "der Ortszusatz", "the town complement"),
    "DEPARTMENT": ("le département", "das Departement", "the department"),
    "COUNTRY": ("le pays", "das Land", "the country"),
    "TELEPHONE": ("le téléphone", "das Telefon", "the telephone"),
    "PHONE": ("le numéro de téléphone", "die Telefonnummer", "the phone number"),
    "FAX": ("le fax", "das Fax", "the fax"),
    "CELLPHONE": ("le mobile", "das Mobiltelefon", "the mobile phone"),
    "EMAIL": ("l'e-mail", "die E-Mail", "the e-mail"),
    "EMAIL1": ("l'e-mail 1", "die E-Mail 1", "e-mail 1"),
    "EMAIL2": ("l'e-mail 2", "die E-Mail 2", "e-mail 2"),
    "EMAIL3": ("l'e-mail 3", "die E-Mail 3", "e-mail 3"),
    "BOOLEAN": ("un consentement (TRUE/FALSE)", "eine Einwilligung (TRUE/FALSE)", "a consent (TRUE/FALSE)"),
    "CNIL_O": ("la communication de l'institution", "die Kommunikation der Institution", "institution communication"),
    "PARTNER": ("la communication des partenaires", "die Kommunikation der Partner", "partner communication"),
    "CNIL_T": ("les tiers", "Dritte", "third parties"),
    "SMS_MMS": ("SMS/MMS", "SMS/MMS", "SMS/MMS"),
    "LETTER": ("le courrier postal", "die Briefpost", "postal mail"),
    "CRITERION": ("le critère", "das Kriterium", "the criterion"),
    "CRITERION_VALUE": ("la valeur du critère", "der Kriteriumswert", "the criterion value"),
    "CRITERION_ELEMENT": ("la valeur du critère", "der Kriteriumswert", "the criterion value"),
    "CONFIG_CODE": ("le code de la ligne CONFIG", "der Code der CONFIG-Zeile", "the CONFIG row's code"),
    "NAME": ("le nom", "der Name", "the name"),
    "VALUE": ("une valeur", "ein Wert", "a value"),
    "STRUCTURE": ("la structure", "die Struktur", "the structure"),
    "STRUCTURE_NR": ("le numéro de la structure", "die Nummer der Struktur", "the structure's number"),
    "CONTACT": ("le contact", "der Kontakt", "the contact"),
    "NUMBER_RANGE": ("la plage de numéros", "der Nummernbereich", "the number range"),
    "FIELD": ("un champ", "ein Feld", "a field"),
}

# what a code's ending says, with {s} for the subject
PATTERNS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("_MISSING_ON_UPDATE", ("{s} manque : il est obligatoire pour une mise à jour",
                            "{s} fehlt: bei einer Aktualisierung Pflicht", "{s} is missing: it is required to update")),
    ("_MISSING", ("{s} manque", "{s} fehlt", "{s} is missing")),
    ("_TOO_LONG", ("{s} : valeur trop longue", "{s}: Wert zu lang", "{s}: value too long")),
    ("_NOT_SET_UP", ("{s} n'existe pas dans votre SecuTix", "{s} ist in Ihrem SecuTix nicht eingerichtet",
                     "{s} is not set up in your SecuTix")),
    ("_UNKNOWN", ("{s} n'existe pas dans votre SecuTix", "{s} ist in Ihrem SecuTix nicht eingerichtet",
                  "{s} is not set up in your SecuTix")),
    ("_NOT_DIGITS", ("{s} doit contenir des chiffres uniquement", "{s} darf nur Ziffern enthalten",
                     "{s} must hold digits only")),
    ("_DUPLICATE", ("{s} figure déjà sur une ligne précédente", "{s} steht schon in einer früheren Zeile",
                    "{s} is already on an earlier row")),
    ("_IMPOSSIBLE", ("{s} n'est pas une date du calendrier", "{s} ist kein Kalenderdatum", "{s} is not a calendar date")),
    ("_FUTURE", ("{s} est dans le futur", "{s} liegt in der Zukunft", "{s} is in the future")),
    ("_CONTACT_TYPE", ("{s} ne s'applique pas à ce type de contact", "{s} gilt nicht für diese Kontaktart",
                       "{s} does not apply to this kind of contact")),
    ("_NOT_FOR_TYPE", ("{s} ne s'applique pas à ce type de contact", "{s} gilt nicht für diese Kontaktart",
                       "{s} does not apply to this kind of contact")),
    ("_NOT_FOUND", ("{s} est introuvable dans SecuTix", "{s} wurde in SecuTix nicht gefunden", "{s} was not found in SecuTix")),
    ("_TAKEN", ("{s} est déjà utilisé par un autre contact", "{s} wird schon von einem anderen Kontakt verwendet",
                "{s} is already used by another contact")),
    ("_AMBIGUOUS", ("{s} désigne plusieurs contacts", "{s} passt auf mehrere Kontakte", "{s} matches several contacts")),
    ("_CONFLICT", ("{s} est en conflit avec un contact existant", "{s} steht im Konflikt mit einem bestehenden Kontakt",
                   "{s} conflicts with an existing contact")),
    ("_EXHAUSTED", ("{s} est épuisée", "{s} ist erschöpft", "{s} is used up")),
    ("_ANONYMIZED", ("{s} a été anonymisé", "{s} wurde anonymisiert", "{s} was anonymized")),
    ("_NOT_APPLICABLE", ("{s} ne s'applique pas à ce contact", "{s} gilt nicht für diesen Kontakt",
                         "{s} does not apply to this contact")),
    ("_NOT_SUPPORTED", ("{s} n'est pas acceptée par l'import", "{s} wird vom Import nicht angenommen",
                        "{s} is not accepted by the import")),
    ("_NOT_A_STRUCTURE", ("{s} n'est pas une structure", "{s} ist keine Struktur", "{s} is not a structure")),
    ("_SCHEME", ("{s} doit commencer par http:// ou https://", "{s} muss mit http:// oder https:// beginnen",
                 "{s} must start with http:// or https://")),
    ("_FORMAT", ("{s} n'a pas le bon format", "{s} hat nicht das richtige Format", "{s} is not in the right format")),
    ("_INVALID", ("{s} n'est pas valable", "{s} ist ungültig", "{s} is not valid")),
)

SENTENCES: dict[str, tuple[str, str, str]] = {
    "NAME_MISSING": ("aucun nom : il faut un prénom, un nom ou une raison sociale",
                     "kein Name: Vorname, Name oder Firmenname nötig", "no name: a first name, last name or official name is needed"),
    "IMPORT_NO_NAME": ("aucun nom : il faut un prénom, un nom ou une raison sociale",
                       "kein Name: Vorname, Name oder Firmenname nötig", "no name: a first name, last name or official name is needed"),
    "CLEAR_ON_INSERT": ("« = » efface une valeur : inutile pour un nouveau contact, ignoré",
                        "„=“ löscht einen Wert: bei einem neuen Kontakt sinnlos, ignoriert",
                        "'=' clears a value: pointless for a new contact, ignored"),
    "MERGED": ("doublon d'un autre contact, fusionné avec lui", "Dublette eines anderen Kontakts, mit ihm zusammengeführt",
               "duplicate of another contact, merged into it"),
    "RETENTION": ("aucun achat depuis la date limite convenue : non migré",
                  "kein Kauf seit dem vereinbarten Stichtag: nicht migriert",
                  "no purchase since the agreed cut-off date: not migrated"),
    "IMPORT_UNKNOWN_OPERATION": ("l'opération n'est pas connue de l'import", "die Operation ist dem Import unbekannt",
                                 "the operation is unknown to the import"),
    "IMPORT_NOT_A_STRUCTURE": ("refusé par SecuTix : le contact de rattachement n'est pas une structure",
                               "von SecuTix abgelehnt: der verknüpfte Kontakt ist keine Struktur",
                               "refused by SecuTix: the contact it is attached to is not a structure"),
    "OPERATION_UNKNOWN": ("l'opération doit être CONFIG, INSERT, UPDATE ou vide", "die Operation muss CONFIG, INSERT, UPDATE oder leer sein",
                          "the operation must be CONFIG, INSERT, UPDATE or empty"),
    "COUNTRY_UNKNOWN": ("le pays n'est pas un code ISO à deux lettres connu : pays de l'institution utilisé",
                        "das Land ist kein bekannter zweistelliger ISO-Code: Land der Institution verwendet",
                        "the country is not a known two-letter ISO code: the institution's country is used"),
    "VALUE_TOO_LONG": ("valeur trop longue pour sa colonne : raccourcie", "Wert zu lang für seine Spalte: gekürzt",
                       "value too long for its column: shortened"),
    "IMPORT_NO_CONFIG_CODE": ("aucune ligne CONFIG ne définit ce code", "keine CONFIG-Zeile definiert diesen Code",
                              "no CONFIG row sets this code"),
}
# Protocol filters are named by each project; these are the names the bundled protocols use.
FILTER_SENTENCES: dict[str, tuple[str, str, str]] = {
    "DELETED_ACCOUNT": ("compte supprimé dans l'ancien système : non migré",
                        "im alten System gelöschtes Konto: nicht migriert", "account deleted in the old system: not migrated"),
}
FILTER_FALLBACK = ("écartée par la règle {code} du protocole", "durch die Regel {code} des Protokolls ausgeschlossen",
                   "left out by the protocol's rule {code}")
IMPORT_PREFIX = ("refusé par SecuTix : ", "von SecuTix abgelehnt: ", "refused by SecuTix: ")


def _lang(language: str) -> int:
    return LANGUAGES.index(language if language in LANGUAGES else "en")


def word(key: str, language: str) -> str:
    return WORDS[LANGUAGES[_lang(language)]][key]


def column_label(column: str, language: str) -> str:
    """A column's name in the reader's language (CRIT07 → the criterion 07)."""
    i = _lang(language)
    if column.startswith("CRIT") and column[4:].isdigit():
        return f"{SUBJECTS['CRITERION'][i]} {column[4:]}"
    return SUBJECTS[column][i] if column in SUBJECTS else column


def _subject(stem: str, i: int) -> str:
    """The longest known subject a code starts with (IMPORT_UNKNOWN_X: X)."""
    for cut in range(len(stem), 0, -1):
        if stem[:cut] in SUBJECTS and (cut == len(stem) or stem[cut] == "_"):
            return SUBJECTS[stem[:cut]][i]
    return stem.replace("_", " ").lower()


def reason_text(code: str, language: str) -> str:
    """``code`` (a finding, filter or import code) in plain words."""
    text = _plain(code, _lang(language))
    return text[0].upper() + text[1:]


def _plain(code: str, i: int) -> str:
    if code in SENTENCES or code in FILTER_SENTENCES:
        return {**FILTER_SENTENCES, **SENTENCES}[code][i]
    rest, prefix = (code[len("IMPORT_"):], IMPORT_PREFIX[i]) if code.startswith("IMPORT_") else (code, "")
    if rest.startswith("UNKNOWN_"):
        return prefix + PATTERNS[[p for p, _ in PATTERNS].index("_UNKNOWN")][1][i].format(s=_subject(rest[8:], i))
    for ending, texts in PATTERNS:
        if rest.endswith(ending):
            return prefix + texts[i].format(s=_subject(rest[: -len(ending)], i))
    return FILTER_FALLBACK[i].format(code=code)
