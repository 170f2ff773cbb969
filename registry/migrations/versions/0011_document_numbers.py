"""document numbers (发文字号): a per-year sequence under each prefix, one number per document

A counter row per (prefix, year), incremented in the transaction that records the letter, so a
rolled-back letter leaves no gap; one row per numbered document, unique by subject (a re-run
finds its number) and by (prefix, year, seq) (a number is never given twice).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_number_counters',
    sa.Column('prefix', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_document_number_counters')),
    )
    op.create_table('document_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('prefix', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_numbers')),
    sa.UniqueConstraint('subject', name=op.f('uq_document_numbers_subject')),
    sa.UniqueConstraint('prefix', 'year', 'seq', name=op.f('uq_document_numbers_prefix_year_seq')),
    )


def downgrade() -> None:
    op.drop_table('document_numbers')
    op.drop_table('document_number_counters')
