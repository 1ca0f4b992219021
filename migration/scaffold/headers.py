"""What a column header says about its SecuTix target, in French, German and English.

Headers are compared folded (accents off, lower case, every run of other characters
one ``_``): ``Date de naissance`` → ``date_de_naissance``. A name matches when it is
one of these, or when its words contain one of the multi-word ones.
"""
from __future__ import annotations

# target → folded header names; "@contact_number" is the protocol's contact_number, not a column
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "@contact_number": ("num_client", "numero_client", "no_client", "n_client", "id_client", "client_id", "code_client",
                        "customer_id", "customer_number", "customer_no", "contact_id", "contact_number", "contact_nr",
                        "kundennummer", "kunden_nr", "kundennr", "kunde_id", "kunden_id"),
    "TITLE": ("civilite", "titre", "title", "salutation", "anrede", "form_of_address"),
    "FIRSTNAME": ("prenom", "prenoms", "first_name", "firstname", "given_name", "forename", "vorname", "fname"),
    "LASTNAME": ("nom", "nom_de_famille", "nom_famille", "last_name", "lastname", "surname", "family_name", "nachname",
                 "familienname", "name", "lname"),
    "BIRTHDATE": ("date_naissance", "date_de_naissance", "naissance", "ne_le", "datenaiss", "birthdate", "birth_date",
                  "date_of_birth", "dob", "birthday", "geburtsdatum", "geburtstag", "geb_datum"),
    "PREF_LANG": ("langue", "langue_preferee", "language", "lang", "preferred_language", "sprache", "korrespondenzsprache"),
    "FUNCTION": ("fonction", "poste", "job_title", "function", "position", "funktion", "beruf"),
    "REMARK": ("remarque", "remarques", "commentaire", "commentaires", "observations", "note", "notes", "comment",
               "comments", "remark", "remarks", "bemerkung", "bemerkungen", "kommentar"),
    "OFFICIAL_NAME": ("societe", "raison_sociale", "entreprise", "nom_societe", "company", "company_name", "organisation",
                      "organization", "firma", "firmenname", "unternehmen", "structure"),
    "WEB_SITE": ("site_web", "site_internet", "website", "web_site", "web", "url", "webseite", "homepage"),
    "LINE1": ("adresse", "adresse1", "adresse_1", "rue", "address", "address1", "address_1", "street", "address_line_1",
              "strasse", "adresse_ligne_1", "line1"),
    "LINE2": ("adresse2", "adresse_2", "complement", "complement_adresse", "address2", "address_2", "address_line_2",
              "adresszusatz", "zusatz", "line2"),
    "LINE3": ("adresse3", "adresse_3", "address3", "address_3", "address_line_3", "line3"),
    "ZIPCODE": ("cp", "code_postal", "codepostal", "npa", "zip", "zipcode", "zip_code", "postcode", "post_code",
                "postal_code", "plz", "postleitzahl"),
    "TOWN": ("ville", "localite", "commune", "city", "town", "ort", "stadt", "wohnort", "gemeinde"),
    "COUNTRY": ("pays", "country", "land", "staat", "code_pays", "country_code", "laenderkennzeichen"),
    "EMAIL1": ("email", "e_mail", "mail", "courriel", "adresse_email", "adresse_mail", "email_address", "e_mail_adresse",
               "emailadresse"),
    "TELEPHONE": ("telephone", "tel", "tel_fixe", "telephone_fixe", "phone", "phone_number", "landline", "telefon",
                  "telefonnummer", "festnetz", "tel_prive", "tel_domicile"),
    "CELLPHONE": ("mobile", "portable", "tel_portable", "tel_mobile", "telephone_portable", "cell", "cellphone",
                  "cell_phone", "mobile_phone", "handy", "natel", "gsm", "mobil", "mobiltelefon", "mobilnummer"),
    "FAX": ("fax", "telefax", "telecopie", "fax_number"),
}

# a second (third) column of the same kind goes to the next free SecuTix column
OVERFLOW: dict[str, tuple[str, ...]] = {"EMAIL1": ("EMAIL1", "EMAIL2", "EMAIL3"), "LINE1": ("LINE1", "LINE2", "LINE3")}

# salutations as customers write them → SecuTix TITLE codes (folded keys)
TITLES: dict[str, str] = {
    "m": "MR", "m.": "MR", "mr": "MR", "mr.": "MR", "monsieur": "MR", "herr": "MR", "hr.": "MR", "hr": "MR", "sir": "MR",
    "mme": "MRS", "mme.": "MRS", "madame": "MRS", "mrs": "MRS", "mrs.": "MRS", "ms": "MRS", "ms.": "MRS", "frau": "MRS",
    "fr.": "MRS", "mlle": "MISS", "mlle.": "MISS", "mademoiselle": "MISS", "miss": "MISS", "fraulein": "MISS",
    "m. et mme": "MR_AND_MRS", "monsieur et madame": "MR_AND_MRS", "mr and mrs": "MR_AND_MRS", "herr und frau": "MR_AND_MRS",
}
