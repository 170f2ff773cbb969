"""Administering accounts — adding, changing, disabling, unlocking, resetting a password — each
audited with the admin who did it. The commands and pages let only an admin call these (until
the first admin exists, the command line makes it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.errors import Kind
from registry import audit
from registry.accounts import (
    ROLES,
    as_utc,
    end_sessions,
    get_account,
    new_password,
    password_problem,
    set_password,
    utcnow,
)
from registry.settings import Settings
from registry.workflow_models import Account, WorkflowError


def scope_problem(role: str, stage: str | None, region_prefix: str, stages: tuple[str, ...]) -> str | None:
    """What is wrong with an account's role, stage and region, or None."""
    if role not in ROLES:
        return f"--role {role!r}: roles are {', '.join(ROLES)}"
    if role != "admin" and stage is None:
        return f"--stage: a {role} needs a review stage ({', '.join(stages)})"
    if stage is not None and stage not in stages:
        return f"--stage {stage!r}: review stages are {', '.join(stages)}"
    if not (region_prefix.isdigit() and 2 <= len(region_prefix) <= 6):
        return f"--region {region_prefix!r}: expected 2 to 6 digits of a GB/T 2260 region code"
    return None


def add_account(
    session: Session,
    username: str,
    *,
    role: str,
    stage: str | None,
    region_prefix: str,
    settings: Settings,
    ties: list[str] | None = None,
    display_name: str = "",
    email: str | None = None,
    password: str | None = None,
    actor: str = "admin",
) -> tuple[Account, str | None]:
    """Create an account. Without `password`, a one-time password is made and returned (shown
    once, changed at the first sign-in); a given password is checked against the rules."""
    if not username or len(username) > 80 or any(c.isspace() or not c.isprintable() for c in username):
        raise WorkflowError(f"username {username!r}: 1 to 80 printable characters without spaces", kind=Kind.bad_input)
    if problem := scope_problem(role, stage, region_prefix, tuple(settings.review_stages)):
        raise WorkflowError(problem, kind=Kind.bad_input)
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise WorkflowError(f"account {username!r} already exists", kind=Kind.conflict)
    one_time = password is None
    if password is not None and (problem := password_problem(password, username, settings.password_min_length)):
        raise WorkflowError(problem, kind=Kind.bad_input)
    password = password or new_password()
    account = Account(
        username=username,
        display_name=display_name or username,
        role=role,
        stage=stage,
        region_prefix=region_prefix,
        email=email,
        active=True,
        ties=ties or [],
        failed_attempts=0,
    )
    set_password(account, password, one_time)
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "account.added",
        "account",
        username,
        {"role": role, "stage": stage, "region": region_prefix, "ties": ties or []},
    )
    return account, (password if one_time else None)


def reset_password(session: Session, username: str, actor: str = "admin") -> str:
    """A new one-time password (the account must change it at its next sign-in); ends its sessions."""
    account = get_account(session, username)
    password = new_password()
    set_password(account, password, one_time=True)
    end_sessions(session, account)
    audit.record(session, actor, "account.password_reset", "account", username, {})
    return password


def disable_account(session: Session, username: str, actor: str = "admin") -> Account:
    """Disable an account (kept for the record): it can no longer sign in or decide."""
    account = get_account(session, username)
    account.active = False
    end_sessions(session, account)
    audit.record(session, actor, "account.disabled", "account", username, {})
    return account


def unlock_account(session: Session, username: str, actor: str = "admin") -> Account:
    account = get_account(session, username)
    account.failed_attempts, account.locked_until = 0, None
    audit.record(session, actor, "account.unlocked", "account", username, {})
    return account


def account_rows(session: Session) -> list[dict]:
    now = utcnow()
    return [
        {
            "username": a.username,
            "display_name": a.display_name,
            "role": a.role,
            "stage": a.stage,
            "region": a.region_prefix,
            "active": a.active,
            "password_set": a.password_hash is not None and not a.must_change_password,
            "locked": a.locked_until is not None and as_utc(a.locked_until) > now,
            "last_login": None if a.last_login_at is None else as_utc(a.last_login_at).isoformat(timespec="seconds"),
        }
        for a in session.scalars(select(Account).order_by(Account.username))
    ]


def has_admin(session: Session) -> bool:
    """Whether an active admin account exists (until one does, accounts are managed from the
    command line without signing in: that is how the first admin is made)."""
    return session.scalar(select(Account.id).where(Account.role == "admin", Account.active).limit(1)) is not None


def change_account(
    session: Session,
    username: str,
    settings: Settings,
    actor: str,
    *,
    role: str | None = None,
    stage: str | None = None,
    region_prefix: str | None = None,
    ties: list[str] | None = None,
    email: str | None = None,
) -> Account:
    """Change an account's role, stage, region, ties or e-mail (what is given); audited with the
    values before and after. A change of scope ends the account's sessions."""
    account = get_account(session, username)
    before = {"role": account.role, "stage": account.stage, "region": account.region_prefix, "ties": account.ties}
    new_role = role or account.role
    new_stage = None if new_role == "admin" and stage is None and role else (stage or account.stage)
    new_region = region_prefix or account.region_prefix
    if problem := scope_problem(new_role, new_stage, new_region, tuple(settings.review_stages)):
        raise WorkflowError(problem, kind=Kind.bad_input)
    account.role, account.stage, account.region_prefix = new_role, new_stage, new_region
    if ties is not None:
        account.ties = ties
    if email is not None:
        account.email = email
    after = {"role": account.role, "stage": account.stage, "region": account.region_prefix, "ties": account.ties}
    if after != before:
        end_sessions(session, account)
    audit.record(session, actor, "account.changed", "account", username, {"before": before, "after": after})
    return account
