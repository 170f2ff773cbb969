"""Tables of the certification workflow: applications and what happens to them.

The application's state lives here — durable and auditable — and each step
(assessment, decision, announcement, objection, issue, delivery) is a row.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from checks.errors import AssuredError, Kind
from registry.models import Base, created_at, short, text, uscc


class WorkflowError(AssuredError):
    """A refused step of the workflow, said in one line naming the application, the person and the rule."""

    kind = Kind.refused


class ApplicationStatus(StrEnum):
    """Where an application stands (`Application.status`); the open ones keep `open_key` set."""

    submitted = "submitted"
    pending_data = "pending_data"
    in_review = "in_review"
    returned = "returned"
    approved = "approved"
    announced = "announced"
    issuable = "issuable"
    rejected = "rejected"
    issued = "issued"
    withdrawn = "withdrawn"


# An application in one of these is closed (its `open_key` cleared); every other status is open.
CLOSED_STATUSES = frozenset({ApplicationStatus.rejected, ApplicationStatus.issued, ApplicationStatus.withdrawn})


class Application(Base):
    """A business's application to one programme. `open_key` is set while the application
    is open and cleared when it closes, so one open application per business and programme
    is a unique constraint, not a hope."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_worklist", "status", "stage", "due_on", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[uscc]
    program: Mapped[short]
    channel: Mapped[short]
    submitted_on: Mapped[dt.date]
    store_name: Mapped[text]
    contact_email: Mapped[text]
    commitments: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    stage: Mapped[str | None] = mapped_column(String(20))
    review_round: Mapped[int] = mapped_column(default=1)
    open_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    as_of: Mapped[dt.date | None]
    verdict: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float | None]
    status_reason: Mapped[str | None] = mapped_column(Text)
    stage_since: Mapped[dt.date | None] = mapped_column(doc="when the current review stage began")
    due_on: Mapped[dt.date | None] = mapped_column(doc="the current stage's working-day deadline")
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    claimed_at: Mapped[dt.datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[dt.datetime | None]


class AssessmentRecord(Base):
    """An assessment with its evidence snapshot and policy fingerprint: re-derivable later."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    uscc: Mapped[uscc]
    program: Mapped[short]
    as_of: Mapped[dt.date]
    verdict: Mapped[str] = mapped_column(String(20))
    score: Mapped[float]
    bonus: Mapped[float]
    policy_id: Mapped[short]
    policy_effective_from: Mapped[dt.date]
    policy_sha256: Mapped[str] = mapped_column(String(64))
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[created_at]


class Account(Base):
    """A signed-in person: reviewer, supervisor or admin. A reviewer decides one stage within a
    region prefix and never for a business in `ties`; a supervisor oversees a stage in a region
    (reassigns claims, receives escalations); an admin manages accounts. `password_hash` is an
    argon2id hash, empty until a password is set; `must_change_password` is set for a one-time
    password. The table was `reviewers` before accounts existed (migration 0006)."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(12), default="reviewer", doc="reviewer | supervisor | admin")
    stage: Mapped[str | None] = mapped_column(String(20))
    region_prefix: Mapped[str] = mapped_column(String(6))
    email: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ties: Mapped[list] = mapped_column(JSON, default=list, doc="USCCs the reviewer must not decide on")
    password_hash: Mapped[str | None] = mapped_column(Text)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    password_set_at: Mapped[dt.datetime | None]
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    oidc_subject: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[created_at]


class AccountSession(Base):
    """A signed-in session (browser, API or `assured login`): only the sha256 of its token is kept.
    It ends at `expires_at`, after `idle` seconds without use, or when revoked (sign-out)."""

    __tablename__ = "account_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), doc="web | cli")
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    client: Mapped[str | None] = mapped_column(String(200), doc="client address, for the audit")


class ReviewDecision(Base):
    """One decision per stage and round: the unique key makes concurrent deciders race
    for one row, and exactly one wins."""

    __tablename__ = "review_decisions"
    __table_args__ = (UniqueConstraint("application_id", "review_round", "stage"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    review_round: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[text]
    decided_at: Mapped[created_at]


class ReviewEscalation(Base):
    """An overdue review stage, escalated once: unique per application, round and stage, so a
    re-run of the deadline flow adds nothing."""

    __tablename__ = "review_escalations"
    __table_args__ = (UniqueConstraint("application_id", "review_round", "stage"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    review_round: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[dt.date]
    escalated_on: Mapped[dt.date]
    notified: Mapped[list] = mapped_column(JSON, default=list, doc="usernames e-mailed")
    created_at: Mapped[created_at]


class Announcement(Base):
    """公示: a dated list of approved applications with its objection window."""

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program: Mapped[short]
    published_on: Mapped[dt.date]
    window_ends_on: Mapped[dt.date]
    pdf_path: Mapped[str | None] = mapped_column(Text)
    csv_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]


class AnnouncementItem(Base):
    __tablename__ = "announcement_items"
    __table_args__ = (UniqueConstraint("announcement_id", "application_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)


class Objection(Base):
    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    announcement_id: Mapped[int] = mapped_column(ForeignKey("announcements.id"))
    reason: Mapped[text]
    filed_by: Mapped[text]
    filed_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(12), default="open")
    resolved_by: Mapped[str | None] = mapped_column(Text)
    resolution_comment: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None]


class Certificate(Base):
    """Number and serial are stored before anything is signed (issuance discipline)."""

    __tablename__ = "certificates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("applications.id"), unique=True, doc="none for a certificate made by hand"
    )
    uscc: Mapped[uscc]
    program: Mapped[short]
    number: Mapped[str] = mapped_column(String(80), unique=True, doc="ASCII form, HB-FX-2026-420000-000001")
    number_zh: Mapped[str] = mapped_column(String(80), unique=True, doc="鄂放心〔2026〕第420000-000001号")
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    status_index: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(12), default="reserved", doc="reserved until its files exist")
    issued_on: Mapped[dt.date]
    valid_from: Mapped[dt.date]
    valid_until: Mapped[dt.date]
    data: Mapped[dict] = mapped_column(JSON, doc="the CertificateData it was rendered from")
    credential: Mapped[dict | None] = mapped_column(JSON, doc="the signed machine-readable twin")
    pdf_path: Mapped[str | None] = mapped_column(Text)
    twin_path: Mapped[str | None] = mapped_column(Text)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    created_at: Mapped[created_at]


class CertificateStatusChange(Base):
    __tablename__ = "certificate_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    reason_code: Mapped[short]
    note: Mapped[text]
    actor: Mapped[text]
    on: Mapped[dt.date]
    at: Mapped[created_at]


class Delivery(Base):
    """One document to one business through one channel; retried until delivered."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("document", "channel"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[uscc]
    document: Mapped[str] = mapped_column(String(400), doc="path of the delivered file, unique per channel")
    subject: Mapped[text]
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[text]
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Append-only, hash-chained: each entry's hash covers its content and the previous hash.
    `seq` is unique, so two writers cannot both extend the chain from the same entry."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime]
    actor: Mapped[text]
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80), index=True)
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SourceRefresh(Base):
    """When one business's records were last pulled from the HTTP sources."""

    __tablename__ = "source_refreshes"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    refreshed_at: Mapped[dt.datetime]


class RiskFlag(Base):
    """A business flagged by a risk scan (advisory: shown to reviewers beside the score, never a veto)."""

    __tablename__ = "risk_flags"
    __table_args__ = (UniqueConstraint("uscc", "scanned_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    scanned_on: Mapped[dt.date]
    notice: Mapped[dict] = mapped_column(JSON, doc="checks.risk.scan.risk_notice(): counts, terms, zh/en text")


class Recheck(Base):
    """One monitoring recheck of the certified businesses as of a date. `finished_at` stays
    empty until every chunk is done, so a re-run after a crash resumes the same recheck."""

    __tablename__ = "rechecks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(unique=True)
    started_at: Mapped[created_at]
    finished_at: Mapped[dt.datetime | None]
    summary: Mapped[dict | None] = mapped_column(JSON)


class MonitoringFinding(Base):
    """What a recheck found about one certificate and what it did: one row per check that
    fired (veto, spike, low rate, expiry, risk flag, cleared), unique per recheck date, so a
    re-run adds nothing twice."""

    __tablename__ = "monitoring_findings"
    __table_args__ = (UniqueConstraint("certificate_id", "recheck_on", "check_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recheck_on: Mapped[dt.date] = mapped_column(index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    uscc: Mapped[uscc]
    program: Mapped[short]
    check_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(12), doc="veto | warning | expired | advisory | cleared")
    action: Mapped[str] = mapped_column(String(20), doc="suspended | warned | expired | noted | reinstatable | none")
    reason_code: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, doc="reasons (zh/en), figures and evidence references")
    created_at: Mapped[created_at]


class PortalCode(Base):
    """A one-time sign-in code for a business (企业服务): only a salted SHA-256 is kept. A code lives
    `portal_code_minutes`, allows `portal_code_attempts` tries and is used once. A request for an
    unknown USCC, or one without a contact on record, is kept too (`sent` false), so the rate
    limits count it and the answer cannot tell the two apart."""

    __tablename__ = "portal_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[uscc]
    code_sha256: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    client: Mapped[str] = mapped_column(String(200), index=True, default="")
    created_at: Mapped[dt.datetime] = mapped_column(index=True)
    expires_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[dt.datetime | None]


class ApplicationDocument(Base):
    """A document a business attached to its application, stored content-addressed by SHA-256
    under the uploads folder (`<uploads>/<sha[:2]>/<sha>`): the same file twice is one row."""

    __tablename__ = "application_documents"
    __table_args__ = (UniqueConstraint("application_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    note: Mapped[text]
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[created_at]


class RenewalReminder(Base):
    """A renewal reminder sent for a certificate, `days_before` its end: unique, so each is sent once."""

    __tablename__ = "renewal_reminders"
    __table_args__ = (UniqueConstraint("certificate_id", "days_before"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    days_before: Mapped[int]
    sent_on: Mapped[dt.date]


class VerificationLookup(Base):
    """How often the public looked a certificate up on a day: the number and a count, nothing
    about who asked. A certificate checked far more often than the others shows on the
    supervisors' dashboard (a copied QR code, a forgery going round)."""

    __tablename__ = "verification_lookups"
    number: Mapped[str] = mapped_column(String(80), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
