"""The registry side of dynamic management: which certificates are watched, what the previous
recheck said about them, and the findings each recheck stores (one row per check that fired,
unique per certificate and date, so a re-run after a crash adds nothing twice)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checks.monitoring import EXPIRED, MONITORED, Decision
from registry.applications import WorkflowError
from registry.ingest import insert_ignoring_duplicates
from registry.models import Registration
from registry.workflow_models import Certificate, MonitoringFinding, Recheck, Reviewer, RiskFlag

ACTION_DONE = {"suspend": "suspended", "warn": "warned", "expire": "expired", "reinstatable": "reinstatable",
               "none": "none"}


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
    noted = select(MonitoringFinding.certificate_id).where(MonitoringFinding.check_id == EXPIRED,
                                                           MonitoringFinding.recheck_on < as_of)
    rows = session.execute(select(Certificate.id, Certificate.uscc, Certificate.program, Certificate.number,
                                  Certificate.status, Certificate.valid_until)
                           .where(Certificate.status.in_(MONITORED), Certificate.id.not_in(noted))
                           .order_by(Certificate.program, Certificate.uscc, Certificate.id))
    return [Watched(*r) for r in rows]


def start(session: Session, as_of: dt.date) -> dt.date | None:
    """Record this date's recheck (or find it again when a re-run resumes it); the date of the
    recheck before it."""
    insert_ignoring_duplicates(session.connection(), Recheck.__table__, [{"as_of": as_of}])
    return session.scalar(select(func.max(Recheck.as_of)).where(Recheck.as_of < as_of))


def finish(session: Session, as_of: dt.date, summary: dict) -> None:
    rec = session.scalar(select(Recheck).where(Recheck.as_of == as_of))
    rec.finished_at, rec.summary = dt.datetime.now(dt.timezone.utc), summary


@dataclass
class Context:
    """What the checks need beyond the evidence, for a chunk of certificates."""

    warned_before: dict[int, frozenset[str]]
    expiry_noted: set[int]
    risk: dict[str, dict]


def context(session: Session, cert_ids: Sequence[int], usccs: Sequence[str], as_of: dt.date,
            previous: dt.date | None, risk_days: int = 30) -> Context:
    warned: dict[int, set[str]] = defaultdict(set)
    if previous is not None:
        for cid, check in session.execute(select(MonitoringFinding.certificate_id, MonitoringFinding.check_id).where(
                MonitoringFinding.recheck_on == previous, MonitoringFinding.kind == "warning",
                MonitoringFinding.certificate_id.in_(cert_ids))):
            warned[cid].add(check)
    noted = set(session.scalars(select(MonitoringFinding.certificate_id).where(
        MonitoringFinding.check_id == EXPIRED, MonitoringFinding.recheck_on < as_of,
        MonitoringFinding.certificate_id.in_(cert_ids))))
    since = min(previous, as_of - dt.timedelta(days=risk_days)) if previous else as_of - dt.timedelta(days=risk_days)
    risk = {}
    for uscc, notice in session.execute(select(RiskFlag.uscc, RiskFlag.notice).where(
            RiskFlag.uscc.in_(usccs), RiskFlag.scanned_on > since, RiskFlag.scanned_on <= as_of)
            .order_by(RiskFlag.uscc, RiskFlag.scanned_on)):
        risk[uscc] = notice  # the latest scan wins
    return Context({k: frozenset(v) for k, v in warned.items()}, noted, risk)


def store_findings(session: Session, cert: Watched, as_of: dt.date, decision: Decision) -> None:
    """The decision's findings as rows (a re-run inserts nothing twice)."""
    action = ACTION_DONE[decision.action]
    rows = [{"recheck_on": as_of, "certificate_id": cert.id, "uscc": cert.uscc, "program": cert.program,
             "check_id": f.check_id, "kind": f.kind,
             "action": action if f is decision.cause and decision.action != "none" else "noted",
             "reason_code": decision.reason_code if f is decision.cause else None, "detail": f.detail()}
            for f in decision.findings]
    if rows:
        insert_ignoring_duplicates(session.connection(), MonitoringFinding.__table__, rows)


def findings_on(session: Session, as_of: dt.date) -> list[MonitoringFinding]:
    return list(session.scalars(select(MonitoringFinding).where(MonitoringFinding.recheck_on == as_of)
                                .order_by(MonitoringFinding.uscc, MonitoringFinding.certificate_id,
                                          MonitoringFinding.check_id)))


def acting_reviewer(session: Session, name: str, uscc: str, *, stage: str | None = None) -> Reviewer:
    """The reviewer `name`, checked: registered, active, covering the business's region, not tied
    to it, and at `stage` when one is required."""
    reviewer = session.scalar(select(Reviewer).where(Reviewer.name == name))
    if reviewer is None:
        raise WorkflowError(f"--as {name!r}: not a registered reviewer")
    if not reviewer.active:
        raise WorkflowError(f"--as {name!r}: reviewer is disabled")
    if stage is not None and reviewer.stage != stage:
        raise WorkflowError(f"--as {name!r}: reviewer decides the {reviewer.stage} stage; this needs a "
                            f"{stage}-stage reviewer")
    # the registered region, else the one the code itself carries (characters 3-8 of a USCC)
    region = session.scalar(select(Registration.region_code).where(Registration.uscc == uscc)) or uscc[2:8]
    if not region.startswith(reviewer.region_prefix):
        raise WorkflowError(f"--as {name!r}: reviewer covers region {reviewer.region_prefix}; the business "
                            f"{uscc} is in region {region}")
    if uscc in (reviewer.ties or []):
        raise WorkflowError(f"--as {name!r}: reviewer is tied to {uscc} and must not decide")
    return reviewer
