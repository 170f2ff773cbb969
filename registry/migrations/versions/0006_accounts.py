"""accounts, sessions, claims and deadlines

The reviewer registry becomes the accounts table: every reviewer is copied with the same id
(review decisions keep pointing at the same person), as a `reviewer` whose password is not set
yet (`must_change_password`): an admin gives each a one-time password with
`assured accounts reset-password NAME`. Sessions keep only the sha256 of their token.
Applications gain the current stage's start, its working-day deadline and the claim; an overdue
stage is escalated once (`review_escalations`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=True),
    sa.Column('region_prefix', sa.String(length=6), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('ties', sa.JSON(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('password_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('oidc_subject', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_accounts_username')),
    sa.UniqueConstraint('oidc_subject', name=op.f('uq_accounts_oidc_subject'))
    )
    op.execute(
        "INSERT INTO accounts (id, username, display_name, role, stage, region_prefix, active, ties, "
        "must_change_password, failed_attempts, created_at) "
        "SELECT id, name, name, 'reviewer', stage, region_prefix, active, ties, true, 0, created_at FROM reviewers"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('accounts', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM accounts")
    with op.batch_alter_table('review_decisions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_review_decisions_reviewer_id_reviewers', type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_review_decisions_reviewer_id_accounts'), 'accounts',
                                    ['reviewer_id'], ['id'])
    op.drop_table('reviewers')

    op.create_table('account_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_sessions_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_sessions')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_account_sessions_token_sha256'))
    )
    with op.batch_alter_table('account_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_sessions_account_id'), ['account_id'], unique=False)

    # Plain ADD COLUMN (a batch copy of applications would drop a table the decisions reference)
    op.add_column('applications', sa.Column('stage_since', sa.Date(), nullable=True))
    op.add_column('applications', sa.Column('due_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a column's constraint only inline
        op.execute('ALTER TABLE applications ADD COLUMN claimed_by_id INTEGER '
                   'CONSTRAINT fk_applications_claimed_by_id_accounts REFERENCES accounts (id)')
    else:
        op.add_column('applications', sa.Column('claimed_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_applications_claimed_by_id_accounts'), 'applications', 'accounts',
                              ['claimed_by_id'], ['id'])
    op.add_column('applications', sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f('ix_applications_claimed_by_id'), 'applications', ['claimed_by_id'], unique=False)

    op.create_table('review_escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=False),
    sa.Column('notified', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_review_escalations_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_escalations')),
    sa.UniqueConstraint('application_id', 'review_round', 'stage', name=op.f('uq_review_escalations_application_id_review_round_stage'))
    )
    with op.batch_alter_table('review_escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_escalations_application_id'), ['application_id'], unique=False)


def downgrade() -> None:
    raise NotImplementedError("accounts cannot be turned back into the name-only reviewer registry")
