"""The SecuTix contact store: SQLAlchemy 2 models (SQLite and PostgreSQL).

One database per environment. The schema follows the extended import format
(secutix-format §4–§5): a contact is an individual, a structure or a relay (a person attached
to a structure); an address row carries the set of uses it serves (M main, S
shipment, B billing); communication means and administrative numbers are kept per type,
authorizations (consents) as one column per channel of the contact; criteria are
assigned by element. ``import_run`` and ``import_row``
are the import journal (docs/store.md): which run and deliverable imported or
changed which contact. The journal never holds a personal value.

Primary keys of contacts are allocated by the import engine under the write lock
(no sequence), so the same plan works on both databases.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# INTEGER PRIMARY KEY keeps SQLite's rowid table; BIGINT on PostgreSQL.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CONTACT_KINDS = ("individual", "structure", "relay")
CONTACT_STATUSES = ("active", "inactive", "anonymized")
CRITERION_CONTACT_TYPES = ("individual", "structure", "both")
ADDRESS_TYPES = ("M", "S", "B")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Institution(Base):
    __tablename__ = "institution"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(15), unique=True)
    name: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(2))


class _CodeAndLabel:
    """A code set up in the environment, with its label."""

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    label: Mapped[str | None] = mapped_column(Text)


class StructureType(_CodeAndLabel, Base):
    __tablename__ = "structure_type"


class CommunityType(_CodeAndLabel, Base):
    __tablename__ = "community_type"


class AdminNumberType(_CodeAndLabel, Base):
    __tablename__ = "admin_number_type"


class CodeListEntry(Base):
    """The institution's other code lists (secutix-format §6): titles, languages, departments, country names."""

    __tablename__ = "code_list"
    list_name: Mapped[str] = mapped_column(String(30), primary_key=True)
    code: Mapped[str] = mapped_column(String(200), primary_key=True)


class Criterion(Base):
    __tablename__ = "criterion"
    __table_args__ = (CheckConstraint(f"contact_type IN {CRITERION_CONTACT_TYPES}", name="contact_type"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    label: Mapped[str | None] = mapped_column(Text)
    contact_type: Mapped[str] = mapped_column(String(10), default="both")


class CriterionElement(Base):
    __tablename__ = "criterion_element"
    __table_args__ = (UniqueConstraint("criterion_id", "code", name="uq_criterion_element_code"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(200))
    label: Mapped[str | None] = mapped_column(Text)


class ContactNumberRange(Base):
    """``auto``: where numbers are allocated for INSERT rows without CONTACT_NR;
    ``reserved``: where kept source numbers live (secutix-format §8.4)."""

    __tablename__ = "contact_number_range"
    __table_args__ = (CheckConstraint("purpose IN ('auto', 'reserved')", name="purpose"),)
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10))
    first: Mapped[int] = mapped_column(BigInteger)
    last: Mapped[int] = mapped_column(BigInteger)
    next_value: Mapped[int] = mapped_column(BigInteger)


class Contact(Base):
    __tablename__ = "contact"
    __table_args__ = (
        CheckConstraint(f"kind IN {CONTACT_KINDS}", name="kind"),
        CheckConstraint(f"status IN {CONTACT_STATUSES}", name="status"),
        # partial: only structures have a match key, only relays a structure (9 rows in 10 have neither)
        Index("ix_contact_match_key", "match_key", sqlite_where=text("match_key IS NOT NULL"),
              postgresql_where=text("match_key IS NOT NULL")),
        Index("ix_contact_structure_id", "structure_id", sqlite_where=text("structure_id IS NOT NULL"),
              postgresql_where=text("structure_id IS NOT NULL")),
        # the basic update finds contacts by EMAIL1 (the login); no other mean is looked up
        Index("ix_contact_email1", "email1", sqlite_where=text("email1 IS NOT NULL"),
              postgresql_where=text("email1 IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)
    contact_nr: Mapped[str] = mapped_column(String(20), unique=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"))
    organization: Mapped[str | None] = mapped_column(String(15))
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="active")
    # contact
    title: Mapped[str | None] = mapped_column(Text)
    letter_salutation: Mapped[str | None] = mapped_column(Text)
    addr_salutation: Mapped[str | None] = mapped_column(Text)
    function: Mapped[str | None] = mapped_column(Text)
    remark: Mapped[str | None] = mapped_column(Text)
    # individual (and relay)
    firstname: Mapped[str | None] = mapped_column(Text)
    lastname: Mapped[str | None] = mapped_column(Text)
    birthdate: Mapped[date | None] = mapped_column(Date)
    pref_lang: Mapped[str | None] = mapped_column(String(2))
    # structure
    official_name: Mapped[str | None] = mapped_column(Text)
    address_name1: Mapped[str | None] = mapped_column(Text)
    address_name2: Mapped[str | None] = mapped_column(Text)
    # codes checked by the import (IMPORT_UNKNOWN_…) rather than by foreign keys: a key per row costs a
    # trigger call per row on PostgreSQL, and these lists only grow
    struct_type: Mapped[str | None] = mapped_column(String(50))
    community_type: Mapped[str | None] = mapped_column(String(50))
    nb_employees: Mapped[int | None] = mapped_column(Integer)
    web_site: Mapped[str | None] = mapped_column(Text)
    # authorizations (consents, secutix-format §5.2), one column per channel: NULL = not given. Columns, not a
    # (contact, channel) table: 2.6 rows per contact fewer to write, and a consent belongs to one contact
    consent_cnil_o: Mapped[bool | None] = mapped_column(Boolean)
    consent_partner: Mapped[bool | None] = mapped_column(Boolean)
    consent_cnil_t: Mapped[bool | None] = mapped_column(Boolean)
    consent_sms_mms: Mapped[bool | None] = mapped_column(Boolean)
    consent_letter: Mapped[bool | None] = mapped_column(Boolean)
    consent_phone: Mapped[bool | None] = mapped_column(Boolean)
    consent_email: Mapped[bool | None] = mapped_column(Boolean)
    # communication means (secutix-format §5.4), one column per type, as consents (Alembic 0004)
    telephone: Mapped[str | None] = mapped_column(Text)
    fax: Mapped[str | None] = mapped_column(Text)
    cellphone: Mapped[str | None] = mapped_column(Text)
    email1: Mapped[str | None] = mapped_column(Text)
    email2: Mapped[str | None] = mapped_column(Text)
    email3: Mapped[str | None] = mapped_column(Text)
    # a relay's structure
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    # secutix-format §7: the 10 fields two structure rows must share to be one structure, joined by \x1f
    match_key: Mapped[str | None] = mapped_column(Text)
    created_run: Mapped[str | None] = mapped_column(String(40))
    updated_run: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Address(Base):
    """One address of a contact with the uses it serves: ``uses`` is a set of bits, M 1, S 2, B 4 (7 = all three).

    One row per distinct address rather than one per use: an empty ADDR_TYPE (all three uses) is one row,
    not three. A contact's rows serve disjoint uses; an UPDATE of some uses of an address splits them off
    (apply.py), so each use keeps its own values exactly as with one row per use.
    """

    __tablename__ = "address"
    __table_args__ = (CheckConstraint("uses BETWEEN 1 AND 7", name="uses"), {"sqlite_with_rowid": False})
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    uses: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    line1: Mapped[str | None] = mapped_column(Text)
    line2: Mapped[str | None] = mapped_column(Text)
    line3: Mapped[str | None] = mapped_column(Text)
    zipcode: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(Text)
    town_complement: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str | None] = mapped_column(Text)


class AdminNumber(Base):
    __tablename__ = "admin_number"
    __table_args__ = {"sqlite_with_rowid": False}
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(50), primary_key=True)  # checked by the import
    number: Mapped[str] = mapped_column(Text)


class CriterionAssignment(Base):
    __tablename__ = "criterion_assignment"
    __table_args__ = {"sqlite_with_rowid": False}
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True)
    element_id: Mapped[int] = mapped_column(ForeignKey("criterion_element.id"), primary_key=True)
    criterion_id: Mapped[int] = mapped_column(BigInteger)  # the element's criterion (kept for "replace per criterion")


class ImportRun(Base):
    """One finished import or service run: written in the run's last transaction."""

    __tablename__ = "import_run"
    run_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    deliverable_id: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    counts: Mapped[str] = mapped_column(Text)  # JSON: imported, updated, unchanged, not_imported


class ImportRow(Base):
    """One applied input row: the idempotence key of re-runs (docs/store.md).

    ``row_key`` = blake2b(deliverable_id, source_ref); ``source_ref`` is cleared when
    the contact is anonymized, the key stays so that a re-run never re-creates it.
    """

    __tablename__ = "import_row"
    __table_args__ = (Index("ix_import_row_contact_id", "contact_id"),)
    row_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(40))
    deliverable_id: Mapped[str] = mapped_column(String(100))
    source_ref: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(12))
