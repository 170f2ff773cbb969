"""On-site acceptance (评价验收) of an application: recorded in the workbench by a reviewer of the
stage it belongs to, or ingested as `inspections` records; required before a stage approves when
the policy says so (`review.require_inspection.<stage>`, by default the county stage).

An application's inspection is the latest one of its business and programme made on or after
the application was submitted (an inspection has no application number of its own: ingested
files name the business, as on the tablets teams capture them with). It is *complete* when every
item of the checklist in force on its date has a result.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.errors import Kind
from checks.inspections import CHECKLIST, ChecklistItem, checklist_dates
from checks.policy import PolicyError, load_policy
from registry import audit
from registry.models import Inspection
from registry.records import KINDS, InspectionRecord, row_hash
from registry.reviewers import eligible_reviewer
from registry.workflow_models import Application, ApplicationStatus, WorkflowError

RESULTS = ("pass", "fail", "not_applicable")
MAX_PHOTOS = 20  # photos one inspection names


def checklist(program: str, day: dt.date) -> list[ChecklistItem]:
    """The checklist of `program` in force on `day` (empty when the policy has none)."""
    policy = load_policy(program)
    if "inspection.checklist" not in policy.parameters:
        return []
    try:
        return CHECKLIST.validate_python(policy.value("inspection.checklist", day))
    except PolicyError:  # no checklist in force yet on `day`
        return []


def required(program: str, stage: str | None, day: dt.date) -> bool:
    """Whether `stage` approves only after a completed inspection (`review.require_inspection.<stage>`)."""
    name = f"review.require_inspection.{stage}"
    policy = load_policy(program)
    return stage is not None and name in policy.parameters and bool(policy.value(name, day))


def inspection_of(session: Session, app: Application) -> Inspection | None:
    """The latest inspection of the application's business and programme since it was submitted."""
    return session.scalar(
        select(Inspection)
        .where(
            Inspection.uscc == app.uscc,
            Inspection.program == app.program,
            Inspection.inspected_on >= app.submitted_on,
        )
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
        .limit(1)
    )


def items_of(inspection: Inspection) -> dict[str, dict[str, str]]:
    return json.loads(inspection.items)


def photos_of(inspection: Inspection) -> list[str]:
    return [p for p in inspection.photos.split(",") if p]


def unanswered(inspection: Inspection) -> list[str]:
    """Checklist items in force on the inspection's date that it leaves without a result."""
    answered = items_of(inspection)
    return [i.id for i in checklist(inspection.program, inspection.inspected_on) if i.id not in answered]


def require_for_approval(session: Session, app: Application, day: dt.date) -> Inspection | None:
    """Refuse an approval of the application's current stage that the policy says must wait for
    a completed inspection concluding pass; the inspection it rests on, or None when none is needed."""
    if not required(app.program, app.stage, day):
        return None
    rule = f"policy review.require_inspection.{app.stage}"
    found = inspection_of(session, app)
    if found is None:
        raise WorkflowError(
            f"application {app.id}: the {app.stage} stage approves only after an on-site inspection "
            f"(评价验收) of the business since {app.submitted_on} ({rule}); record one first"
        )
    missing = unanswered(found)
    if missing:
        raise WorkflowError(
            f"application {app.id}: inspection {found.inspection_id} of {found.inspected_on} leaves "
            f"{', '.join(missing)} without a result ({rule}); complete it first"
        )
    if found.conclusion != "pass":
        raise WorkflowError(
            f"application {app.id}: inspection {found.inspection_id} of {found.inspected_on} concluded "
            f"{found.conclusion}; reject or return the application instead of approving it"
        )
    return found


def record(
    session: Session,
    app_id: int,
    inspector: str,
    inspected_on: dt.date,
    items: dict[str, dict[str, str]],
    conclusion: str,
    photos: list[str],
    today: dt.date,
) -> Inspection:
    """Store the inspection one reviewer made of an application in review at their stage: every
    checklist item answered, validated by the same record model as an ingested file; audited."""
    app = session.get(Application, app_id)
    if app is None:
        raise WorkflowError(f"application {app_id}: no such application", kind=Kind.not_found)
    eligible_reviewer(session, inspector, app.uscc, stage=app.stage, subject=f"application {app_id}")
    if app.status != ApplicationStatus.in_review:
        raise WorkflowError(f"application {app_id} is {app.status}; inspections are recorded while it is in review")
    if inspected_on < app.submitted_on or inspected_on > today:
        raise WorkflowError(
            f"inspected_on: {inspected_on} is not between the application's submission "
            f"({app.submitted_on}) and today ({today})",
            kind=Kind.bad_input,
        )
    items_in_force = checklist(app.program, inspected_on)
    missing = [i.id for i in items_in_force if i.id not in items]
    if missing:
        raise WorkflowError(f"items.{missing[0]}: no result given (pass, fail or not_applicable)", kind=Kind.bad_input)
    if len(photos) > MAX_PHOTOS:
        raise WorkflowError(f"photos: {len(photos)} photos, more than {MAX_PHOTOS}", kind=Kind.bad_input)
    kind = KINDS["inspections"]
    raw: dict[str, Any] = {
        "inspection_id": f"wb-{app_id}-{inspected_on:%Y%m%d}-{secrets.token_hex(3)}",
        "uscc": app.uscc,
        "program": app.program,
        "inspected_on": inspected_on,
        "inspector": inspector,
        "items": items,
        "conclusion": conclusion,
        "photos": photos,
    }
    context = {
        "checklists": {app.program: checklist_dates(load_policy(app.program).parameters)},
        "latest_day": today,
    }
    try:
        rec = InspectionRecord.model_validate(raw, context=context)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "inspection"
        raise WorkflowError(f"{where}: {e['msg']}", kind=Kind.bad_input) from None
    values = kind.columns(rec)
    columns = dict(zip(kind.fields, values, strict=True)) | {"inspected_on": rec.inspected_on}  # a date for the ORM
    row = Inspection(**columns, row_hash=row_hash(values))
    session.add(row)
    session.flush()
    failed = sorted(k for k, v in rec.items.items() if v.result == "fail")
    audit.record(
        session,
        f"account:{inspector}",
        "inspection.recorded",
        "application",
        app_id,
        {
            "inspection": rec.inspection_id,
            "inspected_on": inspected_on.isoformat(),
            "conclusion": conclusion,
            "failed": failed,
            "photos": len(photos),
        },
    )
    return row


def view(inspection: Inspection | None, app: Application, day: dt.date) -> dict[str, Any]:
    """The application's inspection as the workbench and the API show it: whether its stage needs
    one, and each checklist item in force with the result found (or none yet)."""
    needed = app.status == ApplicationStatus.in_review and required(app.program, app.stage, day)
    on = inspection.inspected_on if inspection else day
    found = items_of(inspection) if inspection else {}
    items = [
        {
            "id": i.id,
            "title_zh": i.title_zh,
            "veto": i.veto,
            "verifies": i.verifies,
            "result": found.get(i.id, {}).get("result"),
            "note": found.get(i.id, {}).get("note", ""),
        }
        for i in checklist(app.program, on)
    ]
    if inspection is None:
        return {"required": needed, "inspection": None, "items": items}
    return {
        "required": needed,
        "inspection": {
            "id": inspection.inspection_id,
            "inspected_on": inspection.inspected_on.isoformat(),
            "inspector": inspection.inspector,
            "conclusion": inspection.conclusion,
            "photos": photos_of(inspection),
            "complete": not unanswered(inspection),
        },
        "items": items,
    }


def has_photo(session: Session, app: Application, sha256: str) -> bool:
    """Whether an inspection of the application names this photo (what a reviewer may fetch)."""
    rows = session.scalars(
        select(Inspection.photos).where(
            Inspection.uscc == app.uscc,
            Inspection.program == app.program,
            Inspection.inspected_on >= app.submitted_on,
        )
    )
    return any(sha256 in p.split(",") for p in rows)
