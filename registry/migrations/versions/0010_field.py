"""field and consumer evaluation: inspections, mystery shops, ratings

Three record kinds of issue 16, ingested like the others (natural keys unique, a row hash
each): on-site acceptances (`items` as JSON text, `photos` as comma-joined SHA-256), mystery
shopping visits (the shopper by volunteer code) and consumer ratings.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.String(length=80), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspector', sa.String(length=80), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.String(length=40), nullable=False),
    sa.Column('photos', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inspections')),
    sa.UniqueConstraint('inspection_id', name=op.f('uq_inspections_inspection_id')),
    )
    op.create_index('ix_inspections_uscc_program', 'inspections', ['uscc', 'program', 'inspected_on'], unique=False)
    op.create_table('mystery_shops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.String(length=80), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('shopper', sa.String(length=40), nullable=False),
    sa.Column('scenario', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('within_commitment', sa.Boolean(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mystery_shops')),
    sa.UniqueConstraint('shop_id', name=op.f('uq_mystery_shops_shop_id')),
    )
    op.create_index('ix_mystery_shops_uscc_visited_on', 'mystery_shops', ['uscc', 'visited_on'], unique=False)
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.String(length=80), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_ratings_rating_id')),
    )
    op.create_index('ix_ratings_uscc_rated_on', 'ratings', ['uscc', 'rated_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ratings_uscc_rated_on', table_name='ratings')
    op.drop_table('ratings')
    op.drop_index('ix_mystery_shops_uscc_visited_on', table_name='mystery_shops')
    op.drop_table('mystery_shops')
    op.drop_index('ix_inspections_uscc_program', table_name='inspections')
    op.drop_table('inspections')
