"""What the reviewers' workbench reads and changes: the worklist of a signed-in account, one
application as a reviewer sees it, claims, and the supervisors' figures.

Scope is part of every query (SQL, not a filter afterwards): a reviewer sees the applications in
review at their own stage within their region prefix; a supervisor every open application of
their region; an admin all. What is out of scope is "not found" (the web answers 404), so a
reviewer cannot learn that an application elsewhere exists.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from sqlalchemy import ColumnElement, CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session

from checks import calendar
from checks.errors import Kind
from registry import audit, inspections
from registry.accounts import utcnow
from registry.deadlines import escalated_ids
from registry.lookups import frequent_lookups
from registry.models import Registration
from registry.queries import application_history
from registry.reviewers import eligible_reviewer
from registry.uploads import documents_of
from registry.workflow_models import (
    CLOSED_STATUSES,
    Account,
    Application,
    ApplicationStatus,
    ReviewDecision,
    WorkflowError,
)

SORTS = ("due", "waiting", "score", "id")


def region_of() -> ColumnElement[str]:
    """The business's region in SQL, as `registry.reviewers.business_region` says: the
    registered one, else characters 3-8 of the USCC (needs the outer join on registrations)."""
    return func.coalesce(Registration.region_code, func.substr(Application.uscc, 3, 6))


def scope(account: Account) -> ColumnElement[bool]:
    """The applications `account` may see."""
    if account.role == "admin":
        return Application.id.is_not(None)
    in_region = region_of().like(account.region_prefix + "%")
    if account.role == "supervisor":
        return and_(in_region, Application.status.not_in(list(CLOSED_STATUSES)))
    return and_(in_region, Application.status == ApplicationStatus.in_review, Application.stage == account.stage)


def _scoped(account: Account):
    return select(Application).outerjoin(Registration, Registration.uscc == Application.uscc).where(scope(account))


def visible(session: Session, account: Account, app_id: int) -> Application:
    """The application if `account` may see it; else "not found", whether or not it exists."""
    app = session.scalar(_scoped(account).where(Application.id == app_id))
    if app is None:
        raise WorkflowError(f"application {app_id}: no such application", kind=Kind.not_found)
    return app


@dataclass(frozen=True)
class Filters:
    program: str | None = None
    overdue: bool = False
    mine: bool = False
    sort: str = "due"

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise WorkflowError(f"sort {self.sort!r}: one of {', '.join(SORTS)}", kind=Kind.bad_input)


PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page:
    """One page of a worklist: its rows, how many match in all, and where the next page starts."""

    items: list[dict]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def _filtered(q, account: Account, filters: Filters, today: dt.date):
    q = q.outerjoin(Registration, Registration.uscc == Application.uscc).where(scope(account))
    if filters.program:
        q = q.where(Application.program == filters.program)
    if filters.overdue:
        q = q.where(Application.due_on < today)
    if filters.mine:
        q = q.where(Application.claimed_by_id == account.id)
    return q


def worklist(
    session: Session,
    account: Account,
    filters: Filters = Filters(),
    today: dt.date | None = None,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    ids: list[int] | None = None,
) -> Page:
    """A page of the account's worklist, with business, score, days waiting, deadline, whether it
    was escalated, and the claim. `ids` narrows it to those applications (the bulk page)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise WorkflowError(f"limit {limit}: between 1 and {MAX_PAGE_SIZE}", kind=Kind.bad_input)
    if offset < 0:
        raise WorkflowError(f"offset {offset}: not negative", kind=Kind.bad_input)
    today = today or calendar.today()
    holder = Account.__table__.alias("holder")
    q = _filtered(
        select(
            Application.id,
            Application.uscc,
            Application.program,
            Application.stage,
            Application.status,
            Application.score,
            Application.verdict,
            Application.stage_since,
            Application.submitted_on,
            Application.due_on,
            Application.store_name,
            Registration.name,
            holder.c.username,
        ).select_from(Application),
        account,
        filters,
        today,
    ).outerjoin(holder, holder.c.id == Application.claimed_by_id)
    counted = _filtered(select(func.count(Application.id)).select_from(Application), account, filters, today)
    if ids is not None:
        q, counted = q.where(Application.id.in_(ids)), counted.where(Application.id.in_(ids))
    order = {
        "due": (Application.due_on.is_(None), Application.due_on, Application.id),
        "waiting": (Application.stage_since, Application.id),
        "score": (Application.score.desc(), Application.id),
        "id": (Application.id,),
    }[filters.sort]
    rows = session.execute(q.order_by(*order).limit(limit).offset(offset)).all()
    escalated = escalated_ids(session, [r.id for r in rows])
    ties = set(account.ties or [])
    items = []
    for r in rows:
        since = r.stage_since or r.submitted_on
        items.append(
            {
                "application_id": r.id,
                "uscc": r.uscc,
                "business": r.name or r.store_name,
                "store_name": r.store_name,
                "program": r.program,
                "stage": r.stage,
                "status": r.status,
                "score": r.score,
                "verdict": r.verdict,
                "days_waiting": (today - since).days,
                "due_on": None if r.due_on is None else r.due_on.isoformat(),
                "overdue": r.due_on is not None and r.due_on < today,
                "escalated": r.id in escalated,
                "claimed_by": r.username,
                "tied": r.uscc in ties,
            }
        )
    short = len(items) < limit and (items or offset == 0)  # the last page: the count is known
    total = offset + len(items) if short else session.scalar(counted) or 0
    return Page(items, total, offset, limit)


def application_detail(session: Session, account: Account, app_id: int, today: dt.date | None = None) -> dict:
    """One application as the reviewer deciding it sees it: the history read model plus the
    registration, the pass mark, the claim, the deadline and whether this account may decide."""
    today = today or calendar.today()
    app = visible(session, account, app_id)
    info = application_history(session, app_id)
    reg = session.get(Registration, app.uscc)
    holder = session.get(Account, app.claimed_by_id) if app.claimed_by_id else None
    try:
        eligible_reviewer(session, account.username, app.uscc, stage=app.stage, subject=f"application {app_id}")
        refusal = None
    except WorkflowError as exc:
        refusal = str(exc)
    if refusal is None and app.status != ApplicationStatus.in_review:
        refusal = f"application {app_id} is {app.status}, not in review"
    info.update(
        {
            "registration": None
            if reg is None
            else {
                "name": reg.name,
                "entity_type": reg.entity_type,
                "status": reg.status,
                "established_on": reg.established_on.isoformat(),
                "region_code": reg.region_code,
                "industry_code": reg.industry_code,
                "address": reg.address,
                "legal_representative": reg.legal_representative,
                "odr_enrolled_on": None if reg.odr_enrolled_on is None else reg.odr_enrolled_on.isoformat(),
            },
            "due_on": None if app.due_on is None else app.due_on.isoformat(),
            "overdue": app.due_on is not None and app.due_on < today,
            "stage_since": None if app.stage_since is None else app.stage_since.isoformat(),
            "claimed_by": holder.username if holder else None,
            "may_decide": refusal is None,
            "refusal": refusal,
            "documents": documents_of(session, app_id),
            "inspection": inspections.view(inspections.inspection_of(session, app), app, today),
        }
    )
    return info


# -- claims -----------------------------------------------------------------------------------


def claim(session: Session, account: Account, app_id: int, session_id: int | None = None) -> Application:
    """Take the application for oneself; exactly one account holds it (a conditional UPDATE:
    of two concurrent claims one changes the row, the other finds it held and gets a conflict)."""
    app = visible(session, account, app_id)
    eligible_reviewer(session, account.username, app.uscc, stage=app.stage, subject=f"application {app_id}")
    result: CursorResult = session.execute(  # type: ignore[assignment]
        update(Application)
        .where(
            Application.id == app_id,
            Application.status == ApplicationStatus.in_review,
            Application.stage == app.stage,
            or_(Application.claimed_by_id.is_(None), Application.claimed_by_id == account.id),
        )
        .values(claimed_by_id=account.id, claimed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(app)
    if result.rowcount != 1:
        holder = session.get(Account, app.claimed_by_id) if app.claimed_by_id else None
        raise WorkflowError(
            f"application {app_id} is claimed by {holder.username if holder else 'another reviewer'}",
            kind=Kind.conflict,
        )
    audit.record(
        session, f"account:{account.username}", "application.claimed", "application", app_id, {"session_id": session_id}
    )
    return app


def release(
    session: Session, account: Account, app_id: int, session_id: int | None = None, to: str | None = None
) -> Application:
    """Give the claim back (the holder), or — a supervisor — release or reassign it to `to`."""
    app = visible(session, account, app_id)
    supervisor = account.role in ("supervisor", "admin")
    if app.claimed_by_id not in (None, account.id) and not supervisor:
        raise WorkflowError(
            f"application {app_id} is claimed by another reviewer; only they or a supervisor can release it",
            kind=Kind.conflict,
        )
    if to is not None and not supervisor:
        raise WorkflowError("reassigning a claim is for supervisors")
    target = None
    if to is not None:
        target = eligible_reviewer(session, to, app.uscc, stage=app.stage, subject=f"application {app_id}")
    before = session.get(Account, app.claimed_by_id) if app.claimed_by_id else None
    app.claimed_by_id = target.id if target else None
    app.claimed_at = utcnow() if target else None
    audit.record(
        session,
        f"account:{account.username}",
        "application.reassigned" if target else "application.released",
        "application",
        app_id,
        {"session_id": session_id, "from": before.username if before else None, "to": to},
    )
    return app


# -- the supervisors' figures -----------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def dashboard(session: Session, account: Account, today: dt.date | None = None, days: int = 30) -> dict:
    """Backlog by stage and region, time in stage (median, 90th percentile), overdue count and
    decisions per reviewer over `days` days, within the account's scope."""
    today = today or calendar.today()
    region = region_of()
    rows = session.execute(
        select(Application.stage, func.substr(region, 1, 4), Application.stage_since, Application.due_on)
        .outerjoin(Registration, Registration.uscc == Application.uscc)
        .where(scope(account), Application.status == ApplicationStatus.in_review)
    ).all()
    backlog: dict[tuple[str, str], int] = {}
    waiting: dict[str, list[float]] = {}
    overdue = 0
    for stage, city, since, due in rows:
        backlog[(stage, city)] = backlog.get((stage, city), 0) + 1
        if since is not None:
            waiting.setdefault(stage, []).append(float((today - since).days))
        overdue += due is not None and due < today
    since_at = dt.datetime.combine(today - dt.timedelta(days=days), dt.time(), dt.UTC)
    decided = session.execute(
        select(Account.username, ReviewDecision.decision, func.count())
        .join(Account, Account.id == ReviewDecision.reviewer_id)
        .join(Application, Application.id == ReviewDecision.application_id)
        .outerjoin(Registration, Registration.uscc == Application.uscc)
        .where(ReviewDecision.decided_at >= since_at, region.like(account.region_prefix + "%"))
        .group_by(Account.username, ReviewDecision.decision)
    ).all()
    per_reviewer: dict[str, dict[str, int]] = {}
    for name, decision, n in decided:
        per_reviewer.setdefault(name, {"approve": 0, "reject": 0, "return": 0})[decision] = n
    return {
        "as_of": today.isoformat(),
        "frequent_lookups": frequent_lookups(session, today),
        "open": len(rows),
        "overdue": overdue,
        "backlog": [{"stage": s, "region": c, "count": n} for (s, c), n in sorted(backlog.items())],
        "time_in_stage": {
            s: {"median": statistics.median(v), "p90": _percentile(v, 90), "n": len(v)}
            for s, v in sorted(waiting.items())
        },
        "decisions": [
            {"reviewer": name, **counts, "total": sum(counts.values())} for name, counts in sorted(per_reviewer.items())
        ],
        "days": days,
    }
