"""Migration 0006 turns the reviewer registry into accounts: each reviewer keeps its id (so its
review decisions still name it), becomes a `reviewer` account without a password, and must be
given a one-time password before signing in."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from registry.accounts import SignInError, authenticate
from registry.db import alembic_config, make_engine, session_factory, upgrade
from registry.settings import get_settings


def test_reviewers_become_accounts_with_their_decisions_and_no_password(home):
    url = get_settings().db_url
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO reviewers (id, name, stage, region_prefix, active, ties, created_at) VALUES "
                "(7, '县级审核员', 'county', '420102', true, '[\"91420102MA0000001X\"]', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO applications (id, uscc, program, channel, submitted_on, store_name, contact_email, "
                "commitments, status, stage, review_round, created_at) VALUES (1, '91420102MA0000002X', "
                "'model_unit', 'online', '2026-06-30', 's', '', '{}', 'in_review', 'city', 1, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO review_decisions (application_id, review_round, stage, reviewer_id, decision, comment, "
                "decided_at) VALUES (1, 1, 'county', 7, 'approve', '', CURRENT_TIMESTAMP)"
            )
        )
    assert upgrade(url) >= "0006"
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.id, a.username, a.role, a.stage, a.region_prefix, a.password_hash, a.must_change_password "
                "FROM review_decisions d JOIN accounts a ON a.id = d.reviewer_id"
            )
        ).one()
    assert tuple(row) == (7, "县级审核员", "reviewer", "county", "420102", None, True)
    with session_factory(url)() as session:
        try:
            authenticate(session, "县级审核员", "", get_settings())
        except SignInError:
            pass
        else:
            raise AssertionError("an account without a password signed in")
