"""one address row with its set of uses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

``address`` was one row per (contact, use) with ``addr_type`` M, S or B; an address
serving all three uses was three equal rows. It becomes one row per (contact, set of
uses), ``uses`` = M 1 + S 2 + B 4: an import writes 1.7 rows per contact fewer. The
upgrade merges a contact's rows whose fields are all equal (NULLs equal) into one row
with the union of their uses; the downgrade writes one row per use again.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FIELDS = ["line1", "line2", "line3", "zipcode", "town", "town_complement", "department", "country"]
BITS = {"M": 1, "S": 2, "B": 4}


def _columns(key: sa.Column) -> list:
    return [sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False), key] + \
        [sa.Column(f, sa.Text(), nullable=True) for f in FIELDS]


def _set_aside(old_name: str) -> None:
    """Rename the current table out of the way (PostgreSQL: its primary key index too, names are per schema)."""
    op.rename_table('address', old_name)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {old_name} RENAME CONSTRAINT pk_address TO pk_{old_name}")


def upgrade() -> None:
    _set_aside('address_0002')
    op.create_table('address', *_columns(sa.Column('uses', sa.Integer(), autoincrement=False, nullable=False)),
                    sa.CheckConstraint('uses BETWEEN 1 AND 7', name=op.f('ck_address_uses')),
                    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_address_contact_id_contact'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('contact_id', 'uses', name=op.f('pk_address')),
                    sqlite_with_rowid=False)
    fields = ", ".join(FIELDS)
    bit = "CASE addr_type " + " ".join(f"WHEN '{t}' THEN {b}" for t, b in BITS.items()) + " END"
    # GROUP BY treats NULLs as equal: rows with the same fields become one row serving all their uses
    op.execute(f"INSERT INTO address (contact_id, uses, {fields}) SELECT contact_id, SUM({bit}), {fields} "
               f"FROM address_0002 GROUP BY contact_id, {fields}")
    op.drop_table('address_0002')


def downgrade() -> None:
    _set_aside('address_0003')
    op.create_table('address', *_columns(sa.Column('addr_type', sa.String(length=1), nullable=False)),
                    sa.CheckConstraint("addr_type IN ('M', 'S', 'B')", name=op.f('ck_address_addr_type')),
                    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_address_contact_id_contact'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('contact_id', 'addr_type', name=op.f('pk_address')),
                    sqlite_with_rowid=False)
    fields = ", ".join(FIELDS)
    for t, b in BITS.items():
        op.execute(f"INSERT INTO address (contact_id, addr_type, {fields}) SELECT contact_id, '{t}', {fields} "
                   f"FROM address_0003 WHERE (uses & {b}) <> 0")
    op.drop_table('address_0003')
