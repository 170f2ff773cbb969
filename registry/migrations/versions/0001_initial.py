"""initial

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.String(length=40), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('amount_yuan', sa.Float(), nullable=False),
    sa.Column('recovered_yuan', sa.Float(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('complaint_id', name=op.f('uq_complaints_complaint_id'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_received_on'), ['received_on'], unique=False)
        batch_op.create_index('ix_complaints_uscc_received_on', ['uscc', 'received_on'], unique=False)

    op.create_table('credit_classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('risk_class', sa.String(length=1), nullable=False),
    sa.Column('classified_on', sa.Date(), nullable=False),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_classes')),
    sa.UniqueConstraint('uscc', 'classified_on', name=op.f('uq_credit_classes_uscc_classified_on'))
    )
    with op.batch_alter_table('credit_classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_classes_uscc'), ['uscc'], unique=False)

    op.create_table('credit_listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('list', sa.String(length=40), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_listings')),
    sa.UniqueConstraint('uscc', 'list', 'listed_on', name=op.f('uq_credit_listings_uscc_list_listed_on'))
    )
    with op.batch_alter_table('credit_listings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_listings_uscc'), ['uscc'], unique=False)

    op.create_table('ingest_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('stored', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_runs'))
    )
    op.create_table('penalties',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_no', sa.String(length=80), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('authority', sa.Text(), nullable=False),
    sa.Column('procedure', sa.String(length=40), nullable=False),
    sa.Column('kinds', sa.String(length=200), nullable=False),
    sa.Column('fine_yuan', sa.Float(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('violation', sa.Text(), nullable=False),
    sa.Column('repaired_on', sa.Date(), nullable=True),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_penalties')),
    sa.UniqueConstraint('decision_no', name=op.f('uq_penalties_decision_no'))
    )
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_penalties_uscc'), ['uscc'], unique=False)

    op.create_table('registrations',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('entity_type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=40), nullable=False),
    sa.Column('established_on', sa.Date(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('industry_code', sa.String(length=8), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('legal_representative', sa.Text(), nullable=False),
    sa.Column('contact_email', sa.Text(), nullable=False),
    sa.Column('odr_enrolled_on', sa.Date(), nullable=True),
    sa.Column('row_hash', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('uscc', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_region_code'), ['region_code'], unique=False)

    op.create_table('sync_cursors',
    sa.Column('source', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('cursor', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('source', 'kind', name=op.f('pk_sync_cursors'))
    )
    op.create_table('uscc_overrides',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('added_by', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('uscc', name=op.f('pk_uscc_overrides'))
    )
    op.create_table('quarantined_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('field', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('raw_hash', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], name=op.f('fk_quarantined_rows_run_id_ingest_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_rows')),
    sa.UniqueConstraint('source', 'kind', 'line', 'raw_hash', name=op.f('uq_quarantined_rows_source_kind_line_raw_hash'))
    )
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarantined_rows_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarantined_rows_run_id'))

    op.drop_table('quarantined_rows')
    op.drop_table('uscc_overrides')
    op.drop_table('sync_cursors')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_region_code'))

    op.drop_table('registrations')
    with op.batch_alter_table('penalties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_penalties_uscc'))

    op.drop_table('penalties')
    op.drop_table('ingest_runs')
    with op.batch_alter_table('credit_listings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_listings_uscc'))

    op.drop_table('credit_listings')
    with op.batch_alter_table('credit_classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_classes_uscc'))

    op.drop_table('credit_classes')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_uscc_received_on')
        batch_op.drop_index(batch_op.f('ix_complaints_received_on'))

    op.drop_table('complaints')
