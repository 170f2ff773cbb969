"""Reviewers and the one rule of who may decide for a business: registered, active, at the
stage asked for, covering the business's region and not tied to it. Every decision (review,
objection ruling, suspension, revocation, reinstatement) is checked by `eligible_reviewer`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.errors import Kind
from registry import audit
from registry.models import Registration
from registry.workflow_models import Reviewer, WorkflowError


def add_reviewer(
    session: Session,
    name: str,
    stage: str,
    region_prefix: str,
    stages: tuple[str, ...],
    ties: list[str] | None = None,
    actor: str = "admin",
) -> Reviewer:
    if stage not in stages:
        raise WorkflowError(f"--stage {stage!r}: review stages are {', '.join(stages)}")
    if not (region_prefix.isdigit() and 2 <= len(region_prefix) <= 6):
        raise WorkflowError(f"--region {region_prefix!r}: expected 2 to 6 digits of a GB/T 2260 region code")
    if session.scalar(select(Reviewer).where(Reviewer.name == name)) is not None:
        raise WorkflowError(f"reviewer {name!r} already exists", kind=Kind.conflict)
    reviewer = Reviewer(name=name, stage=stage, region_prefix=region_prefix, active=True, ties=ties or [])
    session.add(reviewer)
    session.flush()
    audit.record(session, actor, "reviewer.added", "reviewer", name, {"stage": stage, "region": region_prefix})
    return reviewer


def disable_reviewer(session: Session, name: str, actor: str = "admin") -> Reviewer:
    reviewer = session.scalar(select(Reviewer).where(Reviewer.name == name))
    if reviewer is None:
        raise WorkflowError(f"reviewer {name!r}: not registered", kind=Kind.not_found)
    reviewer.active = False
    audit.record(session, actor, "reviewer.disabled", "reviewer", name, {})
    return reviewer


def business_region(session: Session, uscc: str) -> str:
    """The business's region: the registered one, else the one the code itself carries
    (characters 3-8 of a USCC)."""
    return session.scalar(select(Registration.region_code).where(Registration.uscc == uscc)) or uscc[2:8]


def eligible_reviewer(
    session: Session, name: str, uscc: str, *, stage: str | None = None, subject: str | None = None
) -> Reviewer:
    """The reviewer `name`, checked: registered, active, at `stage` when one is required,
    covering the business's region and not tied to it. `subject` names what is decided in a
    refusal (default: the business)."""
    subject = subject or f"the business {uscc}"
    reviewer = session.scalar(select(Reviewer).where(Reviewer.name == name))
    if reviewer is None:
        raise WorkflowError(f"reviewer {name!r}: not registered", kind=Kind.not_found)
    if not reviewer.active:
        raise WorkflowError(f"reviewer {name!r} is disabled")
    if stage is not None and reviewer.stage != stage:
        raise WorkflowError(
            f"reviewer {name!r} decides the {reviewer.stage} stage; {subject} needs a {stage}-stage reviewer"
        )
    region = business_region(session, uscc)
    if not region.startswith(reviewer.region_prefix):
        raise WorkflowError(
            f"reviewer {name!r} covers region {reviewer.region_prefix}; {subject} is from region {region}"
        )
    if uscc in (reviewer.ties or []):
        raise WorkflowError(f"reviewer {name!r} is tied to {uscc} and must not decide")
    return reviewer
