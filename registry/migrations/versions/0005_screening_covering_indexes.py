"""screening covering indexes

Screening reads every registration in USCC order and each business's latest credit class;
these two indexes hold exactly those columns, so both become index-only reads. Creating them
on an existing 1,000,000-business file takes some seconds, once.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_credit_classes_latest', 'credit_classes', ['uscc', 'classified_on', 'risk_class'],
                    unique=False)
    op.create_index('ix_registrations_screening', 'registrations',
                    ['uscc', 'entity_type', 'status', 'established_on', 'region_code', 'industry_code',
                     'odr_enrolled_on'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_registrations_screening', table_name='registrations')
    op.drop_index('ix_credit_classes_latest', table_name='credit_classes')
