"""The customer's words: every reason the validator, the import or a filter can give reads as words in fr, de, en."""
from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path

import pytest

from stx_migrate.migration.errors import GuardRefused, InputError
from stx_migrate.migration.report.words import LANGUAGES, WORDS, column_label, reason_text
from stx_migrate.migration.rules.catalogue import load_rules

IMPORT_CODES = ("IMPORT_UNKNOWN_INSTITUTION", "IMPORT_CONTACT_NR_TAKEN", "IMPORT_UNKNOWN_CRITERION_ELEMENT",
                "IMPORT_NOT_A_STRUCTURE", "IMPORT_STRUCTURE_NR_CONFLICT", "IMPORT_NO_NAME", "IMPORT_CONTACT_NOT_FOUND")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_rule_and_import_code_has_plain_words(language):
    codes = [r.code for r in load_rules().rules] + list(IMPORT_CODES) + ["MERGED", "RETENTION", "DELETED_ACCOUNT"]
    for code in codes:
        text = reason_text(code, language)
        assert code not in text and not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b", text), (code, text)
        assert not text[0].islower(), (code, text)
    # a filter code of the customer's own protocol is named, with words around it
    assert "OLD_SEASON" in reason_text("OLD_SEASON", language)


def test_languages_differ_and_share_their_keys():
    assert set(WORDS["fr"]) == set(WORDS["de"]) == set(WORDS["en"])
    assert reason_text("EMAIL_FORMAT", "fr") == "L'e-mail n'a pas le bon format"
    assert reason_text("EMAIL_FORMAT", "de") == "Die E-Mail hat nicht das richtige Format"
    assert reason_text("IMPORT_UNKNOWN_INSTITUTION", "en") == "Refused by SecuTix: the institution is not set up in your SecuTix"
    assert column_label("CRIT07", "de") == "das Kriterium 07" and column_label("ZIPCODE", "fr") == "le code postal"
    assert reason_text("EMAIL_FORMAT", "it") == reason_text("EMAIL_FORMAT", "en")   # unknown language: English
    assert WORDS["en"]["yes"] == "yes" and WORDS["de"]["no"] == "nein"   # quoted keys: not read as booleans


def test_a_words_file_missing_a_word_in_one_language_is_refused():
    from stx_migrate.migration.errors import ConfigError
    from stx_migrate.migration.report.words import WORDS_FILE, _Words
    from stx_migrate.migration.settings.base import read_yaml, validate_model

    data = read_yaml(Path(str(resources.files("stx_migrate.migration.report").joinpath(WORDS_FILE))))
    del data["words"]["de"]["merged"]
    with pytest.raises(ConfigError, match=r"words\.yaml.*de does not name the same words as fr: \['merged'\]"):
        validate_model(_Words, data, "words.yaml")
    data["words"]["de"]["merged"] = "x"
    data["subjects"]["TOWN"] = ["la localité", "der Ort"]   # a triple short of English
    with pytest.raises(ConfigError, match=r"words\.yaml › subjects › TOWN"):
        validate_model(_Words, data, "words.yaml")


def test_a_refusal_is_logged_with_its_reasons_and_no_traceback():
    from stx_migrate.tasks.logging import RedactPersonalData

    def record(error):
        try:
            raise error
        except Exception as e:
            r = logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1,
                                  "Encountered exception during execution: %r", (e,), exc_info=(type(e), e, e.__traceback__))
        RedactPersonalData().filter(r)
        return r

    refused = record(GuardRefused(["the gate failed"]))
    assert refused.exc_info is None and refused.exc_text is None and "the gate failed" in refused.getMessage()
    crashed = record(RuntimeError("boom"))             # a real crash keeps its traceback
    assert crashed.exc_text and "Traceback" in crashed.exc_text
    bad_input = record(InputError("bad", file="x.csv"))
    assert bad_input.exc_text
