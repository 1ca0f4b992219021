"""``stx-migrate guide``: the customer's starter kit, generated from the format and rule catalogues.

``guide.xlsx`` explains every column of the import file (meaning, type, maximum length,
whether it is mandatory, its code list, an example), every rule a row must pass with the
effect and the validator's own message (as rejects.csv gives it), and CONFIG rows; the
empty template (``contacts-template.xlsx``) goes beside it. Words come from the report's
tables (:mod:`.words`), so the guide and the report speak the same language.
"""
from __future__ import annotations

from pathlib import Path

import xlsxwriter

from ..format import extended_format
from ..rules.catalogue import load_rules
from .words import LANGUAGES, _lang, column_label, reason_text, word

GUIDE_FILE = "guide.xlsx"
TEMPLATE_FILE = "contacts-template.xlsx"

TYPES = {   # fr, de, en
    "text": ("texte", "Text", "text"), "enum": ("valeur d'une liste", "Wert aus einer Liste", "value from a list"),
    "code": ("code", "Code", "code"), "codevalue": ("CODE=valeur", "CODE=Wert", "CODE=value"),
    "contact_nr": ("chiffres", "Ziffern", "digits"), "date": ("date jj.mm.aaaa", "Datum TT.MM.JJJJ", "date dd.mm.yyyy"),
    "integer": ("nombre entier", "Ganzzahl", "whole number"), "url": ("adresse web", "Webadresse", "web address"),
    "addr_type": ("M, S, B ou combinaison", "M, S, B oder Kombination", "M, S, B or a combination"),
    "country": ("code pays ISO (CH, FR…)", "ISO-Ländercode (CH, FR…)", "ISO country code (CH, FR…)"),
    "language": ("code langue ISO (fr, de…)", "ISO-Sprachcode (fr, de…)", "ISO language code (fr, de…)"),
    "phone": ("téléphone", "Telefonnummer", "phone number"), "email": ("adresse e-mail", "E-Mail-Adresse", "e-mail address"),
    "boolean": ("TRUE ou FALSE", "TRUE oder FALSE", "TRUE or FALSE"),
}
SECTIONS = {
    "Global fields": ("Champs généraux", "Allgemeine Felder"), "Contact": ("Contact", "Kontakt"),
    "Individual": ("Personne", "Person"), "Structure": ("Structure", "Struktur"), "Address": ("Adresse", "Adresse"),
    "Communication means": ("Moyens de communication", "Kommunikationsmittel"),
    "Authorization": ("Autorisations", "Einwilligungen"), "Criterion": ("Critères", "Kriterien"),
}
EXAMPLES = {
    "INSTITUTION": "TDL", "ORGANIZATION": "TDL", "OPERATION": "INSERT", "CONTACT_NR": "100234", "TITLE": "MRS",
    "FIRSTNAME": "Anne", "LASTNAME": "Muster", "BIRTHDATE": "24.06.1985", "PREF_LANG": "fr",
    "OFFICIAL_NAME": "Théâtre Exemple SA", "STRUCT_TYPE": "COMPANY", "ADMIN_NUMBER": "SIRET=73282932000074",
    "NB_EMPLOYEES": "25", "WEB_SITE": "https://www.example.org", "ADDR_TYPE": "MB", "LINE1": "Rue du Lac 12",
    "ZIPCODE": "1003", "TOWN": "Lausanne", "COUNTRY": "CH", "TELEPHONE": "+41215550101", "CELLPHONE": "+41795550101",
    "EMAIL1": "anne.muster@example.org", "CNIL_O": "TRUE", "ROLE": "PUBLIC", "REMARK": "Abonnée depuis 2012",
}
CONFIG_TEXT = (
    ("Une ligne CONFIG (OPERATION = CONFIG, en ligne 5) donne une fois pour toutes, par colonne CODE=valeur "
     "(numéro administratif, critères), le code commun à toutes les lignes : les cellules suivantes ne portent "
     "alors que la valeur. Sans ligne CONFIG, chaque cellule s'écrit CODE=valeur. INSTITUTION et ORGANIZATION "
     "de la ligne CONFIG sont celles des lignes de données."),
    ("Eine CONFIG-Zeile (OPERATION = CONFIG, in Zeile 5) legt pro CODE=Wert-Spalte (Verwaltungsnummer, Kriterien) "
     "einmal den gemeinsamen Code aller Zeilen fest: die folgenden Zellen enthalten dann nur den Wert. Ohne "
     "CONFIG-Zeile wird jede Zelle als CODE=Wert geschrieben. INSTITUTION und ORGANIZATION der CONFIG-Zeile "
     "sind die der Datenzeilen."),
    ("A CONFIG row (OPERATION = CONFIG, on row 5) sets once, for each CODE=value column (administrative number, "
     "criteria), the code shared by every row: the cells below then hold the value only. Without a CONFIG row "
     "every cell is written CODE=value. The CONFIG row's INSTITUTION and ORGANIZATION are those of the data rows."),
)
CONFIG_EXAMPLE = (
    {"INSTITUTION": "TDL", "ORGANIZATION": "TDL", "OPERATION": "CONFIG", "ADMIN_NUMBER": "SIRET", "CRIT01": "GENRE"},
    {"INSTITUTION": "TDL", "ORGANIZATION": "TDL", "OPERATION": "INSERT", "LASTNAME": "Muster", "CRIT01": "OPERA|JAZZ"},
    {"INSTITUTION": "TDL", "ORGANIZATION": "TDL", "OPERATION": "INSERT", "OFFICIAL_NAME": "Exemple SA",
     "ADMIN_NUMBER": "73282932000074"},
)
MANDATORY = {"yes": "yes", "no": "no"}


def _example(spec) -> str:
    if spec.code in EXAMPLES:
        return EXAMPLES[spec.code]
    if spec.code.startswith("CRIT"):
        return "GENRE=OPERA|JAZZ"
    return {"boolean": "FALSE", "email": "info@example.org", "phone": "+41215550199", "text": ""}.get(spec.type, "")


def _mandatory(spec, language: str) -> str:
    if spec.mandatory in ("name_rule", "update_only"):
        return word(spec.mandatory, language)
    return word("yes" if spec.mandatory == "yes" else "no", language)


def _code_list(spec, language: str) -> str:
    if spec.catalogue:
        return word("set_up", language)
    return ", ".join(spec.allowed)


def column_rows(language: str) -> list[list[str]]:
    """One line per column of the template, in template order."""
    i = _lang(language)
    rows = []
    for spec in extended_format().columns:
        if not spec.in_layout:
            continue
        section = spec.section if i == 2 else SECTIONS.get(spec.section, (spec.section,) * 2)[i]
        meaning = column_label(spec.code, language)
        rows.append([section, spec.code, meaning[0].upper() + meaning[1:], TYPES.get(spec.type, (spec.type,) * 3)[i],
                     str(spec.max_length or ""), _mandatory(spec, language), _code_list(spec, language), _example(spec),
                     spec.help])
    return rows


def rule_rows(language: str) -> list[list[str]]:
    """One line per rule of rules.yaml: what it checks, its effect in words, and the validator's message."""
    rows = []
    for rule in load_rules().rules:
        columns = list(rule.columns)
        shown = ", ".join(columns[:6]) + (f" … ({len(columns)})" if len(columns) > 6 else "")
        rows.append([rule.code, shown, word(rule.severity, language), reason_text(rule.code, language),
                     rule.message_for(columns[0])])
    return rows


def write_guide(out_dir: Path, language: str) -> list[Path]:
    """Write ``guide.xlsx`` and the empty template into ``out_dir``; returns both paths."""
    from ..secutix_file import write_template

    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r} (allowed: {', '.join(LANGUAGES)})")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    guide = out_dir / GUIDE_FILE
    book = xlsxwriter.Workbook(str(guide), {"strings_to_numbers": False, "strings_to_formulas": False,
                                            "strings_to_urls": False})
    bold, wrap = book.add_format({"bold": True}), book.add_format({"text_wrap": True, "valign": "top"})
    try:
        _sheet(book, word("columns", language), bold,
               [word(k, language) for k in ("section", "column", "meaning", "type", "length", "mandatory", "code_list",
                                             "example")] + ["SecuTix"], column_rows(language))
        _sheet(book, word("rules", language), bold,
               [word("code", language), word("column", language), word("severity", language), word("reason", language),
                word("message", language)], rule_rows(language))
        config = book.add_worksheet(word("config", language)[:31])
        config.set_column(0, 0, 100)
        config.write_string(0, 0, word("config", language), bold)
        config.write_string(1, 0, CONFIG_TEXT[_lang(language)], wrap)
        config.set_row(1, 90)
        columns = ["INSTITUTION", "ORGANIZATION", "OPERATION", "LASTNAME", "OFFICIAL_NAME", "ADMIN_NUMBER", "CRIT01"]
        for c, name in enumerate(columns):
            config.write_string(3, c, name, bold)
        for r, example in enumerate(CONFIG_EXAMPLE, start=4):
            for c, name in enumerate(columns):
                config.write_string(r, c, example.get(name, ""))
        book.add_worksheet(word("template", language)[:31]).write_string(0, 0, TEMPLATE_FILE)
    finally:
        book.close()
    template = out_dir / TEMPLATE_FILE
    write_template(template)
    return [guide, template]


def _sheet(book, title: str, bold, headers: list[str], rows: list[list[str]]) -> None:
    sheet = book.add_worksheet(title[:31])
    for c, h in enumerate(headers):
        sheet.write_string(0, c, h, bold)
        sheet.set_column(c, c, 22)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            sheet.write_string(r, c, v)
