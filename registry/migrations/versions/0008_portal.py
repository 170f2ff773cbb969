"""business portal

One-time sign-in codes for businesses (only salted hashes kept) and the documents a business
attaches to its application (content-addressed files; one row per application and file), and
the renewal reminders sent (one per certificate and lead time).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('portal_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('code_sha256', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('client', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_codes'))
    )
    op.create_index(op.f('ix_portal_codes_uscc'), 'portal_codes', ['uscc'], unique=False)
    op.create_index(op.f('ix_portal_codes_client'), 'portal_codes', ['client'], unique=False)
    op.create_index(op.f('ix_portal_codes_created_at'), 'portal_codes', ['created_at'], unique=False)
    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents')),
    sa.UniqueConstraint('application_id', 'sha256', name=op.f('uq_application_documents_application_id_sha256'))
    )
    op.create_index(op.f('ix_application_documents_application_id'), 'application_documents', ['application_id'], unique=False)
    op.create_table('renewal_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('days_before', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_renewal_reminders_certificate_id_certificates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_renewal_reminders')),
    sa.UniqueConstraint('certificate_id', 'days_before', name=op.f('uq_renewal_reminders_certificate_id_days_before'))
    )
    op.create_index(op.f('ix_renewal_reminders_certificate_id'), 'renewal_reminders', ['certificate_id'], unique=False)


def downgrade() -> None:
    op.drop_table('renewal_reminders')
    op.drop_table('application_documents')
    op.drop_table('portal_codes')
