"""What the documents sent to businesses and published say, read from the registry: the reasons
letter of a rejected application, an announcement's list, the notice of a certificate's status
change. Rendering is the renderer's; personal data (legal representative, contact details)
never enters a published list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.status import REASONS, CertificateState
from checks.remedies import remedy
from documents.letters import AnnouncedEntry, AnnouncementList, Finding, RejectionLetter, StatusNotice
from registry import audit, delivery
from registry.applications import get_application
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import Announcement, Application, AssessmentRecord, Certificate, ReviewDecision


def rejection_letter(session: Session, app_id: int, authority: str) -> tuple[RejectionLetter, str]:
    """The reasons letter of a rejected application (each failed check, why, and what would fix
    it) and the applicant's contact e-mail."""
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
            findings = [
                Finding(o["id"], o["title_zh"], o["status"], o["reason_zh"], remedy(o["id"])[0])
                for o in latest.result["outcomes"]
                if o["status"] in ("veto", "fail") and not o["id"].startswith("bonus.")
            ]
    rejected_by = session.scalar(
        select(ReviewDecision).where(ReviewDecision.application_id == app_id, ReviewDecision.decision == "reject")
    )
    if rejected_by is not None:
        findings.insert(
            0, Finding(f"review.{rejected_by.stage}", "审核意见", "veto", rejected_by.comment, remedy("review")[0])
        )
    letter = RejectionLetter(
        application_id=app.id,
        business_name=reg.name if reg else app.store_name,
        uscc=app.uscc,
        program=app.program,
        assessed_on=latest.as_of if latest else app.submitted_on,
        score=app.score or 0.0,
        pass_mark=pass_mark,
        authority=authority,
        findings=tuple(findings),
    )
    return letter, app.contact_email


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
    authority: str,
    findings: tuple = (),
    note: str = "",
) -> tuple[StatusNotice, str]:
    """The notice of a status change (or expiry) to the business, and its recipient (reads only).
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
    notice = StatusNotice(
        cert.program, name, cert.uscc, cert.number_zh, CertificateState(to), on, reason, authority, shown
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
