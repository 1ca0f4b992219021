"""communication means as columns of the contact

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

The 6 communication means (TELEPHONE, FAX, CELLPHONE, EMAIL1-3) become nullable text
columns of ``contact`` (one value per type and contact, as the table's key already said)
instead of one ``communication_mean`` row per (contact, type): an import writes 2 rows
per contact fewer. The basic update's lookup by EMAIL1 keeps its partial index
(``ix_contact_email1``). Existing means are copied over, then the table is dropped; the
downgrade does the reverse.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

MEANS = ("TELEPHONE", "FAX", "CELLPHONE", "EMAIL1", "EMAIL2", "EMAIL3")
EMAIL1_WHERE = dict(sqlite_where=sa.text("email1 IS NOT NULL"), postgresql_where=sa.text("email1 IS NOT NULL"))
OLD_WHERE = dict(sqlite_where=sa.text("mean_type = 'EMAIL1'"), postgresql_where=sa.text("mean_type = 'EMAIL1'"))


def upgrade() -> None:
    for mean in MEANS:  # nullable, no constraint: a plain ADD COLUMN on SQLite too
        op.add_column('contact', sa.Column(mean.lower(), sa.Text(), nullable=True))
    for mean in MEANS:
        op.execute(f"UPDATE contact SET {mean.lower()} = (SELECT m.value FROM communication_mean m "
                   f"WHERE m.contact_id = contact.id AND m.mean_type = '{mean}') "
                   f"WHERE id IN (SELECT contact_id FROM communication_mean WHERE mean_type = '{mean}')")
    op.drop_index('ix_communication_mean_email1', table_name='communication_mean', **OLD_WHERE)
    op.drop_table('communication_mean')
    op.create_index('ix_contact_email1', 'contact', ['email1'], **EMAIL1_WHERE)


def downgrade() -> None:
    op.create_table('communication_mean',
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('mean_type', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_communication_mean_contact_id_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'mean_type', name=op.f('pk_communication_mean')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_communication_mean_email1', 'communication_mean', ['value'], **OLD_WHERE)
    for mean in MEANS:
        op.execute(f"INSERT INTO communication_mean (contact_id, mean_type, value) SELECT id, '{mean}', "
                   f"{mean.lower()} FROM contact WHERE {mean.lower()} IS NOT NULL")
    op.drop_index('ix_contact_email1', table_name='contact', **EMAIL1_WHERE)
    with op.batch_alter_table('contact') as batch_op:
        for mean in MEANS:
            batch_op.drop_column(mean.lower())
