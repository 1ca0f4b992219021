"""An environment's set-up read from and written to the store (institutions, organizations, reference data).

Organizations have no table of their own in the store (the import does not check them):
they are kept as the code list ``organizations``, which the reference reader ignores.
"""
from __future__ import annotations

from sqlalchemy import text

from ..environment_setup import EnvironmentSetup
from .reference_io import read_reference_data, seed_reference_data
from .store import ContactStore

ORGANIZATIONS = "organizations"


def read_setup(store: ContactStore) -> EnvironmentSetup:
    """What the environment holds: its institutions, organizations and reference data."""
    with store.engine.connect() as c:
        institutions = {code: (country, language) for code, country, language in
                        c.execute(text("SELECT code, country, language FROM institution"))}
        organizations = frozenset(r[0] for r in c.execute(
            text("SELECT code FROM code_list WHERE list_name = :n"), {"n": ORGANIZATIONS}))
    return EnvironmentSetup(institutions=institutions, organizations=organizations, reference=read_reference_data(store))


def write_setup(store: ContactStore, setup: EnvironmentSetup) -> None:
    """Add what ``setup`` holds to the store; what is already there is kept (a second run adds nothing)."""
    for code, (country, language) in setup.institutions.items():
        seed_reference_data(store, setup.reference.__class__(), institutions=[code], country=country, language=language)
    seed_reference_data(store, setup.reference)
    with store.transaction() as c:
        have = {r[0] for r in c.execute(text("SELECT code FROM code_list WHERE list_name = :n"), {"n": ORGANIZATIONS})}
        for code in sorted(setup.organizations - have):
            c.execute(text("INSERT INTO code_list (list_name, code) VALUES (:n, :c)"), {"n": ORGANIZATIONS, "c": code})
