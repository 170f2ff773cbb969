"""What the documents sent to businesses and published say, read from the registry: the reasons
letter of a rejected application, an announcement's list, the notice of a certificate's status
change. Rendering is the renderer's; personal data (legal representative, contact details)
never enters a published list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, cast, exists, select
from sqlalchemy.orm import Session

from certificates.status import REASONS, CertificateState
from checks.policy import load_policy
from checks.remedies import NOTHING_TO_DO, remedy, said_once
from documents.letters import AnnouncedEntry, AnnouncementList, Finding, Redress, RejectionLetter, StatusNotice
from documents.official import Official
from registry import audit, delivery
from registry.applications import get_application
from registry.document_numbers import take_number
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import (
    Announcement,
    Application,
    ApplicationStatus,
    AssessmentRecord,
    AuditEntry,
    Certificate,
    ReviewDecision,
)


def official_form(session: Session, subject: str, kind: str, on: dt.date, settings: Settings) -> Official:
    """The official form of one document: the authority, its document number (taken for `subject`
    in the caller's transaction, `registry.document_numbers`), the date and the contact line."""
    number = take_number(session, subject, kind, settings.document_prefix, on.year)
    return Official(settings.authority_zh, number, on, settings.objection_contact)


def redress(program: str, on: dt.date, authority: str) -> Redress:
    """Where and by when a decision may be contested, from the policy in force on `on`."""
    p = load_policy(program).at(on)
    return Redress(
        p["lifecycle.reconsideration.body_zh"].format(authority=authority),
        p["lifecycle.reconsideration.working_days"],
        p["lifecycle.administrative_review_days"],
        p["lifecycle.litigation_months"],
    )


def rejection_letter(session: Session, app_id: int, settings: Settings) -> tuple[RejectionLetter, str]:
    """The reasons letter of a rejected application (each failed check, why, and what would fix
    it, its document number taken in the caller's transaction) and the applicant's contact e-mail."""
    app = get_application(session, app_id)
    reg = session.get(Registration, app.uscc)
    latest = session.scalar(
        select(AssessmentRecord)
        .where(AssessmentRecord.application_id == app_id)
        .order_by(AssessmentRecord.id.desc())
        .limit(1)
    )
    findings = []
    pass_mark = 0.0
    if latest is not None:
        pass_mark = latest.result["pass_mark"]
        if latest.verdict == "ineligible":  # (an eligible one was rejected by a reviewer: see below)
            failed = {
                o["id"]: o
                for o in latest.result["outcomes"]
                if o["status"] in ("veto", "fail") and not o["id"].startswith("bonus.")
            }
            findings = [  # each fault once; what the business cannot change is a note, not a fault
                Finding(
                    cid,
                    failed[cid]["title_zh"],
                    "note" if cid in NOTHING_TO_DO else failed[cid]["status"],
                    failed[cid]["reason_zh"],
                    remedy(cid)[0],
                )
                for cid in said_once(list(failed))
            ]
    rejected_by = session.scalar(
        select(ReviewDecision).where(ReviewDecision.application_id == app_id, ReviewDecision.decision == "reject")
    )
    if rejected_by is not None:
        findings.insert(
            0, Finding(f"review.{rejected_by.stage}", "审核意见", "veto", rejected_by.comment, remedy("review")[0])
        )
    on = latest.as_of if latest else app.submitted_on
    letter = RejectionLetter(
        application_id=app.id,
        business_name=reg.name if reg else app.store_name,
        uscc=app.uscc,
        program=app.program,
        assessed_on=on,
        score=app.score or 0.0,
        pass_mark=pass_mark,
        findings=tuple(findings),
        form=official_form(session, f"rejection:{app.id}", "rejection", on, settings),
        redress=redress(app.program, on, settings.authority_zh),
    )
    return letter, app.contact_email


def unlettered(session: Session, ids: list[int] | None = None) -> list[int]:
    """Rejected applications (of `ids`, or all) whose reasons letter was never written: a crash
    after the rejection's commit and before its letter's (the letter is written after, in a
    transaction of its own). `assured applications process` writes what is owed."""
    lettered = exists().where(
        AuditEntry.entity == "application",
        AuditEntry.entity_id == cast(Application.id, String),
        AuditEntry.action == "letter.written",
    )
    query = select(Application.id).where(Application.status == ApplicationStatus.rejected, ~lettered)
    if ids is not None:
        query = query.where(Application.id.in_(ids))
    return list(session.scalars(query.order_by(Application.id)))


def queue_letter(session: Session, doc: delivery.Document, letter: RejectionLetter, settings: Settings) -> None:
    """Queue a written reasons letter for delivery, with its audit entry."""
    delivery.queue(session, doc, settings)
    audit.record(
        session,
        "system",
        "letter.written",
        "application",
        letter.application_id,
        {"path": doc.path.name, "findings": [f.check_id for f in letter.findings]},
    )


def announcement_list(
    session: Session, ann: Announcement, apps: list[Application], authority: str, contact: str = ""
) -> AnnouncementList:
    """An announcement's list: each applicant's name, code, store, region and score."""
    regs = {
        r.uscc: r
        for r in session.execute(
            select(Registration.uscc, Registration.name, Registration.region_code).where(
                Registration.uscc.in_([a.uscc for a in apps])
            )
        )
    }
    entries = tuple(
        AnnouncedEntry(
            a.id,
            regs[a.uscc].name if a.uscc in regs else a.store_name,
            a.uscc,
            a.store_name,
            regs[a.uscc].region_code if a.uscc in regs else "",
            a.score or 0.0,
        )
        for a in apps
    )
    return AnnouncementList(ann.id, ann.program, ann.published_on, ann.window_ends_on, authority, entries, contact)


def status_notice(
    session: Session,
    cert: Certificate,
    to: str,
    reason_code: str | None,
    on: dt.date,
    settings: Settings,
    findings: tuple = (),
    note: str = "",
) -> tuple[StatusNotice, str]:
    """The notice of a status change (or expiry) to the business, and its recipient; its document
    number is taken in the caller's transaction (the one that records the change).
    `findings` are `checks.monitoring.Finding`s; vetoes carry the advice that would clear them."""
    reg = session.get(Registration, cert.uscc)
    app = session.get(Application, cert.application_id) if cert.application_id else None
    reason = REASONS[reason_code][0] if reason_code else "；".join(f.reason_zh for f in findings[:1]) or to
    if note:
        reason = f"{reason}（{note}）"
    shown = tuple(
        Finding(
            f.check_id,
            f.title_zh,
            f.kind,
            f.reason_zh,
            remedy(f.check_id)[0] if f.kind == "veto" else "请及时核实处理。",
        )
        for f in findings
        if f.kind in ("veto", "warning", "expired")
    )
    name = reg.name if reg else cert.data.get("business_name", cert.uscc)
    form = official_form(session, f"notice:{cert.number}:{to}:{on.isoformat()}", f"notice.{to}", on, settings)
    notice = StatusNotice(
        cert.program,
        name,
        cert.uscc,
        cert.number_zh,
        CertificateState(to),
        on,
        reason,
        form,
        redress(cert.program, on, settings.authority_zh),
        shown,
    )
    recipient = (app.contact_email if app else "") or (reg.contact_email if reg else "")
    return notice, recipient


def queue_notice(
    session: Session, doc: delivery.Document, number: str, to: str, reason_code: str | None, settings: Settings
) -> None:
    """Queue a written notice for delivery, with its audit entry (inside the status change's transaction)."""
    delivery.queue(session, doc, settings)
    audit.record(
        session,
        "system",
        "notice.written",
        "certificate",
        number,
        {"path": doc.path.name, "to": to, "reason": reason_code},
    )
