"""Review deadlines: each review stage has a working-day deadline (`Application.due_on`, set by
`registry.applications.set_status` from `lifecycle.review_working_days.<stage>`). Once it has
passed, the stage is escalated exactly once per application, round and stage (the unique key of
`review_escalations`): the holder of the claim and the stage's supervisors covering the
business's region are e-mailed, and the audit records who was told.

The e-mail to staff goes to the staff outbox (`<outbox>/_staff/<username>/`, a folder no USCC
can name) and, when SMTP is set and the account has an address, through the deliveries table,
so a failed send is retried by the next delivery run like every other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from documents import emails
from documents.files import write_atomic
from registry import audit
from registry.ingest import insert_ignoring_duplicates
from registry.models import Registration
from registry.reviewers import business_region
from registry.settings import Settings
from registry.workflow_models import Account, Application, ApplicationStatus, Delivery, ReviewEscalation

STAFF_FOLDER = "_staff"


@dataclass
class DeadlineReport:
    as_of: dt.date
    overdue: int = 0
    escalated: list[int] = field(default_factory=list)
    notified: dict[int, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "overdue": self.overdue,
            "escalated": self.escalated,
            "notified": {str(k): v for k, v in self.notified.items()},
        }


def _escalated():
    return exists().where(
        ReviewEscalation.application_id == Application.id,
        ReviewEscalation.review_round == Application.review_round,
        ReviewEscalation.stage == Application.stage,
    )


def overdue_count(session: Session, today: dt.date) -> int:
    return session.scalar(select(func.count()).select_from(_overdue(today).subquery())) or 0


def _overdue(today: dt.date):
    return select(Application.id).where(Application.status == ApplicationStatus.in_review, Application.due_on < today)


def to_escalate(session: Session, today: dt.date) -> list[int]:
    """Applications whose current stage is overdue and not yet escalated, oldest deadline first."""
    return list(session.scalars(_overdue(today).where(~_escalated()).order_by(Application.due_on, Application.id)))


def recipients(session: Session, app: Application) -> list[Account]:
    """Who is told: the holder of the claim, then the active supervisors of the stage (or of
    every stage) whose region prefix covers the business."""
    region = business_region(session, app.uscc)
    supervisors = session.scalars(
        select(Account)
        .where(
            Account.role == "supervisor",
            Account.active.is_(True),
            or_(Account.stage.is_(None), Account.stage == app.stage),
        )
        .order_by(Account.username)
    ).all()
    out = [s for s in supervisors if region.startswith(s.region_prefix)]
    holder = session.get(Account, app.claimed_by_id) if app.claimed_by_id else None
    if holder is not None and holder.active and holder not in out:
        out.insert(0, holder)
    return out


def _claim_row(session: Session, app: Application, today: dt.date) -> bool:
    """Insert the escalation row; False when another run already did (the unique key decides)."""
    conn = session.connection()
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    inserted = conn.execute(
        insert(ReviewEscalation)
        .values(
            application_id=app.id,
            review_round=app.review_round,
            stage=app.stage,
            due_on=app.due_on,
            escalated_on=today,
            notified=[],
        )
        .on_conflict_do_nothing()
        .returning(ReviewEscalation.id)  # a row only when this run inserted it (rowcount is not portable)
    ).scalar()
    return inserted is not None


def escalate(session: Session, app_id: int, today: dt.date, settings: Settings) -> list[str] | None:
    """Escalate one overdue stage: the row, the e-mails, the audit. None when it was not overdue
    or is escalated already (a re-run adds nothing)."""
    app = session.get(Application, app_id)
    if app is None or app.status != ApplicationStatus.in_review or app.due_on is None or app.due_on >= today:
        return None
    if not _claim_row(session, app, today):
        return None
    holder = session.get(Account, app.claimed_by_id) if app.claimed_by_id else None
    business = session.scalar(select(Registration.name).where(Registration.uscc == app.uscc)) or app.store_name
    base = (settings.public_url or settings.verify_base_url).rstrip("/")
    subject, body = emails.review_overdue(
        application_id=app.id,
        business=business,
        program=app.program,
        stage=app.stage or "",
        due_on=app.due_on,
        today=today,
        holder=holder.username if holder else None,
        link=f"{base}/review/applications/{app.id}",
        authority=settings.authority_zh,
    )
    told = recipients(session, app)
    name = f"overdue-{app.id}-r{app.review_round}-{app.stage}.txt"
    mails = []
    for account in told:
        path = write_atomic(
            settings.outbox_path / STAFF_FOLDER / account.username / name, f"{subject}\n\n{body}\n".encode()
        )
        if settings.smtp_host and account.email:
            mails.append(_mail(app.uscc, path, subject, account.email))
    if mails:
        insert_ignoring_duplicates(session.connection(), Delivery.__table__, mails)
    notified = [a.username for a in told]
    session.execute(
        update(ReviewEscalation)
        .where(
            ReviewEscalation.application_id == app.id,
            ReviewEscalation.review_round == app.review_round,
            ReviewEscalation.stage == app.stage,
        )
        .values(notified=notified)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        "system",
        "application.escalated",
        "application",
        app.id,
        {"stage": app.stage, "round": app.review_round, "due_on": app.due_on.isoformat(), "notified": notified},
    )
    return notified


def _mail(uscc: str, path: Path, subject: str, to: str) -> dict:
    return {
        "uscc": uscc,
        "document": str(path),
        "subject": subject,
        "channel": "email",
        "recipient": to,
        "status": "pending",
        "attempts": 0,
    }


def escalated_ids(session: Session, app_ids: list[int]) -> set[int]:
    """Of `app_ids`, those whose current stage has been escalated (the worklist marks them)."""
    if not app_ids:
        return set()
    return set(session.scalars(select(Application.id).where(Application.id.in_(app_ids), _escalated())))
