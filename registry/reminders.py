"""Renewal reminders: a valid certificate's business is told 60 and 30 days before the end of
validity (`LEAD_DAYS`), each once (the unique key of `renewal_reminders`), through the usual
delivery (outbox, and e-mail to the contact on record when SMTP is set). No reminder for a
certificate that is suspended, revoked or superseded, nor while a renewal application of the
same programme is open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from documents import emails
from documents.files import write_atomic
from registry import audit, delivery
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import CLOSED_STATUSES, Application, Certificate, RenewalReminder

LEAD_DAYS = (60, 30)


@dataclass
class ReminderReport:
    as_of: dt.date
    sent: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "sent": [{"number": n, "days_before": d} for n, d in self.sent]}


def due(session: Session, today: dt.date) -> list[tuple[int, int]]:
    """(certificate id, lead time) of each reminder due today and not yet sent: the shortest lead
    time a valid certificate has reached (a run missed at 60 days sends the 30-day one only)."""
    horizon = today + dt.timedelta(days=max(LEAD_DAYS))
    certs = session.scalars(
        select(Certificate).where(
            Certificate.status == "valid", Certificate.valid_until >= today, Certificate.valid_until <= horizon
        )
    ).all()
    out = []
    for cert in certs:
        left = (cert.valid_until - today).days
        lead = min(d for d in LEAD_DAYS if left <= d)
        sent = session.scalar(
            select(RenewalReminder.id).where(
                RenewalReminder.certificate_id == cert.id, RenewalReminder.days_before <= lead
            )
        )
        if sent is None and not _renewing(session, cert):
            out.append((cert.id, lead))
    return out


def _renewing(session: Session, cert: Certificate) -> bool:
    """A newer application of the same programme is open (the renewal is under way)."""
    return (
        session.scalar(
            select(Application.id).where(
                Application.uscc == cert.uscc,
                Application.program == cert.program,
                Application.status.not_in(list(CLOSED_STATUSES)),
                Application.id != cert.application_id,
            )
        )
        is not None
    )


def send(session: Session, cert_id: int, lead: int, today: dt.date, settings: Settings) -> bool:
    """Record and queue one reminder; False when another run recorded it first."""
    conn = session.connection()
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    inserted = conn.execute(
        insert(RenewalReminder)
        .values(certificate_id=cert_id, days_before=lead, sent_on=today)
        .on_conflict_do_nothing()
        .returning(RenewalReminder.id)  # a row only when this run inserted it (rowcount is not portable)
    ).scalar()
    if inserted is None:
        return False
    cert = session.get(Certificate, cert_id)
    assert cert is not None
    reg = session.get(Registration, cert.uscc)
    name = reg.name if reg else cert.data.get("business_name", cert.uscc)
    base = (settings.public_url or settings.verify_base_url).rstrip("/")
    subject, body = emails.renewal_reminder(
        program=cert.program,
        business_name=name,
        number_zh=cert.number_zh,
        valid_until=cert.valid_until,
        days=(cert.valid_until - today).days,
        link=f"{base}/portal",
        authority=settings.authority_zh,
    )
    path = write_atomic(
        settings.out_path / "reminders" / f"{cert.number}-{lead}.txt", f"{subject}\n\n{body}\n".encode()
    )
    recipient = (reg.contact_email or "") if reg else ""
    delivery.queue(session, delivery.Document(cert.uscc, path, subject, body, recipient), settings)
    audit.record(session, "system", "certificate.renewal_reminded", "certificate", cert.number, {"days_before": lead})
    return True


def numbers_of(session: Session, cert_ids: list[int]) -> dict[int, str]:
    """The numbers of these certificates, by id."""
    rows = session.execute(select(Certificate.id, Certificate.number).where(Certificate.id.in_(cert_ids)))
    return {cert_id: number for cert_id, number in rows}
