"""line hash: re-ingesting an unchanged file skips its known lines without validating them

Each record table gets `line_hash`, the 64-bit digest of the JSON line the row was last
written from together with the validation rules in force (NULL for rows from CSV or from
before this revision: those lines are validated as before).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLES = (
    'registrations',
    'penalties',
    'complaints',
    'credit_listings',
    'credit_classes',
    'inspections',
    'mystery_shops',
    'ratings',
)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('line_hash', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column('line_hash')
