"""The one rule of who may decide for a business: an active reviewer or supervisor account, at
the stage asked for, covering the business's region and not tied to it. Every decision (review,
objection ruling, suspension, revocation, reinstatement) is checked by `eligible_reviewer`, and
the workbench's scope (`in_scope`) is the same region rule."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.errors import Kind
from registry.models import Registration
from registry.workflow_models import Account, WorkflowError

DECIDING_ROLES = ("reviewer", "supervisor")


def business_region(session: Session, uscc: str) -> str:
    """The business's region: the registered one, else the one the code itself carries
    (characters 3-8 of a USCC)."""
    return session.scalar(select(Registration.region_code).where(Registration.uscc == uscc)) or uscc[2:8]


def eligible_reviewer(
    session: Session, name: str, uscc: str, *, stage: str | None = None, subject: str | None = None
) -> Account:
    """The account `name`, checked: exists, active, a reviewer or supervisor, at `stage` when one
    is required, covering the business's region and not tied to it. `subject` names what is
    decided in a refusal (default: the business)."""
    subject = subject or f"the business {uscc}"
    reviewer = session.scalar(select(Account).where(Account.username == name))
    if reviewer is None:
        raise WorkflowError(f"reviewer {name!r}: not registered", kind=Kind.not_found)
    if not reviewer.active:
        raise WorkflowError(f"reviewer {name!r} is disabled")
    if reviewer.role not in DECIDING_ROLES or reviewer.stage is None:
        raise WorkflowError(f"account {name!r} is an {reviewer.role} and decides no review stage")
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
