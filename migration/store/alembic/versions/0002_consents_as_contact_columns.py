"""consents as columns of the contact

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

The 7 authorization channels become nullable boolean columns ``consent_<channel>`` of
``contact`` (NULL = not given) instead of one ``contact_authorization`` row per (contact,
channel): an import writes 2.6 rows per contact fewer. Existing consents are copied
over, then the table is dropped; the downgrade does the reverse.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHANNELS = ("CNIL_O", "PARTNER", "CNIL_T", "SMS_MMS", "LETTER", "PHONE", "EMAIL")


def column(channel: str) -> str:
    return "consent_" + channel.lower()


def upgrade() -> None:
    for channel in CHANNELS:  # nullable, no constraint: a plain ADD COLUMN on SQLite too
        op.add_column('contact', sa.Column(column(channel), sa.Boolean(), nullable=True))
    for channel in CHANNELS:
        op.execute(f"UPDATE contact SET {column(channel)} = (SELECT a.granted FROM contact_authorization a "
                   f"WHERE a.contact_id = contact.id AND a.channel = '{channel}') "
                   f"WHERE id IN (SELECT contact_id FROM contact_authorization WHERE channel = '{channel}')")
    op.drop_table('contact_authorization')


def downgrade() -> None:
    op.create_table('contact_authorization',
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_authorization_contact_id_contact'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'channel', name=op.f('pk_contact_authorization')),
    sqlite_with_rowid=False
    )
    for channel in CHANNELS:
        op.execute(f"INSERT INTO contact_authorization (contact_id, channel, granted) SELECT id, '{channel}', "
                   f"{column(channel)} FROM contact WHERE {column(channel)} IS NOT NULL")
    with op.batch_alter_table('contact') as batch_op:
        for channel in CHANNELS:
            batch_op.drop_column(column(channel))
