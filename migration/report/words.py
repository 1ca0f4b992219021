"""The words of the customer's documents in French, German and English.

The words themselves are in ``words.yaml`` beside this module; this module puts them together.

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
Texts = tuple[str, str, str]   # fr, de, en


class _Languages(StrictModel):
    fr: dict[str, str]
    de: dict[str, str]
    en: dict[str, str]

    @model_validator(mode="after")
    def _same_keys(self) -> _Languages:
        keys = set(self.fr)
        for language in ("de", "en"):
            if set(getattr(self, language)) != keys:
                raise ValueError(f"{language} does not name the same words as fr: "
                                 f"{sorted(keys ^ set(getattr(self, language)))}")
        return self


class _Words(StrictModel):
    """words.yaml: the documents' words in every language (a triple is fr, de, en)."""

    words: _Languages
    subjects: dict[str, Texts]
    patterns: tuple[tuple[str, Texts], ...]
    sentences: dict[str, Texts]
    filter_sentences: dict[str, Texts]
    filter_fallback: Texts
    import_prefix: Texts


def _load_words() -> _Words:
    path = Path(str(resources.files(__package__).joinpath(WORDS_FILE)))
    return validate_model(_Words, read_yaml(path), str(path))


_FILE = _load_words()
WORDS: dict[str, dict[str, str]] = _FILE.words.model_dump()
SUBJECTS = _FILE.subjects                 # a column code or a kind named in a code → its words
PATTERNS = _FILE.patterns                 # a code's ending → what it says, {s} for the subject
SENTENCES = _FILE.sentences               # codes with a sentence of their own
FILTER_SENTENCES = _FILE.filter_sentences  # the filter names the bundled protocols use
FILTER_FALLBACK = _FILE.filter_fallback
IMPORT_PREFIX = _FILE.import_prefix


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
