"""monitoring

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rechecks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rechecks')),
    sa.UniqueConstraint('as_of', name=op.f('uq_rechecks_as_of'))
    )
    op.create_table('monitoring_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recheck_on', sa.Date(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('program', sa.String(length=40), nullable=False),
    sa.Column('check_id', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_monitoring_findings_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_findings')),
    sa.UniqueConstraint('certificate_id', 'recheck_on', 'check_id', name=op.f('uq_monitoring_findings_certificate_id_recheck_on_check_id'))
    )
    with op.batch_alter_table('monitoring_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_findings_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_findings_recheck_on'), ['recheck_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_monitoring_findings_uscc'), ['uscc'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('monitoring_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_findings_uscc'))
        batch_op.drop_index(batch_op.f('ix_monitoring_findings_recheck_on'))
        batch_op.drop_index(batch_op.f('ix_monitoring_findings_certificate_id'))

    op.drop_table('monitoring_findings')
    op.drop_table('rechecks')
