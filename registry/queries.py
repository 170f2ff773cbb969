"""Read models for the CLI, the UI and the demo: applications as rows, one application's history,
the demo's online applicants, what stands at each review stage, objections, quarantined
rows and the size of a region's population."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.applications import get_application
from registry.models import CreditClass, QuarantinedRow, Registration
from registry.workflow_models import (
    Account,
    Application,
    AssessmentRecord,
    AuditEntry,
    Certificate,
    Objection,
    ReviewDecision,
    RiskFlag,
)


def application_rows(
    session: Session, status: str | None = None, program: str | None = None, app_id: int | None = None
) -> list[dict]:
    q = (
        select(Application, Certificate.number)
        .outerjoin(Certificate, Certificate.application_id == Application.id)
        .order_by(Application.id)
    )
    if status:
        q = q.where(Application.status == status)
    if program:
        q = q.where(Application.program == program)
    if app_id is not None:
        q = q.where(Application.id == app_id)
    return [
        {
            "id": a.id,
            "uscc": a.uscc,
            "program": a.program,
            "channel": a.channel,
            "status": a.status,
            "stage": a.stage,
            "verdict": a.verdict,
            "score": a.score,
            "certificate_number": number,
            "submitted_on": a.submitted_on.isoformat(),
            "store_name": a.store_name,
        }
        for a, number in session.execute(q)
    ]


def application_history(session: Session, app_id: int) -> dict:
    app = get_application(session, app_id)
    [row] = application_rows(session, app_id=app_id) or [{}]
    latest = session.scalar(
        select(AssessmentRecord)
        .where(AssessmentRecord.application_id == app_id)
        .order_by(AssessmentRecord.id.desc())
        .limit(1)
    )
    decisions = session.execute(
        select(ReviewDecision, Account.username)
        .join(Account, Account.id == ReviewDecision.reviewer_id)
        .where(ReviewDecision.application_id == app_id)
        .order_by(ReviewDecision.id)
    ).all()
    objections = session.scalars(
        select(Objection).where(Objection.application_id == app_id).order_by(Objection.id)
    ).all()
    history = [
        {
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "reason": e.detail.get("reason") or e.detail.get("comment"),
        }
        for e in session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "application", AuditEntry.entity_id == str(app_id))
            .order_by(AuditEntry.seq)
        )
    ]
    flag = session.scalar(
        select(RiskFlag).where(RiskFlag.uscc == app.uscc).order_by(RiskFlag.scanned_on.desc()).limit(1)
    )
    return {
        **row,
        "risk_notice": None if flag is None else flag.notice,  # advisory, beside the score; never a veto
        "status_reason": app.status_reason,
        "review_round": app.review_round,
        "commitments": app.commitments,
        "assessment": None
        if latest is None
        else {
            "verdict": latest.verdict,
            "score": latest.score,
            "bonus": latest.bonus,
            "as_of": latest.as_of.isoformat(),
            "policy": f"{latest.policy_id}@{latest.policy_effective_from} sha256 {latest.policy_sha256[:12]}",
            "pass_mark": latest.result.get("pass_mark"),
            "outcomes": latest.result.get("outcomes", []),
        },
        "decisions": [
            {
                "round": d.review_round,
                "stage": d.stage,
                "reviewer": name,
                "decision": d.decision,
                "comment": d.comment,
                "at": d.decided_at.isoformat(timespec="seconds"),
            }
            for d, name in decisions
        ],
        "objections": [
            {
                "id": o.id,
                "status": o.status,
                "reason": o.reason,
                "filed_by": o.filed_by,
                "resolution": o.resolution_comment,
            }
            for o in objections
        ],
        "history": history,
    }


def application_ids(session: Session, status: str, stage: str | None = None) -> list[int]:
    """The applications with this status (and at this review stage), in order."""
    q = select(Application.id).where(Application.status == status)
    if stage is not None:
        q = q.where(Application.stage == stage)
    return list(session.scalars(q.order_by(Application.id)))


def status_counts(session: Session) -> Counter:
    """How many applications are in each status."""
    return Counter(session.scalars(select(Application.status)))


def online_candidates(session: Session, n: int) -> list[str]:
    """Low-risk registered businesses without an application (the demo's online applicants)."""
    applied = select(Application.uscc)
    return list(
        session.scalars(
            select(Registration.uscc)
            .join(CreditClass, CreditClass.uscc == Registration.uscc)
            .where(
                Registration.status == "active",
                Registration.odr_enrolled_on.is_not(None),
                CreditClass.risk_class == "A",
                Registration.uscc.not_in(applied),
            )
            .group_by(Registration.uscc)
            .order_by(Registration.uscc)
            .limit(n)
        )
    )


def registration_count(session: Session, region: str | None = None) -> int:
    """How many businesses are registered (in regions whose code starts with `region`)."""
    q = select(func.count()).select_from(Registration)
    if region:
        q = q.where(Registration.region_code.startswith(region))
    return session.scalar(q) or 0


def objection_rows(session: Session) -> list[dict]:
    """Every objection with its status, in filing order."""
    return [
        {
            "id": o.id,
            "application_id": o.application_id,
            "status": o.status,
            "reason": o.reason,
            "filed_by": o.filed_by,
            "filed_on": o.filed_on.isoformat(),
            "resolved_by": o.resolved_by,
        }
        for o in session.scalars(select(Objection).order_by(Objection.id))
    ]


def quarantined_rows(session: Session, kind: str | None = None, limit: int = 100) -> list[dict]:
    """The first `limit` quarantined rows (of one record kind): where they came from and why."""
    q = select(QuarantinedRow).order_by(QuarantinedRow.id).limit(limit)
    if kind:
        q = q.where(QuarantinedRow.kind == kind)
    return [
        {
            "id": r.id,
            "source": r.source,
            "kind": r.kind,
            "line": r.line,
            "field": r.field,
            "value": r.value,
            "reason": r.reason,
        }
        for r in session.scalars(q)
    ]
