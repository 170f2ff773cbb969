"""Documents the workflow sends or publishes: reasons letters, announcement lists and the
notices of a certificate's status changes.

Each reads its content from the registry (`registry.notices`), renders with
`documents.letters`, writes under the output folder and queues delivery with its
e-mail (`documents.emails`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from documents import emails
from documents.files import write_atomic
from documents.letters import render_announcement, render_rejection_letter, render_status_notice
from documents.opendata import announcement_csv, announcement_readme
from registry import delivery
from registry import notices as N
from registry.settings import Settings
from registry.workflow_models import Announcement, Application, Certificate


def letter_for(session: Session, app_id: int, settings: Settings) -> Path:
    """The reasons letter of a rejected application, numbered, written and queued for delivery
    in the caller's transaction."""
    letter, recipient = N.rejection_letter(session, app_id, settings)
    path = write_atomic(
        settings.out_path / "letters" / letter.uscc / f"rejection-{letter.application_id}.pdf",
        render_rejection_letter(letter),
    )
    subject, body = emails.rejection_letter(letter.business_name, letter.application_id, settings.authority_zh)
    N.queue_letter(session, delivery.Document(letter.uscc, path, subject, body, recipient), letter, settings)
    return path


def announcement_files(
    session: Session, ann: Announcement, apps: list[Application], settings: Settings
) -> tuple[Path, Path]:
    """The announcement's list as PDF and CSV under the output folder, the CSV's README beside them."""
    listing = N.announcement_list(session, ann, apps, settings.authority_zh, settings.objection_contact)
    folder = settings.out_path / "announcements"
    stem = f"{ann.program}-{ann.published_on}-{ann.id}"
    pdf = write_atomic(folder / f"{stem}.pdf", render_announcement(listing))
    write_atomic(folder / "README.md", announcement_readme().encode("utf-8"))
    return write_atomic(folder / f"{stem}.csv", announcement_csv(listing.entries, ann.window_ends_on)), pdf


def write_status_notice(
    session: Session,
    cert: Certificate,
    to: str,
    reason_code: str | None,
    on: dt.date,
    settings: Settings,
    findings: tuple = (),
    note: str = "",
) -> delivery.Document:
    """The notice of a status change (or expiry) to the business, numbered in the caller's
    transaction (the one that records the change), rendered and written; deterministic, and a
    re-run finds the same number, so writing it again gives the same file."""
    notice, recipient = N.status_notice(session, cert, to, reason_code, on, settings, findings, note)
    path = write_atomic(
        settings.out_path / "notices" / cert.uscc / f"{cert.number}-{to}-{on.isoformat()}.pdf",
        render_status_notice(notice),
    )
    subject, body = emails.status_notice(
        cert.program, notice.business_name, cert.number_zh, to, on, notice.reason_zh, settings.authority_zh
    )
    return delivery.Document(cert.uscc, path, subject, body, recipient)


def status_notice(
    session: Session,
    cert: Certificate,
    to: str,
    reason_code: str | None,
    on: dt.date,
    settings: Settings,
    findings: tuple = (),
    note: str = "",
) -> Path:
    """Write the notice and queue it, in the caller's transaction."""
    doc = write_status_notice(session, cert, to, reason_code, on, settings, findings, note)
    N.queue_notice(session, doc, cert.number, to, reason_code, settings)
    return doc.path
