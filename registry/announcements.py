"""The announcement (公示) of approved applications and the objections filed during its window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.errors import Kind
from registry import audit
from registry.applications import add_working_days, get_application, now, set_status
from registry.reviewers import eligible_reviewer
from registry.workflow_models import (
    Announcement,
    AnnouncementItem,
    Application,
    ApplicationStatus,
    Objection,
    WorkflowError,
)


def announce(
    session: Session, program: str, published_on: dt.date, window_days: int, actor: str
) -> tuple[Announcement, list[Application]]:
    apps = list(
        session.scalars(
            select(Application)
            .where(Application.program == program, Application.status == ApplicationStatus.approved)
            .order_by(Application.id)
        )
    )
    if not apps:
        raise WorkflowError(f"no approved {program} applications to announce")
    ann = Announcement(
        program=program, published_on=published_on, window_ends_on=add_working_days(published_on, window_days)
    )
    session.add(ann)
    session.flush()
    for app in apps:
        session.add(AnnouncementItem(announcement_id=ann.id, application_id=app.id))
        set_status(
            session,
            app,
            ApplicationStatus.announced,
            actor,
            f"announcement {ann.id} until {ann.window_ends_on}",
            announcement=ann.id,
        )
    return ann, apps


def _current_announcement(session: Session, app_id: int) -> Announcement | None:
    return session.scalar(
        select(Announcement)
        .join(AnnouncementItem)
        .where(AnnouncementItem.application_id == app_id)
        .order_by(Announcement.id.desc())
        .limit(1)
    )


def file_objection(session: Session, app_id: int, reason: str, by: str, on: dt.date) -> Objection:
    app = get_application(session, app_id)
    if not reason.strip():
        raise WorkflowError("an objection needs --reason")
    ann = _current_announcement(session, app_id)
    if app.status != ApplicationStatus.announced or ann is None:
        raise WorkflowError(f"application {app_id} is {app.status}, not under announcement")
    if on > ann.window_ends_on:
        raise WorkflowError(f"application {app_id}: the objection window closed on {ann.window_ends_on}")
    obj = Objection(
        application_id=app_id,
        announcement_id=ann.id,
        reason=reason,
        filed_by=by or "anonymous",
        filed_on=on,
        status="open",
    )
    session.add(obj)
    session.flush()
    audit.record(
        session,
        f"public:{obj.filed_by}",
        "objection.filed",
        "application",
        app_id,
        {"objection": obj.id, "reason": reason},
    )
    return obj


def resolve_objection(
    session: Session,
    objection_id: int,
    uphold: bool,
    reviewer_name: str,
    comment: str,
    stages: tuple[str, ...],
    session_id: int | None = None,
) -> Objection:
    """Uphold (back to the first review stage) or dismiss an objection: a final-stage reviewer
    covering the business and not tied to it rules, with a comment."""
    obj = session.get(Objection, objection_id)
    if obj is None:
        raise WorkflowError(f"objection {objection_id}: no such objection", kind=Kind.not_found)
    if obj.status != "open":
        raise WorkflowError(f"objection {objection_id} was already {obj.status}", kind=Kind.conflict)
    eligible_reviewer(
        session,
        reviewer_name,
        get_application(session, obj.application_id).uscc,
        stage=stages[-1],
        subject=f"objection {objection_id} to application {obj.application_id}",
    )
    if not comment.strip():
        raise WorkflowError("resolving an objection needs --comment")
    obj.status = "upheld" if uphold else "dismissed"
    obj.resolved_by, obj.resolution_comment, obj.resolved_at = reviewer_name, comment, now()
    actor = f"account:{reviewer_name}"
    audit.record(
        session,
        actor,
        f"objection.{obj.status}",
        "application",
        obj.application_id,
        {"objection": obj.id, "comment": comment, "session_id": session_id},
    )
    if uphold:
        app = get_application(session, obj.application_id)
        app.review_round += 1
        set_status(
            session, app, ApplicationStatus.in_review, actor, f"objection {obj.id} upheld: {comment}", stage=stages[0]
        )
    return obj


def release_after_window(session: Session, today: dt.date, actor: str = "system") -> list[Application]:
    """Announced applications whose window has passed with no open objection become issuable."""
    released = []
    for app in session.scalars(select(Application).where(Application.status == ApplicationStatus.announced)):
        ann = _current_announcement(session, app.id)
        if ann is None or today <= ann.window_ends_on:
            continue
        open_objection = session.scalar(
            select(Objection.id).where(Objection.application_id == app.id, Objection.status == "open")
        )
        if open_objection is None:
            set_status(
                session, app, ApplicationStatus.issuable, actor, f"announcement window closed {ann.window_ends_on}"
            )
            released.append(app)
    return released
