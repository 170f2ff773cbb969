"""Delivery of documents to businesses: always into the outbox, and by e-mail when SMTP is set.

Each (document, channel) is one row, so queuing twice changes nothing. A failed
attempt is recorded and retried by the next run; a certificate is never re-issued
by delivery. E-mail is at-least-once: a crash between the server accepting a
message and the row being marked can resend it, with the same Message-ID so mail
clients fold the copies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.files import copy_atomic
from registry import audit
from registry.ingest import insert_ignoring_duplicates
from registry.settings import Settings
from registry.workflow_models import Delivery

MIME = {".pdf": ("application", "pdf"), ".json": ("application", "json"), ".csv": ("text", "csv")}


@dataclass
class Document:
    uscc: str
    path: Path
    subject: str
    body: str
    recipient: str
    attachments: tuple[Path, ...] = ()


def queue(session: Session, doc: Document, settings: Settings) -> None:
    """Queue a document on each channel in use (idempotent per document and channel)."""
    channels = ["outbox"] + (["email"] if settings.smtp_host and doc.recipient else [])
    rows = [
        {
            "uscc": doc.uscc,
            "document": str(doc.path),
            "subject": doc.subject,
            "channel": ch,
            "recipient": doc.recipient if ch == "email" else str(settings.outbox_path / doc.uscc),
            "status": "pending",
            "attempts": 0,
        }
        for ch in channels
    ]
    insert_ignoring_duplicates(session.connection(), Delivery.__table__, rows)
    body_path = doc.path.with_suffix(".txt")
    if not body_path.exists():
        body_path.write_text(doc.body, encoding="utf-8")


def _to_outbox(d: Delivery, settings: Settings) -> None:
    src = Path(d.document)
    folder = settings.outbox_path / d.uscc
    for f in (src, *_companions(src)):
        copy_atomic(f, folder / f.name)  # a crash never leaves half a file under the real name


def _companions(src: Path) -> list[Path]:
    """Files delivered with a document: its machine-readable twin and its cover text."""
    return [p for p in (src.with_suffix(".vc.json"), src.with_suffix(".txt")) if p.exists()]


def _email(d: Delivery, settings: Settings) -> None:
    assert settings.smtp_host is not None  # attempt() checks it first
    src = Path(d.document)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.mail_from, d.recipient, d.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = f"<{hashlib.sha256(src.read_bytes()).hexdigest()[:32]}@assured>"
    body = src.with_suffix(".txt")
    msg.set_content(body.read_text(encoding="utf-8") if body.exists() else d.subject)
    attached = [] if src.suffix == ".txt" else [src]  # a plain-text notice is the body itself
    for f in (*attached, *[c for c in _companions(src) if c.suffix != ".txt"]):
        maintype, subtype = MIME.get("".join(f.suffixes[-1:]), ("application", "octet-stream"))
        msg.add_attachment(f.read_bytes(), maintype=maintype, subtype=subtype, filename=f.name)
    send_mail(msg, settings)


def send_mail(msg: EmailMessage, settings: Settings) -> None:
    """Hand one message to the configured SMTP server (STARTTLS and login as the settings say)."""
    assert settings.smtp_host is not None  # callers check it first
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(msg)


def _pending(settings: Settings):
    return (
        select(Delivery.id, Delivery.channel)
        .where(Delivery.status == "pending", Delivery.attempts < settings.delivery_attempts)
        .order_by(Delivery.id)
    )


def pending_ids(session: Session, settings: Settings) -> list[int]:
    return [delivery_id for delivery_id, _ in session.execute(_pending(settings))]


OUTBOX_BATCH = 200  # outbox deliveries recorded per transaction (a crash re-copies at most these)


def batches(session: Session, settings: Settings) -> list[list[int]]:
    """The pending deliveries in order, as the groups to attempt in one transaction each: up to
    `OUTBOX_BATCH` outbox copies together (copying again after a crash is harmless), each e-mail
    alone (a crash after the server took a message resends that one message at most)."""
    groups: list[list[int]] = []
    outbox: list[int] | None = None
    for delivery_id, channel in session.execute(_pending(settings)):
        if channel != "outbox":
            groups.append([delivery_id])
            outbox = None
            continue
        if outbox is None or len(outbox) >= OUTBOX_BATCH:
            outbox = []
            groups.append(outbox)
        outbox.append(delivery_id)
    return groups


def attempt_all(session: Session, ids: list[int], settings: Settings) -> int:
    """One attempt at each of `ids` (their rows read in one query), recorded whatever happens;
    the number that succeeded."""
    session.scalars(select(Delivery).where(Delivery.id.in_(ids))).all()  # into the identity map
    return sum(attempt(session, delivery_id, settings) for delivery_id in ids)


def attempt(session: Session, delivery_id: int, settings: Settings) -> bool:
    """One attempt at one delivery, recorded whatever happens."""
    d = session.get(Delivery, delivery_id)
    if d is None or d.status != "pending":
        return True
    d.attempts += 1
    try:
        if d.channel == "outbox":
            _to_outbox(d, settings)
        elif d.channel == "email":
            if not settings.smtp_host:
                raise OSError("no SMTP server configured (ASSURED_SMTP_HOST)")
            _email(d, settings)
    except (OSError, smtplib.SMTPException) as exc:
        d.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if d.attempts >= settings.delivery_attempts:
            d.status = "failed"
            audit.record(
                session,
                "system",
                "delivery.failed",
                "delivery",
                d.id,
                {"document": d.document, "channel": d.channel, "error": d.last_error},
            )
        return False
    d.status, d.delivered_at, d.last_error = "delivered", dt.datetime.now(dt.UTC), None
    audit.record(
        session,
        "system",
        "delivery.delivered",
        "delivery",
        d.id,
        {"document": Path(d.document).name, "channel": d.channel, "uscc": d.uscc},
    )
    return True
