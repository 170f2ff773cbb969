"""`assess_applications`, the application flow's batch: each application assessed on the evidence
of that very application (not its business's latest), stored and routed as `assess_application`
stores and routes it, in a few queries for the whole batch; those no longer assessable are left
as they stand, and an id that does not exist is refused. The flow plans the assessments outside
its write transaction (`plan_assessments`) and stores them in it (`store_planned`): one whose
application moved on in between is left as it stands."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from checks.assess import assess
from checks.policy import load_policy
from registry.applications import assess_applications, plan_assessments, store_planned
from registry.evidence import evidence_for
from registry.workflow_models import Application, AssessmentRecord, WorkflowError
from tests.registry.test_evidence_paths import AS_OF, populate

STAGES = ("county", "city")


def _one_each(session) -> list[int]:
    """The earliest application of each business and programme (open ones must be one each)."""
    chosen: dict[tuple[str, str], int] = {}
    for uscc, program, app_id in session.execute(
        select(Application.uscc, Application.program, Application.id).order_by(
            Application.submitted_on.desc(), Application.id.desc()
        )
    ):
        chosen[(uscc, program)] = app_id
    return sorted(chosen.values())


def test_a_batch_is_assessed_as_each_application_alone_would_be(registry_session):
    populate(registry_session, 9, 150)
    registry_session.commit()
    ids = _one_each(registry_session)
    expected = {}
    for app_id in ids:
        app = registry_session.get(Application, app_id)
        policy = load_policy(app.program)
        ev = evidence_for(registry_session, app.uscc, AS_OF, app.program, policy, application_id=app_id)
        expected[app_id] = (ev.sha256(), assess(ev, policy).verdict.value)
    closed = ids[0]
    registry_session.get(Application, closed).status = "withdrawn"
    registry_session.commit()

    statuses = assess_applications(registry_session, ids, AS_OF, STAGES)
    registry_session.commit()

    assert list(statuses) == ids and statuses[closed] == "withdrawn"
    stored = {
        r.application_id: (r.evidence_sha256, r.verdict)
        for r in registry_session.scalars(select(AssessmentRecord).where(AssessmentRecord.application_id.in_(ids)))
    }
    assert stored == {i: v for i, v in expected.items() if i != closed}
    assert {s for i, s in statuses.items() if i != closed} <= {"in_review", "pending_data", "rejected"}
    assert len({v for _, v in stored.values()}) > 1  # the batch held more than one kind of outcome


def test_an_unknown_application_is_refused(registry_session):
    with pytest.raises(WorkflowError, match="no such application"):
        assess_applications(registry_session, [424242], AS_OF, STAGES)


def test_an_application_that_moved_on_after_it_was_planned_is_left_as_it_stands(registry_session):
    populate(registry_session, 9, 40)
    registry_session.commit()
    ids = _one_each(registry_session)
    planned = plan_assessments(registry_session, ids, AS_OF)
    registry_session.commit()
    assert [p.app_id for p in planned] == ids
    moved = ids[1]
    registry_session.get(Application, moved).status = "withdrawn"  # by the business, meanwhile
    registry_session.commit()

    statuses = store_planned(registry_session, ids, planned, STAGES)
    registry_session.commit()

    assert statuses[moved] == "withdrawn"
    assessed = set(registry_session.scalars(select(AssessmentRecord.application_id)))
    assert assessed == set(ids) - {moved}
    assert {s for i, s in statuses.items() if i != moved} <= {"in_review", "pending_data", "rejected"}
