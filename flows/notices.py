"""Documents the workflow sends or publishes: reasons letters, announcement lists and the
notices of a certificate's status changes.

Reads the registry, renders with `documents.letters`, writes under the output
folder and queues delivery. Personal data (legal representative, contact details)
never enters a published list.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.programmes import title_zh
from documents.letters import (
    NOTICE_KINDS,
    AnnouncedEntry,
    AnnouncementList,
    Finding,
    RejectionLetter,
    StatusNotice,
    render_announcement,
    render_rejection_letter,
    render_status_notice,
)
from certificates.status import REASONS
from checks.remedies import remedy
from registry import audit, delivery
from registry.applications import get_application
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import Announcement, Application, AssessmentRecord, Certificate, ReviewDecision

ANNOUNCEMENT_FIELDS = ("application_id", "business_name", "uscc", "store_name", "region_code", "score")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def letter_for(session: Session, app_id: int, settings: Settings) -> Path:
    """The reasons letter of a rejected application: each failed check, why, and what would fix it."""
    app = get_application(session, app_id)
    reg = session.get(Registration, app.uscc)
    latest = session.scalar(select(AssessmentRecord).where(AssessmentRecord.application_id == app_id)
                            .order_by(AssessmentRecord.id.desc()).limit(1))
    findings = []
    pass_mark = 0.0
    if latest is not None:
        pass_mark = latest.result["pass_mark"]
        if latest.verdict == "ineligible":  # (an eligible one was rejected by a reviewer: see below)
            findings = [Finding(o["id"], o["title_zh"], o["status"], o["reason_zh"], remedy(o["id"])[0])
                        for o in latest.result["outcomes"]
                        if o["status"] in ("veto", "fail") and not o["id"].startswith("bonus.")]
    rejected_by = session.scalar(select(ReviewDecision).where(
        ReviewDecision.application_id == app_id, ReviewDecision.decision == "reject"))
    if rejected_by is not None:
        findings.insert(0, Finding(f"review.{rejected_by.stage}", "审核意见", "veto", rejected_by.comment,
                                   remedy("review")[0]))
    letter = RejectionLetter(
        application_id=app.id, business_name=reg.name if reg else app.store_name, uscc=app.uscc,
        program=app.program, assessed_on=latest.as_of if latest else app.submitted_on,
        score=app.score or 0.0, pass_mark=pass_mark, authority=settings.authority_zh, findings=tuple(findings))
    path = _write(settings.out_path / "letters" / app.uscc / f"rejection-{app.id}.pdf",
                  render_rejection_letter(letter))
    body = (f"{letter.business_name}：\n\n您单位的申请（编号 {app.id}）未通过审核，"
            f"原因及整改建议见附件《申请审核结果告知书》。\n\n{settings.authority_zh}")
    delivery.queue(session, delivery.Document(app.uscc, path, "申请审核结果告知书", body, app.contact_email), settings)
    audit.record(session, "system", "letter.written", "application", app.id,
                 {"path": path.name, "findings": [f.check_id for f in findings]})
    return path


def announcement_files(session: Session, ann: Announcement, apps: list[Application],
                       settings: Settings) -> tuple[Path, Path]:
    regs = {r.uscc: r for r in session.execute(select(Registration.uscc, Registration.name, Registration.region_code)
                                               .where(Registration.uscc.in_([a.uscc for a in apps])))}
    entries = tuple(AnnouncedEntry(a.id, regs[a.uscc].name if a.uscc in regs else a.store_name, a.uscc,
                                   a.store_name, regs[a.uscc].region_code if a.uscc in regs else "", a.score or 0.0)
                    for a in apps)
    listing = AnnouncementList(ann.id, ann.program, ann.published_on, ann.window_ends_on, settings.authority_zh,
                               entries)
    folder = settings.out_path / "announcements"
    stem = f"{ann.program}-{ann.published_on}-{ann.id}"
    pdf = _write(folder / f"{stem}.pdf", render_announcement(listing))
    csv_path = folder / f"{stem}.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(ANNOUNCEMENT_FIELDS + ("window_ends_on",))
        for e in entries:
            w.writerow([getattr(e, f) for f in ANNOUNCEMENT_FIELDS] + [ann.window_ends_on.isoformat()])
    return csv_path, pdf


def write_status_notice(session: Session, cert: Certificate, to: str, reason_code: str | None, on,
                       settings: Settings, findings: tuple = (), note: str = "") -> delivery.Document:
    """The notice of a status change (or expiry) to the business, rendered and written (reads only;
    deterministic, so writing it again gives the same file). `findings` are
    `checks.monitoring.Finding`s; vetoes carry the advice that would clear them."""
    reg = session.get(Registration, cert.uscc)
    app = session.get(Application, cert.application_id) if cert.application_id else None
    reason = REASONS[reason_code][0] if reason_code else "；".join(f.reason_zh for f in findings[:1]) or to
    if note:
        reason = f"{reason}（{note}）"
    shown = tuple(Finding(f.check_id, f.title_zh, f.kind, f.reason_zh,
                          remedy(f.check_id)[0] if f.kind == "veto" else "请及时核实处理。")
                  for f in findings if f.kind in ("veto", "warning", "expired"))
    name = reg.name if reg else cert.data.get("business_name", cert.uscc)
    notice = StatusNotice(cert.program, name, cert.uscc, cert.number_zh, to, on, reason, settings.authority_zh, shown)
    path = _write(settings.out_path / "notices" / cert.uscc / f"{cert.number}-{to}-{on.isoformat()}.pdf",
                  render_status_notice(notice))
    title = f"{title_zh(cert.program)}{NOTICE_KINDS[to][0]}"
    body = (f"{name}：\n\n你单位的证书（编号 {cert.number_zh}）自 {on.isoformat()} 起{NOTICE_KINDS[to][1]}。"
            f"原因：{reason}。详见附件《{title}》。\n\n{settings.authority_zh}")
    recipient = (app.contact_email if app else "") or (reg.contact_email if reg else "")
    return delivery.Document(cert.uscc, path, f"{title} {cert.number_zh}", body, recipient)


def queue_notice(session: Session, doc: delivery.Document, number: str, to: str, reason_code: str | None,
                 settings: Settings) -> None:
    """Queue a written notice for delivery, with its audit entry (inside the status change's transaction)."""
    delivery.queue(session, doc, settings)
    audit.record(session, "system", "notice.written", "certificate", number,
                 {"path": doc.path.name, "to": to, "reason": reason_code})


def status_notice(session: Session, cert: Certificate, to: str, reason_code: str | None, on, settings: Settings,
                  findings: tuple = (), note: str = "") -> Path:
    """Write the notice and queue it, in the caller's transaction."""
    doc = write_status_notice(session, cert, to, reason_code, on, settings, findings, note)
    queue_notice(session, doc, cert.number, to, reason_code, settings)
    return doc.path
