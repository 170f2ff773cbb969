"""risk flags

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('risk_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('scanned_on', sa.Date(), nullable=False),
    sa.Column('notice', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_flags')),
    sa.UniqueConstraint('uscc', 'scanned_on', name=op.f('uq_risk_flags_uscc_scanned_on'))
    )
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_flags_uscc'), ['uscc'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('risk_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_flags_uscc'))

    op.drop_table('risk_flags')
