"""The store's reference data ↔ the format's :class:`ReferenceData` (read for the rules, seeded for tests and the demo)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sqlalchemy import text

from ..reference import Criterion, ReferenceData

if TYPE_CHECKING:   # store.py opens connections and reads through this module: no import back at run time
    from .store import ContactStore

CODE_LISTS = ("titles", "languages", "departments", "country_names")


def read_reference_data(store: ContactStore) -> ReferenceData:
    """What the environment has set up: code lists, types, criteria with their elements."""
    with store.engine.connect() as c:
        lists: dict[str, set[str]] = {name: set() for name in CODE_LISTS}
        for name, code in c.execute(text("SELECT list_name, code FROM code_list")):
            lists.setdefault(name, set()).add(code)
        criteria = {code: Criterion(contact_type=ctype, elements=frozenset()) for code, ctype in
                    c.execute(text("SELECT code, contact_type FROM criterion"))}
        elements: dict[str, set[str]] = {}
        for ccode, ecode in c.execute(text(
                "SELECT c.code, e.code FROM criterion_element e JOIN criterion c ON c.id = e.criterion_id")):
            elements.setdefault(ccode, set()).add(ecode)
        criteria = {k: Criterion(contact_type=v.contact_type, elements=frozenset(elements.get(k, ()))) for k, v in criteria.items()}
        codes = {t: frozenset(r[0] for r in c.execute(text(f"SELECT code FROM {t}")))
                 for t in ("structure_type", "community_type", "admin_number_type")}
    return ReferenceData(
        titles=frozenset(lists["titles"]) or None, languages=frozenset(lists["languages"]) or None,
        departments=frozenset(lists["departments"]) or None, country_names=frozenset(lists["country_names"]),
        structure_types=codes["structure_type"], community_types=codes["community_type"],
        admin_number_codes=codes["admin_number_type"], criteria=criteria)


def seed_reference_data(store: ContactStore, reference: ReferenceData, *, institutions: Iterable[str] = (),
                        country: str | None = None, language: str | None = None) -> None:
    """Set up ``reference`` (and the ``institutions`` codes) in the store; codes already there are kept.

    For tests and the demo: a real environment's set-up is SecuTix's (secutix-format §8).
    A criterion's elements ``None`` (free values) seeds no element.
    """
    with store.transaction() as c:
        have_inst = {r[0] for r in c.execute(text("SELECT code FROM institution"))}
        next_id = c.execute(text("SELECT COALESCE(MAX(id), 0) FROM institution")).scalar_one() + 1
        for code in institutions:
            if code not in have_inst:
                c.execute(text("INSERT INTO institution (id, code, country, language) VALUES (:i, :c, :co, :l)"),
                          {"i": next_id, "c": code, "co": country, "l": language})
                next_id += 1
        for name in CODE_LISTS:
            values = getattr(reference, name) or ()
            have = {r[0] for r in c.execute(text("SELECT code FROM code_list WHERE list_name = :n"), {"n": name})}
            for code in sorted(set(values) - have):
                c.execute(text("INSERT INTO code_list (list_name, code) VALUES (:n, :c)"), {"n": name, "c": code})
        for table, values in (("structure_type", reference.structure_types), ("community_type", reference.community_types),
                              ("admin_number_type", reference.admin_number_codes)):
            have = {r[0] for r in c.execute(text(f"SELECT code FROM {table}"))}
            for code in sorted(set(values or ()) - have):
                c.execute(text(f"INSERT INTO {table} (code) VALUES (:c)"), {"c": code})
        crit_ids = {code: id_ for code, id_ in c.execute(text("SELECT code, id FROM criterion"))}
        next_crit = max(crit_ids.values(), default=0) + 1
        next_elem = c.execute(text("SELECT COALESCE(MAX(id), 0) FROM criterion_element")).scalar_one() + 1
        for code, criterion in sorted((reference.criteria or {}).items()):
            if code not in crit_ids:
                c.execute(text("INSERT INTO criterion (id, code, contact_type) VALUES (:i, :c, :t)"),
                          {"i": next_crit, "c": code, "t": criterion.contact_type})
                crit_ids[code] = next_crit
                next_crit += 1
            have = {r[0] for r in c.execute(text("SELECT code FROM criterion_element WHERE criterion_id = :i"),
                                             {"i": crit_ids[code]})}
            for element in sorted(set(criterion.elements or ()) - have):
                c.execute(text("INSERT INTO criterion_element (id, criterion_id, code) VALUES (:i, :c, :e)"),
                          {"i": next_elem, "c": crit_ids[code], "e": element})
                next_elem += 1


def set_number_range(store: ContactStore, name: str, purpose: str, first: int, last: int) -> None:
    """Declare (or move) a contact-number range; ``auto`` allocates numbers for INSERT rows without one."""
    with store.transaction() as c:
        c.execute(text("DELETE FROM contact_number_range WHERE name = :n"), {"n": name})
        c.execute(text("INSERT INTO contact_number_range (name, purpose, first, last, next_value) VALUES (:n, :p, :f, :l, :f)"),
                  {"n": name, "p": purpose, "f": first, "l": last})
