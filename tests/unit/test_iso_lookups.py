"""The country and language name tables: built from pycountry once, then read from the user's cache."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pycountry
import pytest

from stx_migrate.migration.protocol import lookups


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    lookups._tables.cache_clear()
    yield tmp_path
    lookups._tables.cache_clear()


def _in_a_process(cache: os.PathLike, code: str) -> str:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_names_and_codes_map_to_iso_codes(cache_home):
    countries, languages = lookups.country_table(), lookups.language_table()
    assert [countries[lookups.fold_key(n)] for n in ("Suisse", "Schweiz", "Svizzera", "CHE", "ch", "Côte d’Ivoire")] == \
        ["CH", "CH", "CH", "CH", "CH", "CI"]
    assert [languages[lookups.fold_key(n)] for n in ("Deutsch", "allemand", "ger", "deu", "de")] == ["de"] * 5
    assert lookups.country_codes() == frozenset(c.alpha_2 for c in pycountry.countries)
    assert lookups.language_codes() == frozenset(x.alpha_2 for x in pycountry.languages if hasattr(x, "alpha_2"))


def test_the_first_process_builds_the_cache_and_the_next_reads_it_without_pycountry(cache_home):
    code = ("import sys; from stx_migrate.migration.protocol.lookups import country_table, language_table; "
            "print(country_table()['suisse'], language_table()['francais'], 'pycountry' in sys.modules)")
    assert _in_a_process(cache_home, code) == "CH fr True"
    [cached] = (cache_home / "stx-migrate").glob("iso-names-pycountry-*.json")
    assert json.loads(cached.read_text())["countries"] == lookups.build_country_table()
    assert _in_a_process(cache_home, code) == "CH fr False"


def test_a_damaged_cache_is_built_again(cache_home):
    path = lookups.cache_file()
    path.parent.mkdir(parents=True)
    path.write_text('{"countries": {"suisse": "XX"}', encoding="utf-8")   # cut short
    assert lookups.country_table()["suisse"] == "CH"
    assert json.loads(path.read_text())["languages"] == lookups.build_language_table()


def test_an_unwritable_cache_is_only_a_slower_start(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    lookups._tables.cache_clear()
    try:
        assert lookups.language_table()["deutsch"] == "de"
    finally:
        lookups._tables.cache_clear()
