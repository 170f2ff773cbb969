"""The registry side of dynamic management: which certificates are watched, what the previous
recheck said about them, and the findings each recheck stores (one row per check that fired,
unique per certificate and date, so a re-run after a crash adds nothing twice)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.status import FINAL, REASONS, CertificateRecord, CertificateState
from checks.assess import assess
from checks.monitoring import EXPIRED, MONITORED, Decision, Visit, decide
from checks.policy import load_policy
from registry.certificates import DbStatusStore, issued_certificate
from registry.evidence import evidence_for
from registry.ingest import insert_ignoring_duplicates
from registry.models import MysteryShop
from registry.reviewers import eligible_reviewer
from registry.workflow_models import (
    Certificate,
    CertificateStatusChange,
    MonitoringFinding,
    Recheck,
    RiskFlag,
    WorkflowError,
)

ACTION_DONE = {
    "suspend": "suspended",
    "warn": "warned",
    "expire": "expired",
    "reinstatable": "reinstatable",
    "none": "none",
}


@dataclass(frozen=True)
class Watched:
    id: int
    uscc: str
    program: str
    number: str
    status: str
    valid_until: dt.date


def watched(session: Session, as_of: dt.date) -> list[Watched]:
    """Every certificate monitoring looks at (valid or suspended, and not already noted as
    expired by an earlier recheck), by programme and USCC."""
    noted = select(MonitoringFinding.certificate_id).where(
        MonitoringFinding.check_id == EXPIRED, MonitoringFinding.recheck_on < as_of
    )
    rows = session.execute(
        select(
            Certificate.id,
            Certificate.uscc,
            Certificate.program,
            Certificate.number,
            Certificate.status,
            Certificate.valid_until,
        )
        .where(Certificate.status.in_(MONITORED), Certificate.id.not_in(noted))
        .order_by(Certificate.program, Certificate.uscc, Certificate.id)
    )
    return [Watched(*r) for r in rows]


def start(session: Session, as_of: dt.date) -> dt.date | None:
    """Record this date's recheck (or find it again when a re-run resumes it); the date of the
    recheck before it."""
    insert_ignoring_duplicates(session.connection(), Recheck.__table__, [{"as_of": as_of}])
    return session.scalar(select(func.max(Recheck.as_of)).where(Recheck.as_of < as_of))


def finish(session: Session, as_of: dt.date, summary: dict) -> None:
    rec = session.scalar(select(Recheck).where(Recheck.as_of == as_of))
    assert rec is not None  # start() recorded it
    rec.finished_at, rec.summary = dt.datetime.now(dt.UTC), summary


@dataclass
class Context:
    """What the checks need beyond the evidence, for a chunk of certificates."""

    warned_before: dict[int, frozenset[str]]
    expiry_noted: set[int]
    risk: dict[str, dict]
    visits: dict[str, tuple[Visit, ...]] = field(default_factory=dict)  # refused mystery-shop returns


def context(
    session: Session,
    cert_ids: Sequence[int],
    usccs: Sequence[str],
    as_of: dt.date,
    previous: dt.date | None,
    risk_days: int = 30,
) -> Context:
    warned: dict[int, set[str]] = defaultdict(set)
    if previous is not None:
        for cid, check in session.execute(
            select(MonitoringFinding.certificate_id, MonitoringFinding.check_id).where(
                MonitoringFinding.recheck_on == previous,
                MonitoringFinding.kind == "warning",
                MonitoringFinding.certificate_id.in_(cert_ids),
            )
        ):
            warned[cid].add(check)
    noted = set(
        session.scalars(
            select(MonitoringFinding.certificate_id).where(
                MonitoringFinding.check_id == EXPIRED,
                MonitoringFinding.recheck_on < as_of,
                MonitoringFinding.certificate_id.in_(cert_ids),
            )
        )
    )
    since = min(previous, as_of - dt.timedelta(days=risk_days)) if previous else as_of - dt.timedelta(days=risk_days)
    risk = {}
    for uscc, notice in session.execute(
        select(RiskFlag.uscc, RiskFlag.notice)
        .where(RiskFlag.uscc.in_(usccs), RiskFlag.scanned_on > since, RiskFlag.scanned_on <= as_of)
        .order_by(RiskFlag.uscc, RiskFlag.scanned_on)
    ):
        risk[uscc] = notice  # the latest scan wins
    return Context({k: frozenset(v) for k, v in warned.items()}, noted, risk, refused_visits(session, usccs, as_of))


def refused_visits(session: Session, usccs: Sequence[str], as_of: dt.date) -> dict[str, tuple[Visit, ...]]:
    """Each business's mystery-shop visits with a refused outcome on or before `as_of` (which of
    them count is `checks.monitoring.refused_return`'s rule)."""
    out: dict[str, list[Visit]] = defaultdict(list)
    s = MysteryShop
    for uscc, shop_id, visited_on, scenario, outcome, within in session.execute(
        select(s.uscc, s.shop_id, s.visited_on, s.scenario, s.outcome, s.within_commitment)
        .where(s.uscc.in_(usccs), s.outcome == "refused", s.visited_on <= as_of)
        .order_by(s.uscc, s.visited_on, s.shop_id)
    ):
        out[uscc].append(Visit(shop_id, visited_on, scenario, outcome, within))
    return {k: tuple(v) for k, v in out.items()}


def finding_rows(cert: Watched, as_of: dt.date, decision: Decision) -> list[dict]:
    """The decision's findings as `monitoring_findings` rows."""
    action = ACTION_DONE[decision.action]
    return [
        {
            "recheck_on": as_of,
            "certificate_id": cert.id,
            "uscc": cert.uscc,
            "program": cert.program,
            "check_id": f.check_id,
            "kind": f.kind,
            "action": action if f is decision.cause and decision.action != "none" else "noted",
            "reason_code": decision.reason_code if f is decision.cause else None,
            "detail": f.detail(),
        }
        for f in decision.findings
    ]


def store_findings(session: Session, rows: list[dict]) -> None:
    """Findings rows (`finding_rows`) of any number of certificates in one statement (a re-run
    inserts nothing twice)."""
    if rows:
        insert_ignoring_duplicates(session.connection(), MonitoringFinding.__table__, rows)


def findings_on(session: Session, as_of: dt.date) -> list[MonitoringFinding]:
    return list(
        session.scalars(
            select(MonitoringFinding)
            .where(MonitoringFinding.recheck_on == as_of)
            .order_by(MonitoringFinding.uscc, MonitoringFinding.certificate_id, MonitoringFinding.check_id)
        )
    )


def statuses(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """certificate id -> its status now."""
    return dict(session.execute(select(Certificate.id, Certificate.status).where(Certificate.id.in_(ids))).all())


def worklist(session: Session, as_of: dt.date) -> list[dict]:
    """The recheck's findings as the reviewers' worklist rows (stable order)."""
    numbers = dict(session.execute(select(Certificate.id, Certificate.number)).all())
    return [
        {
            "uscc": f.uscc,
            "number": numbers[f.certificate_id],
            "program": f.program,
            "check_id": f.check_id,
            "kind": f.kind,
            "action": f.action,
            "reason_code": f.reason_code or "",
            "title_zh": f.detail.get("title_zh", ""),
            "reason_zh": f.detail.get("reason_zh", ""),
            "reason_en": f.detail.get("reason_en", ""),
            "evidence": "|".join(f.detail.get("evidence", ())),
        }
        for f in findings_on(session, as_of)
    ]


def standing(session: Session, cert: Certificate, on: dt.date) -> Decision:
    """A recheck of one certificate as of `on` (nothing stored): what stands against it now."""
    policy = load_policy(cert.program)
    a = assess(evidence_for(session, cert.uscc, on, cert.program, policy), policy)
    visits = refused_visits(session, [cert.uscc], on).get(cert.uscc, ())
    return decide(CertificateState.suspended, cert.valid_until, a, policy.at(on), program=cert.program, visits=visits)


REVIEWER_DEFAULT_REASON = {CertificateState.valid: "review_cleared", CertificateState.suspended: "reviewer_decision"}


def change_by_reviewer(
    session: Session,
    number: str,
    to: CertificateState,
    reviewer: str,
    reason: str | None,
    note: str,
    on: dt.date,
    stages: tuple[str, ...],
    session_id: int | None = None,
) -> tuple[Certificate, CertificateRecord, str, str]:
    """suspend / revoke / reinstate by a reviewer, checked against the reviewer registry (revocation
    needs a final-stage reviewer and confirms a suspension; reinstatement needs every event
    cleared), then the status change with its audit entry. Returns the certificate, its record,
    and the reason code and note stored."""
    cert = issued_certificate(session, number)
    if cert.status in FINAL:
        what = "revocation is final" if cert.status == CertificateState.revoked else "a renewed certificate replaced it"
        raise WorkflowError(f"certificate {cert.number} is {cert.status}: {what}")
    eligible_reviewer(
        session,
        reviewer,
        cert.uscc,
        stage=stages[-1] if to == CertificateState.revoked else None,
        subject=f"certificate {cert.number}",
    )
    if to == CertificateState.revoked and cert.status != CertificateState.suspended:
        raise WorkflowError(
            f"certificate {cert.number} is {cert.status}: revocation confirms a suspension (suspend it first)"
        )
    if to == CertificateState.valid:
        if on > cert.valid_until:
            raise WorkflowError(f"certificate {cert.number} expired on {cert.valid_until}: apply for renewal")
        blocking = [f for f in standing(session, cert, on).findings if f.kind in ("veto", "warning")]
        if blocking:
            raise WorkflowError(
                f"certificate {cert.number} cannot be reinstated on {on}: "
                + "; ".join(f"{f.check_id} {f.reason_en}" for f in blocking)
            )
    if reason in REASONS:
        code = reason
    else:
        if to != CertificateState.valid and not (reason or "").strip():
            raise WorkflowError(f"--reason: say why (a reason code such as {', '.join(list(REASONS)[1:4])}, or words)")
        # the last change's reason: every certificate has at least its "issued" change
        code = REVIEWER_DEFAULT_REASON.get(to) or cast(
            str,
            session.scalar(
                select(CertificateStatusChange.reason_code)
                .where(CertificateStatusChange.certificate_id == cert.id)
                .order_by(CertificateStatusChange.id.desc())
                .limit(1)
            ),
        )
        note = "; ".join(x for x in ((reason or "").strip(), note.strip()) if x)
    record = DbStatusStore(session, f"account:{reviewer}", {"session_id": session_id}).change(
        cert.number, to, code, on, note
    )
    return cert, record, code, note
