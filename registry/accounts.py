"""Accounts and their sessions: who is signed in, proved by a password (argon2id) or by the
bureau's identity provider, and held by a random token of which only the sha256 is stored.

Sign-in failures say one thing whatever went wrong (unknown name, wrong password, disabled), so
the answer does not tell which names exist; five failures lock the account for a while. Every
sign-in, failure, lock and sign-out is in the audit chain; passwords, tokens and hashes never are.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from checks.errors import AssuredError, Kind
from registry import audit
from registry.settings import Settings
from registry.workflow_models import Account, AccountSession, WorkflowError

ROLES = ("reviewer", "supervisor", "admin")
KINDS = ("web", "cli")
COMMON_PASSWORDS = Path(__file__).parent / "common_passwords.txt"
GENERIC_FAILURE = "用户名或密码不正确 (wrong username or password)"
# One hasher: argon2id with the library's RFC 9106 low-memory profile (64 MiB, 3 passes).
_HASHER = PasswordHasher()


class SignInError(AssuredError):
    """A refused sign-in: the same message for an unknown user, a wrong password and a disabled
    account; `locked_until` is set while the account is locked."""

    kind = Kind.refused

    def __init__(self, message: str = GENERIC_FAILURE, locked_until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(at: dt.datetime) -> dt.datetime:
    """A stored time as aware UTC (SQLite gives it back naive, PostgreSQL aware)."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(token: str) -> str:
    """The CSRF token of a session: derived from its secret token, so it is never stored and a
    page can always print it; without the session cookie it is worth nothing."""
    return hashlib.sha256(b"assured-csrf:" + token.encode()).hexdigest()


# -- passwords --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    return frozenset(line.strip().lower() for line in COMMON_PASSWORDS.read_text("utf-8").splitlines() if line.strip())


def password_problem(password: str, username: str, min_length: int) -> str | None:
    """Why a new password is refused (in Chinese and English), or None."""
    if len(password) < min_length:
        return f"密码至少 {min_length} 个字符 (password: at least {min_length} characters)"
    lowered = password.lower()
    if lowered in _common() or lowered.rstrip("0123456789!@#.") in _common():
        return "密码过于常见，请换一个 (password: too common, choose another)"
    if username and username.lower() in lowered:
        return "密码不能包含用户名 (password: must not contain the username)"
    return None


def new_password() -> str:
    """A one-time password for a new or reset account: 16 characters, easy to read out."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def set_password(account: Account, password: str, one_time: bool) -> None:
    account.password_hash = _HASHER.hash(password)
    account.must_change_password = one_time
    account.password_set_at = utcnow()
    account.failed_attempts, account.locked_until = 0, None


# -- accounts ---------------------------------------------------------------------------------


def get_account(session: Session, username: str) -> Account:
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise WorkflowError(f"account {username!r}: no such account", kind=Kind.not_found)
    return account


def change_password(session: Session, account: Account, old: str, new: str, settings: Settings) -> None:
    if not _matches(account, old):
        raise SignInError("当前密码不正确 (current password: wrong)")
    if problem := password_problem(new, account.username, settings.password_min_length):
        raise WorkflowError(problem, kind=Kind.bad_input)
    if _matches(account, new):
        raise WorkflowError("新密码不能与当前密码相同 (new password: same as the current one)", kind=Kind.bad_input)
    set_password(account, new, one_time=False)
    audit.record(session, f"account:{account.username}", "account.password_changed", "account", account.username, {})


# -- signing in -------------------------------------------------------------------------------


def _matches(account: Account, password: str) -> bool:
    try:
        return account.password_hash is not None and _HASHER.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str, settings: Settings, client: str = "") -> Account:
    """The account if the password is right; else `SignInError` with one message for every cause.
    `settings.lockout_attempts` failures in a row lock the account for `lockout_minutes` (even the
    right password is refused until then). Commit the session whatever happens: failures count."""
    now = utcnow()
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        _matches_dummy(password)
        audit.record(session, "anonymous", "account.sign_in_failed", "account", username[:80], {"client": client})
        raise SignInError()
    locked = None if account.locked_until is None else as_utc(account.locked_until)
    if locked is not None and locked > now:
        audit.record(session, "anonymous", "account.sign_in_locked", "account", username, {"client": client})
        raise SignInError("账号已临时锁定，请稍后再试 (account locked: try again later)", locked_until=locked)
    if not _matches(account, password) or not account.active:
        account.failed_attempts = (account.failed_attempts or 0) + 1
        detail = {"client": client, "attempts": account.failed_attempts}
        if account.failed_attempts >= settings.lockout_attempts:
            account.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
            account.failed_attempts = 0
            audit.record(session, "anonymous", "account.locked", "account", username, detail)
        else:
            audit.record(session, "anonymous", "account.sign_in_failed", "account", username, detail)
        raise SignInError()
    if _HASHER.check_needs_rehash(account.password_hash or ""):
        account.password_hash = _HASHER.hash(password)
    account.failed_attempts, account.locked_until, account.last_login_at = 0, None, now
    return account


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_hex(16))


def _matches_dummy(password: str) -> None:
    """Verify against a throw-away hash when the username is unknown, so both answers take as long."""
    try:
        _HASHER.verify(_dummy_hash(), password)
    except VerificationError:
        pass


# -- sessions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """The account behind a request and the session it came from (named in every audit entry)."""

    account: Account
    session_id: int
    token: str
    last_seen: dt.datetime | None = None

    @property
    def actor(self) -> str:
        return f"account:{self.account.username}"

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)


def open_session(
    session: Session, account: Account, settings: Settings, kind: str = "web", client: str = ""
) -> SignedIn:
    """A new session for `account`, with its token (the only time it exists in clear)."""
    if kind not in KINDS:
        raise ValueError(f"session kind {kind!r}")
    token = secrets.token_urlsafe(32)  # 256 bits
    now = utcnow()
    row = AccountSession(
        token_sha256=token_sha256(token),
        account_id=account.id,
        kind=kind,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_max_hours),
        client=client[:200] or None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        f"account:{account.username}",
        "account.signed_in",
        "account",
        account.username,
        {"session_id": row.id, "kind": kind, "client": client},
    )
    return SignedIn(account, row.id, token)


def resolve_session(session: Session, token: str | None, settings: Settings) -> SignedIn | None:
    """The signed-in account of `token`, or None when it is unknown, revoked, expired, idle too
    long, or its account is disabled. Reads only: the caller moves the idle clock on with
    `touch_session` in a write transaction when `needs_touch` says so."""
    if not token or len(token) > 100:
        return None
    found = session.execute(
        select(AccountSession, Account)
        .join(Account, Account.id == AccountSession.account_id)
        .where(AccountSession.token_sha256 == token_sha256(token))
    ).first()
    if found is None:
        return None
    row, account = found
    if row.revoked_at is not None:
        return None
    now = utcnow()
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    if as_utc(row.expires_at) <= now or as_utc(row.last_seen_at) + idle <= now:
        return None
    if not account.active:
        return None
    return SignedIn(account, row.id, token, as_utc(row.last_seen_at))


def needs_touch(who: SignedIn) -> bool:
    """Whether the session's last use is worth recording again (at most once a minute)."""
    return who.last_seen is None or utcnow() - who.last_seen > dt.timedelta(minutes=1)


def touch_session(session: Session, who: SignedIn) -> None:
    session.execute(update(AccountSession).where(AccountSession.id == who.session_id).values(last_seen_at=utcnow()))


def end_session(session: Session, token: str) -> bool:
    """Sign out: the session is revoked for good. False when there was none to end."""
    row = session.scalar(select(AccountSession).where(AccountSession.token_sha256 == token_sha256(token)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    account = session.get(Account, row.account_id)
    name = account.username if account else "?"
    audit.record(session, f"account:{name}", "account.signed_out", "account", name, {"session_id": row.id})
    return True


def end_sessions(session: Session, account: Account) -> None:
    session.execute(
        update(AccountSession)
        .where(AccountSession.account_id == account.id, AccountSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def account_for_sso(session: Session, username: str, subject: str, client: str = "") -> Account:
    """The account an identity provider vouched for: found by the username claim and bound to the
    provider's subject at its first single sign-on; afterwards the subject must match (a renamed
    or reused username at the provider cannot take over the account). Refused for an unknown,
    disabled or differently bound account, with the generic message."""
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None or not account.active:
        audit.record(session, "anonymous", "account.sso_refused", "account", username[:80], {"client": client})
        raise SignInError("该统一身份认证账号未在本系统开通 (no active account for this identity)")
    if account.oidc_subject is None:
        account.oidc_subject = subject
        audit.record(session, f"account:{username}", "account.sso_bound", "account", username, {"client": client})
    elif not hmac.compare_digest(account.oidc_subject, subject):
        audit.record(session, "anonymous", "account.sso_refused", "account", username, {"client": client})
        raise SignInError("该统一身份认证账号未在本系统开通 (no active account for this identity)")
    account.last_login_at = utcnow()
    return account
