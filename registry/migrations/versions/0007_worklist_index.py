"""worklist index

A reviewer's worklist is the applications in review at one stage, by deadline; this index
holds exactly that order, so a page of 50 among thousands open is read from the index.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_applications_worklist', 'applications', ['status', 'stage', 'due_on', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_applications_worklist', table_name='applications')
