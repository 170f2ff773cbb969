"""hardened surfaces: quarantine by content, lookup counts

Quarantined rows gain `origin`, the identity of their input — a file's content hash
(`sha256:<hex>`), an HTTP source's address — and are unique by it instead of by the path, so
the same file ingested by another path adds no second copy of its bad rows. Rows from before
keep their path as origin. `verification_lookups` counts the public lookups of each
certificate per day (the number and a count, nothing about who asked).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.Text(), nullable=True))
    op.execute("UPDATE quarantined_rows SET origin = source")
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.alter_column('origin', existing_type=sa.Text(), nullable=False)
        batch_op.drop_constraint('uq_quarantined_rows_source_kind_line_raw_hash', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_quarantined_rows_origin_kind_line_raw_hash'), ['origin', 'kind', 'line', 'raw_hash']
        )
    op.create_table('verification_lookups',
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('number', 'day', name=op.f('pk_verification_lookups')),
    )


def downgrade() -> None:
    op.drop_table('verification_lookups')
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.drop_constraint('uq_quarantined_rows_origin_kind_line_raw_hash', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_quarantined_rows_source_kind_line_raw_hash'), ['source', 'kind', 'line', 'raw_hash']
        )
        batch_op.drop_column('origin')
