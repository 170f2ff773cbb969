"""The business portal's registry side (企业服务): one-time sign-in codes, the business's own
applications and their timeline.

A business signs in with its USCC and a six-digit code sent to the contact address *on record*
(`registrations.contact_email`), never to one typed in a form. The answer to a code request is
the same whether or not the USCC exists or has an address; a request is refused only when the
USCC is malformed or asked too often (per USCC and per client address). A signed-in business is
an `Account` of role `business` named `business:<USCC>`: it has no password, decides nothing
(`registry.reviewers` admits only reviewers and supervisors) and sees only its own USCC's
applications, documents and certificates — anything else is "not found".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.errors import Kind
from checks.policy import PolicyError, load_policy
from checks.uscc import UsccError, validate_uscc
from documents import emails
from documents.commitment import render_commitment_letter
from documents.files import write_atomic
from registry import audit
from registry.accounts import as_utc, utcnow
from registry.applications import set_status
from registry.delivery import send_mail
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import (
    CLOSED_STATUSES,
    Account,
    Application,
    ApplicationStatus,
    AssessmentRecord,
    AuditEntry,
    Certificate,
    PortalCode,
    WorkflowError,
)

log = logging.getLogger("assured.portal")
BUSINESS = "business"
PREFIX = "business:"
USCC_WINDOW = dt.timedelta(minutes=15)
CLIENT_WINDOW = dt.timedelta(hours=1)
RENEW_DAYS = 90  # renewal opens this many days before a certificate's end


def business_uscc(account: Account) -> str | None:
    """The USCC a business account stands for; None for a staff account."""
    return account.username.removeprefix(PREFIX) if account.role == BUSINESS else None


def checked_uscc(value: str) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        raise WorkflowError(f"uscc {value!r}: {exc}", kind=Kind.bad_input) from None


# -- delivery of a code ---------------------------------------------------------------------------


class CodeChannel(Protocol):
    """How a code reaches a business. E-mail and the outbox are built; an SMS gateway is one
    more class with this method."""

    name: str

    def send(self, uscc: str, address: str, subject: str, body: str) -> None: ...


@dataclass
class OutboxChannel:
    folder: Path
    name: str = "outbox"

    def send(self, uscc: str, address: str, subject: str, body: str) -> None:
        stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
        write_atomic(self.folder / uscc / f"portal-code-{stamp}.txt", f"{subject}\n\n{body}\n".encode())


@dataclass
class EmailChannel:
    settings: Settings
    name: str = "email"

    def send(self, uscc: str, address: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"], msg["Date"] = self.settings.mail_from, address, subject, formatdate()
        msg.set_content(body)
        send_mail(msg, self.settings)


def channels(settings: Settings) -> list[CodeChannel]:
    out: list[CodeChannel] = [OutboxChannel(settings.outbox_path)]
    if settings.smtp_host:
        out.append(EmailChannel(settings))
    return out


# -- codes ------------------------------------------------------------------------------------------


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def request_code(session: Session, uscc: str, client: str, settings: Settings) -> None:
    """Make and send a code for `uscc` when it has a contact on record; record the request
    either way. Refused only for a malformed USCC (bad input) or too many requests."""
    code = checked_uscc(uscc)
    now = utcnow()
    by_uscc = session.scalar(
        select(func.count()).where(PortalCode.uscc == code, PortalCode.created_at >= now - USCC_WINDOW)
    )
    by_client = session.scalar(
        select(func.count()).where(PortalCode.client == client[:200], PortalCode.created_at >= now - CLIENT_WINDOW)
    )
    if (by_uscc or 0) >= settings.portal_codes_per_uscc or (by_client or 0) >= settings.portal_codes_per_client:
        raise WorkflowError("too many sign-in codes asked for; try again in 15 minutes", kind=Kind.rate_limited)
    reg = session.get(Registration, code)
    address = (reg.contact_email or "").strip() if reg else ""
    secret = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(16)
    session.add(
        PortalCode(
            uscc=code,
            code_sha256=_digest(salt, secret),
            salt=salt,
            sent=bool(address),
            client=client[:200],
            created_at=now,
            expires_at=now + dt.timedelta(minutes=settings.portal_code_minutes),
            attempts=0,
        )
    )
    if not address:
        why = "no contact address on record" if reg else "no registration on record"
        log.warning("portal sign-in code for %s not sent: %s", code, why)
        if reg is not None:  # a real business the bureau should reach: in the audit too
            audit.record(session, "anonymous", "portal.code_not_sent", "business", code, {"reason": why})
        return
    subject, body = emails.portal_code(secret, settings.portal_code_minutes, settings.authority_zh)
    for channel in channels(settings):
        try:
            channel.send(code, address, subject, body)
        except (OSError, smtplib.SMTPException) as exc:  # the same answer; the bureau sees the log
            log.warning("portal sign-in code for %s: %s failed: %s", code, channel.name, type(exc).__name__)


def redeem_code(session: Session, uscc: str, code: str, client: str, settings: Settings) -> Account | None:
    """The business's account when `code` is its latest live code (used once, within its tries
    and lifetime); None otherwise. The try is counted whatever the outcome — the caller commits."""
    number = checked_uscc(uscc)
    now = utcnow()
    row = session.scalar(
        select(PortalCode)
        .where(PortalCode.uscc == number, PortalCode.sent.is_(True), PortalCode.used_at.is_(None))
        .order_by(PortalCode.id.desc())
        .limit(1)
    )
    if row is None or as_utc(row.expires_at) <= now or row.attempts >= settings.portal_code_attempts:
        return None
    row.attempts += 1
    if not hmac.compare_digest(_digest(row.salt, code.strip()), row.code_sha256):
        audit.record(session, "anonymous", "portal.code_refused", "business", number, {"client": client})
        return None
    row.used_at = now
    name = PREFIX + number
    account = session.scalar(select(Account).where(Account.username == name))
    if account is None:
        reg = session.get(Registration, number)
        account = Account(
            username=name,
            display_name=reg.name if reg else number,
            role=BUSINESS,
            stage=None,
            region_prefix=(reg.region_code if reg else number[2:8])[:6],
            must_change_password=False,
        )
        session.add(account)
        session.flush()
    if not account.active:
        return None
    return account


# -- the business's applications ----------------------------------------------------------------


def own_application(session: Session, uscc: str, app_id: int) -> Application:
    """The application if it is this business's; "not found" otherwise, whether or not it exists."""
    app = session.get(Application, app_id)
    if app is None or app.uscc != uscc:
        raise WorkflowError(f"application {app_id}: no such application", kind=Kind.not_found)
    return app


def applications(session: Session, uscc: str) -> list[Application]:
    return list(session.scalars(select(Application).where(Application.uscc == uscc).order_by(Application.id.desc())))


def timeline(session: Session, app_id: int) -> list[dict]:
    """Every step of the application from the audit, oldest first: when, what, the reason."""
    out = []
    for e in session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "application", AuditEntry.entity_id == str(app_id))
        .order_by(AuditEntry.seq)
    ):
        detail = e.detail or {}
        human = e.actor.startswith("account:") and not e.actor.startswith(f"account:{PREFIX}")
        out.append(
            {
                "at": as_utc(e.at).isoformat(timespec="seconds"),
                "action": e.action,
                "stage": detail.get("stage"),
                # a reviewer's own words; the system's reasons are internal codes, shown as findings
                "reason": (detail.get("comment") or detail.get("reason")) if human else None,
            }
        )
    return out


def findings(session: Session, app_id: int) -> list[dict]:
    """What the latest assessment found missing or failing, in the words a business reads."""
    latest = session.scalar(
        select(AssessmentRecord)
        .where(AssessmentRecord.application_id == app_id)
        .order_by(AssessmentRecord.id.desc())
        .limit(1)
    )
    outcomes = (latest.result or {}).get("outcomes", []) if latest else []
    return [
        {"id": o["id"], "title": o.get("title_zh", ""), "reason": o.get("reason_zh", ""), "status": o["status"]}
        for o in outcomes
        if o.get("status") in ("missing", "fail", "veto")
    ]


def withdraw(session: Session, uscc: str, app_id: int, actor: str) -> Application:
    """The business takes back an open application (before its certificate is issued)."""
    app = own_application(session, uscc, app_id)
    if app.status in CLOSED_STATUSES:
        raise WorkflowError(f"application {app_id} is {app.status} and cannot be withdrawn", kind=Kind.conflict)
    set_status(session, app, ApplicationStatus.withdrawn, actor, reason="企业撤回申请")
    return app


def certificates(session: Session, uscc: str, today: dt.date) -> list[dict]:
    """The business's certificates, newest first, with whether renewal is open (90 days before
    the end of validity)."""
    out = []
    for c in session.scalars(
        select(Certificate)
        .where(Certificate.uscc == uscc, Certificate.status != "reserved")
        .order_by(Certificate.id.desc())
    ):
        out.append(
            {
                "number": c.number,
                "number_zh": c.number_zh,
                "program": c.program,
                "status": c.status,
                "valid_from": c.valid_from.isoformat(),
                "valid_until": c.valid_until.isoformat(),
                "renewable": c.status == "valid" and c.valid_until - dt.timedelta(days=RENEW_DAYS) <= today,
                "has_pdf": bool(c.pdf_path),
                "has_twin": bool(c.twin_path),
            }
        )
    return out


def own_certificate(session: Session, uscc: str, number: str) -> Certificate:
    cert = session.scalar(select(Certificate).where(Certificate.number == number))
    if cert is None or cert.uscc != uscc or cert.status == "reserved":
        raise WorkflowError(f"certificate {number}: no such certificate", kind=Kind.not_found)
    return cert


def commitment_letter(session: Session, uscc: str, program: str, on: dt.date, settings: Settings) -> bytes:
    """The commitment letter `uscc` reads for `program` on `on` (bytes; deterministic). Rendered
    once per text: the letter the business opened is not rendered again when it applies."""
    try:
        paragraphs = load_policy(program).value("commitment_letter.paragraphs", on)
    except (PolicyError, KeyError, FileNotFoundError):
        raise WorkflowError(f"program {program!r}: no such programme", kind=Kind.bad_input) from None
    # the name alone: loading the whole registration costs three times as much
    name = session.scalar(select(Registration.name).where(Registration.uscc == uscc))
    return _letter(program, name or uscc, uscc, tuple(paragraphs), settings.authority_zh, on)


@lru_cache(maxsize=256)  # a letter is ~30 KB: at most ~8 MB
def _letter(program: str, name: str, uscc: str, paragraphs: tuple[str, ...], authority: str, on: dt.date) -> bytes:
    return render_commitment_letter(program, name, uscc, list(paragraphs), authority, on)


def accept_commitments(session: Session, app_id: int, letter: bytes, actor: str) -> str:
    """Record that the business accepted the letter it read: time (the audit's), account, SHA-256."""
    digest = hashlib.sha256(letter).hexdigest()
    audit.record(session, actor, "application.commitments_accepted", "application", app_id, {"letter_sha256": digest})
    return digest
