"""The application lifecycle as durable state: intake, review decisions, assessment and routing
(reviewers in registry/reviewers.py, the announcement and objections in registry/announcements.py).

Every function takes the caller's session (one unit of work), checks the rule it
enforces, changes state and appends an audit entry. A refusal is a `WorkflowError`
whose message names the application, the person and the rule.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checks import calendar
from checks.assess import Verdict, assess
from checks.errors import Kind
from checks.evidence import Commitments
from checks.policy import load_policy
from checks.uscc import UsccError, validate_uscc
from registry import audit
from registry.evidence import evidence_batch, evidence_for
from registry.ingest import Rejected, Row, validate
from registry.inspections import require_for_approval
from registry.models import Registration
from registry.records import APPLICATIONS, ApplicationRecord
from registry.reviewers import eligible_reviewer
from registry.workflow_models import (
    CLOSED_STATUSES,
    Application,
    ApplicationStatus,
    AssessmentRecord,
    ReviewDecision,
    WorkflowError,
)

DEFAULT_STAGES = ("county", "city", "province")
DECISIONS = ("approve", "reject", "return")
# What the application flow (re)assesses: new, waiting for data, or returned.
ASSESSABLE = (ApplicationStatus.submitted, ApplicationStatus.pending_data, ApplicationStatus.returned)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_working_days(day: dt.date, n: int) -> dt.date:
    """`day` plus n working days (Monday to Friday; public holidays are not modelled)."""
    while n > 0:
        day += dt.timedelta(days=1)
        n -= day.weekday() < 5
    return day


def stage_due_on(program: str, stage: str | None, entered: dt.date) -> dt.date | None:
    """The working-day deadline of a review stage entered on `entered` (policy
    `lifecycle.review_working_days.<stage>`); None for a stage the policy gives no deadline."""
    name = f"lifecycle.review_working_days.{stage}"
    policy = load_policy(program)
    if stage is None or name not in policy.parameters:
        return None
    return add_working_days(entered, policy.value(name, entered))


def set_status(
    session: Session,
    app: Application,
    status: ApplicationStatus,
    actor: str,
    reason: str = "",
    stage: str | None = None,
    **detail,
) -> None:
    """The change goes to the database with the transaction's next flush (a batch routes many
    applications with one); its audit entry joins the chain at the commit."""
    before, before_stage = app.status, app.stage
    app.status, app.stage, app.status_reason, app.updated_at = status, stage, reason or None, now()
    app.open_key = None if status in CLOSED_STATUSES else f"{app.uscc}:{app.program}"
    if status != ApplicationStatus.in_review:
        app.stage_since = app.due_on = app.claimed_by_id = app.claimed_at = None
    elif stage != before_stage or before != status:
        today = calendar.today()
        app.stage_since, app.due_on = today, stage_due_on(app.program, stage, today)
        app.claimed_by_id = app.claimed_at = None
    audit.record(
        session,
        actor,
        f"application.{status}",
        "application",
        app.id,
        {"from": before, "to": status, "stage": stage, "reason": reason, **detail},
    )


def get_application(session: Session, app_id: int) -> Application:
    app = session.get(Application, app_id)
    if app is None:
        raise WorkflowError(f"application {app_id}: no such application", kind=Kind.not_found)
    return app


# -- intake -----------------------------------------------------------------------------------


def submit(session: Session, rec: ApplicationRecord, actor: str) -> Application:
    """One open application per business and programme; the business must be registered."""
    if session.get(Registration, rec.uscc) is None:
        raise WorkflowError(f"uscc {rec.uscc}: no registration on record for this business", kind=Kind.not_found)
    open_key = f"{rec.uscc}:{rec.program}"
    existing = session.scalar(select(Application).where(Application.open_key == open_key))
    if existing is not None:
        raise WorkflowError(
            f"uscc {rec.uscc}: application {existing.id} for {rec.program} is still open ({existing.status})",
            kind=Kind.conflict,
        )
    app = Application(
        uscc=rec.uscc,
        program=rec.program,
        channel=rec.channel,
        submitted_on=rec.submitted_on,
        store_name=rec.store_name,
        contact_email=rec.contact_email,
        commitments=rec.commitments.model_dump(mode="json"),
        status=ApplicationStatus.submitted,
        open_key=open_key,
    )
    try:
        with session.begin_nested():
            session.add(app)
            session.flush()
    except IntegrityError:
        raise WorkflowError(
            f"uscc {rec.uscc}: an application for {rec.program} is already open", kind=Kind.conflict
        ) from None
    audit.record(
        session,
        actor,
        "application.submitted",
        "application",
        app.id,
        {"uscc": rec.uscc, "program": rec.program, "channel": rec.channel},
    )
    return app


# -- decisions ------------------------------------------------------------------


def decide(
    session: Session,
    app_id: int,
    reviewer_name: str,
    decision: str,
    comment: str,
    stages: tuple[str, ...],
    session_id: int | None = None,
) -> Application:
    """One reviewer's decision on the application's current stage, with every rule checked.
    `session_id` is the signed-in session it came from (kept in the audit entry). A claim held
    by another account refuses it (409)."""
    if decision not in DECISIONS:
        raise WorkflowError(f"decision {decision!r}: expected one of {', '.join(DECISIONS)}")
    app = get_application(session, app_id)
    if app.status != ApplicationStatus.in_review:
        eligible_reviewer(session, reviewer_name, app.uscc, subject=f"application {app_id}")
        raise WorkflowError(f"application {app_id} is {app.status}, not in review")
    reviewer = eligible_reviewer(session, reviewer_name, app.uscc, stage=app.stage, subject=f"application {app_id}")
    earlier = session.scalar(
        select(ReviewDecision.stage).where(
            ReviewDecision.application_id == app_id,
            ReviewDecision.reviewer_id == reviewer.id,
            ReviewDecision.stage != app.stage,
        )
    )
    if earlier is not None:
        raise WorkflowError(
            f"reviewer {reviewer_name!r} already decided the {earlier} stage of application "
            f"{app_id}; one person cannot decide two stages"
        )
    if app.claimed_by_id is not None and app.claimed_by_id != reviewer.id:
        raise WorkflowError(
            f"application {app_id} is claimed by another reviewer; ask them or a supervisor to release it",
            kind=Kind.conflict,
        )
    if decision != "approve" and not comment.strip():
        raise WorkflowError(f"a {decision} needs --comment saying why")
    inspection = require_for_approval(session, app, calendar.today()) if decision == "approve" else None
    if inspection is not None and _assessed_inspection(session, app_id) != inspection.inspection_id:
        # the assessment predates the inspection: assess again with it first; a failed veto item
        # or a score now below the pass mark rejects instead of approving
        reassess_with_inspection(
            session, app_id, max(inspection.inspected_on, app.as_of or app.submitted_on), f"account:{reviewer_name}"
        )
        if app.status != ApplicationStatus.in_review:
            return app
    try:
        with session.begin_nested():
            session.add(
                ReviewDecision(
                    application_id=app_id,
                    review_round=app.review_round,
                    stage=app.stage,
                    reviewer_id=reviewer.id,
                    decision=decision,
                    comment=comment,
                )
            )
            session.flush()
    except IntegrityError:
        raise WorkflowError(
            f"application {app_id}: the {app.stage} stage was already decided", kind=Kind.conflict
        ) from None
    actor = f"account:{reviewer_name}"
    detail: dict[str, Any] = {
        "decision": decision,
        "decided_stage": app.stage,
        "round": app.review_round,
        "comment": comment,
        "session_id": session_id,
    }
    if inspection is not None:
        detail["inspection"] = inspection.inspection_id
    if decision == "approve":
        i = stages.index(app.stage)
        if i + 1 < len(stages):
            set_status(
                session, app, ApplicationStatus.in_review, actor, f"{app.stage} approved", stage=stages[i + 1], **detail
            )
        else:
            set_status(session, app, ApplicationStatus.approved, actor, "all review stages approved", **detail)
    elif decision == "reject":
        set_status(session, app, ApplicationStatus.rejected, actor, comment, **detail)
    else:
        app.review_round += 1
        set_status(session, app, ApplicationStatus.returned, actor, comment, **detail)
    return app


# -- assessment and routing -------------------------------------------------------------------


def store_assessment(session: Session, assessment, application_id: int | None, flush: bool = True) -> AssessmentRecord:
    """Keep the assessment with its evidence snapshot and policy fingerprint (re-derivable);
    `flush=False` leaves its insert (and its id) to the caller's next flush."""
    evidence = assessment.evidence
    rec = AssessmentRecord(
        application_id=application_id,
        uscc=assessment.uscc,
        program=assessment.program,
        as_of=assessment.as_of,
        verdict=assessment.verdict.value,
        score=assessment.score,
        bonus=assessment.bonus,
        policy_id=assessment.policy_id,
        policy_effective_from=assessment.policy_effective_from,
        policy_sha256=assessment.policy_sha256,
        evidence_sha256=evidence.sha256(),
        evidence=evidence.model_dump(mode="json"),
        result={**assessment.to_json(), "pass_mark": assessment.pass_mark},
    )
    session.add(rec)
    if flush:
        session.flush()
    return rec


def _reject_ineligible(session: Session, app: Application, assessment, actor: str) -> None:
    """An ineligible assessment rejects the application, naming the failed checks (its reasons
    letter is written from the stored assessment: `flows.notices.letter_for`)."""
    failed = [o.id for o in assessment.outcomes if o.status.value in ("veto", "fail")]
    set_status(
        session,
        app,
        ApplicationStatus.rejected,
        actor,
        "ineligible: " + ", ".join(failed),
        failed=failed,
        verdict=assessment.verdict.value,
        score=assessment.score,
    )


def route(session: Session, app: Application, assessment, stages: tuple[str, ...], actor: str = "system") -> str:
    """ineligible → rejected; pending → waits for the missing data; eligible → first review stage."""
    verdict = assessment.verdict.value
    app.verdict, app.score, app.as_of = verdict, assessment.score, assessment.as_of
    detail = {"verdict": verdict, "score": assessment.score}
    if verdict == "ineligible":
        _reject_ineligible(session, app, assessment, actor)
    elif verdict == "pending":
        missing = [o.id for o in assessment.outcomes if o.status.value == "missing"]
        set_status(
            session,
            app,
            ApplicationStatus.pending_data,
            actor,
            "waiting for data: " + ", ".join(missing),
            missing=missing,
            **detail,
        )
    else:
        set_status(
            session, app, ApplicationStatus.in_review, actor, "eligible: first review stage", stage=stages[0], **detail
        )
    return app.status


def processable_ids(session: Session) -> list[int]:
    """Applications the application flow (re)assesses: new, waiting for data, or returned."""
    return list(
        session.scalars(select(Application.id).where(Application.status.in_(ASSESSABLE)).order_by(Application.id))
    )


# -- counter batches and the online form --------------------------------------------------------


@dataclass
class IntakeReport:
    accepted: list[int] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def submit_rows(session: Session, rows, actor: str) -> IntakeReport:
    """Validate and submit each row; a refused row is reported by line and the rest proceed."""
    report = IntakeReport()
    for row, result in validate(rows, APPLICATIONS, {"uscc_overrides": frozenset()}):
        if isinstance(result, Rejected):
            report.rejected.append({"line": row.line, "reason": f"{result.field}: {result.reason}"})
            continue
        rec = (
            ApplicationRecord.model_validate_json(row.json_text)
            if row.json_text is not None
            else ApplicationRecord.model_validate(row.mapping)
        )
        try:
            report.accepted.append(submit(session, rec, actor).id)
        except WorkflowError as exc:
            report.rejected.append({"line": row.line, "reason": str(exc)})
    return report


def online_row(
    session: Session,
    uscc: str,
    program: str,
    store_name: str | None,
    email: str | None,
    return_days: int | None,
    commitments: list[str],
    submitted_on: dt.date,
):
    """The online form as one application row; defaults come from the registration."""
    try:
        code = validate_uscc(uscc)
    except UsccError as exc:
        raise WorkflowError(f"uscc: {exc}", kind=Kind.bad_input) from None
    reg = session.get(Registration, code)
    if reg is None:
        raise WorkflowError(f"uscc {code}: no registration on record for this business", kind=Kind.not_found)
    known = set(Commitments.model_fields) - {"return_days", "return_scope"}
    unknown = [c for c in commitments if c not in known]
    if unknown:
        raise WorkflowError(
            f"commitments: {unknown[0]!r} is not one of {', '.join(sorted(known))}", kind=Kind.bad_input
        )
    record = {
        "uscc": code,
        "program": program,
        "channel": "online",
        "submitted_on": submitted_on.isoformat(),
        "store_name": store_name or reg.name,
        "contact_email": email or reg.contact_email,
        "commitments": {"return_days": return_days, **{c: True for c in commitments}},
    }
    text = json.dumps(record, ensure_ascii=False)
    return Row(1, text, json_text=text)


def assess_application(
    session: Session, app_id: int, as_of: dt.date | None, stages: tuple[str, ...], actor: str = "system"
) -> Application:
    """Gather evidence, assess under the programme's policy, store the assessment, route."""
    app = get_application(session, app_id)
    if app.status not in ASSESSABLE:
        raise WorkflowError(f"application {app_id} is {app.status}; only new, waiting or returned ones are assessed")
    day = as_of or calendar.today()
    policy = load_policy(app.program)
    evidence = evidence_for(session, app.uscc, day, app.program, policy, application_id=app.id)
    return _assessed(session, app, evidence, policy, stages, actor)


def _assessed(session: Session, app: Application, evidence, policy, stages: tuple[str, ...], actor: str) -> Application:
    assessment = assess(evidence, policy)
    _store_audited(session, app, assessment, actor)
    route(session, app, assessment, stages, actor)
    return app


@dataclass(frozen=True)
class Planned:
    """An application's assessment computed outside the write transaction (`plan_assessments`),
    with the status it was read in: stored only if that status still stands."""

    app_id: int
    read_status: str
    assessment: Any


def plan_assessments(session: Session, app_ids: list[int], as_of: dt.date | None) -> list[Planned]:
    """The assessments of the new, waiting or returned applications of `app_ids`, read and
    computed (nothing written: a read transaction will do). The applications are read in one
    query and their evidence gathered together (`evidence_batch`, one query per record kind for
    all of them, each with its own application), so a batch of online applications costs a few
    queries, not a dozen each. An id that does not exist is refused."""
    day = as_of or calendar.today()
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(app_ids)))}
    todo = [apps[i] for i in dict.fromkeys(app_ids) if i in apps and apps[i].status in ASSESSABLE]
    evidence: dict[int, Any] = {}
    for program in sorted({a.program for a in todo}):
        pinned: dict[str, int] = {}
        for app in todo:
            if app.program == program:
                pinned.setdefault(app.uscc, app.id)  # a second one of the same business: alone, below
        batch = evidence_batch(session, day, program, load_policy(program), usccs=list(pinned), applications=pinned)
        evidence.update((pinned[ev.uscc], ev) for ev in batch)
    planned = []
    for app_id in dict.fromkeys(app_ids):
        app = apps.get(app_id) or get_application(session, app_id)
        if app.status in ASSESSABLE:
            policy = load_policy(app.program)
            found = evidence.get(app_id)
            if found is None:  # not registered, or a second application of the same business
                found = evidence_for(session, app.uscc, day, app.program, policy, application_id=app.id)
            planned.append(Planned(app_id, app.status, assess(found, policy)))
    return planned


def store_planned(
    session: Session, app_ids: list[int], planned: list[Planned], stages: tuple[str, ...], actor: str = "system"
) -> dict[int, str]:
    """In the caller's write transaction: each planned assessment stored, audited and routed,
    unless its application has moved on since it was read (assessed meanwhile by another run,
    withdrawn): that one is left as it stands. Returns every id's status."""
    apps = {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(app_ids)))}
    fresh = [(apps[p.app_id], p.assessment) for p in planned if apps[p.app_id].status == p.read_status]
    records = [store_assessment(session, assessment, app.id, flush=False) for app, assessment in fresh]
    session.flush()  # the assessments in one statement, not one each: their ids for the audit
    for (app, assessment), record in zip(fresh, records, strict=True):
        _audit_stored(session, app, record, actor)
        route(session, app, assessment, stages, actor)
    return {app_id: (apps.get(app_id) or get_application(session, app_id)).status for app_id in app_ids}


def assess_applications(
    session: Session, app_ids: list[int], as_of: dt.date | None, stages: tuple[str, ...], actor: str = "system"
) -> dict[int, str]:
    """Assess each new, waiting or returned application of `app_ids` as `assess_application`
    does, and leave the others as they stand; returns every id's status (`plan_assessments`
    and `store_planned` in one transaction; the application flow runs them in two, so that its
    write transaction is short)."""
    return store_planned(session, app_ids, plan_assessments(session, app_ids, as_of), stages, actor)


def _store_audited(session: Session, app: Application, assessment, actor: str, **detail) -> AssessmentRecord:
    return _audit_stored(session, app, store_assessment(session, assessment, app.id), actor, **detail)


def _audit_stored(
    session: Session, app: Application, record: AssessmentRecord, actor: str, **detail
) -> AssessmentRecord:
    audit.record(
        session,
        actor,
        "assessment.stored",
        "application",
        app.id,
        {
            "assessment": record.id,
            "verdict": record.verdict,
            "score": record.score,
            "policy_sha256": record.policy_sha256,
            "evidence_sha256": record.evidence_sha256,
            **detail,
        },
    )
    return record


def _assessed_inspection(session: Session, app_id: int) -> str | None:
    """The inspection id the application's latest stored assessment read, or None."""
    evidence = session.scalar(
        select(AssessmentRecord.evidence)
        .where(AssessmentRecord.application_id == app_id)
        .order_by(AssessmentRecord.id.desc())
        .limit(1)
    )
    found = (evidence or {}).get("inspection")
    return found.get("inspection_id") if isinstance(found, dict) else None


def reassess_with_inspection(session: Session, app_id: int, day: dt.date, actor: str) -> Application:
    """Assess an application in review again on `day`, now with its latest completed on-site
    inspection (评价验收) in the evidence: the workbench calls it after an inspection is saved, and
    before a county approval whose assessment predates the latest inspection.

    The new assessment is stored and audited (naming the inspection). Still eligible (or pending:
    a veto check lost its data, which the reviewer sees): the application stays at its stage
    with the new score. Ineligible (a failed veto item, or below the pass mark once the
    inspection's points are in): rejected as an assessment rejects (`route`); the caller writes
    and queues its reasons letter with `flows.notices.letter_for`, as the application flow does.
    """
    app = get_application(session, app_id)
    if app.status != ApplicationStatus.in_review:
        raise WorkflowError(
            f"application {app_id} is {app.status}; only an application in review is re-assessed with its inspection",
            kind=Kind.conflict,
        )
    policy = load_policy(app.program)
    evidence = evidence_for(session, app.uscc, day, app.program, policy, application_id=app.id)
    if evidence.inspection is None:
        raise WorkflowError(
            f"application {app_id}: no completed {app.program} inspection of {app.uscc} on or before {day}",
            kind=Kind.not_found,
        )
    assessment = assess(evidence, policy)
    _store_audited(session, app, assessment, actor, inspection=evidence.inspection.inspection_id)
    app.verdict, app.score, app.as_of = assessment.verdict.value, assessment.score, assessment.as_of
    if assessment.verdict is Verdict.INELIGIBLE:
        _reject_ineligible(session, app, assessment, actor)
    else:
        session.flush()
    return app
