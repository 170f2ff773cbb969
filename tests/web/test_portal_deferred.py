"""The portal's deferred assessment: when the `application` flow run fails, the applications of
its batch are still stored (`submitted`), each business still gets its application id, and
`assured applications process` assesses them later. Real Prefect engine; the failure is the
failpoint `application.before_commit:raise` (registry.failpoints), raised inside the flow's
assessment task after every application of the batch was assessed but before the commit."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from registry import audit
from registry.db import open_registry
from registry.settings import get_settings
from registry.workflow_models import Application, AssessmentRecord, AuditEntry
from tests.web.test_portal_api import COMMITMENTS, apply_at_once, portal_login, signed_in_session

pytestmark = pytest.mark.usefixtures("prefect_harness")

BODY = {"program": "model_unit", "return_days": 15, "commitments": COMMITMENTS, "accept": True}


def _registry():
    return open_registry(get_settings().db_url)


def test_a_failed_flow_run_leaves_the_batch_submitted_and_the_process_command_assesses_it(
    client, shops, cli, monkeypatch
):
    signed_in = [signed_in_session(client, shops[key]) for key in ("good", "unclassified")]
    monkeypatch.setenv("ASSURED_FAILPOINTS", "application.before_commit:raise")
    responses = asyncio.run(apply_at_once(client.app, [(cookies, csrf, BODY) for cookies, csrf in signed_in]))

    # each business got its own application id, and the answer says it is not assessed yet
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert [a["status"] for a in answers] == ["submitted", "submitted"]
    ids = [a["application_id"] for a in answers]
    with _registry()() as session:
        apps = {a.id: a for a in session.scalars(select(Application))}
        assert sorted(apps) == sorted(ids)
        assert {apps[i].uscc for i in ids} == {shops["good"], shops["unclassified"]}
        assert {apps[i].status for i in ids} == {"submitted"}
        # the batch's transaction was rolled back whole: no assessment, no assessment audit entry
        assert session.scalar(select(func.count()).select_from(AssessmentRecord)) == 0
        actions = list(session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "application")))
        assert actions.count("application.submitted") == 2
        assert actions.count("application.commitments_accepted") == 2
        assert "assessment.stored" not in actions

    monkeypatch.delenv("ASSURED_FAILPOINTS")
    result = cli("applications", "process", "--json")
    assert result.code == 0, result.err
    assert {r["id"]: r["status"] for r in result.json()} == {ids[0]: "in_review", ids[1]: "pending_data"}
    with _registry()() as session:
        assert {a.id: a.status for a in session.scalars(select(Application))} == {
            ids[0]: "in_review",
            ids[1]: "pending_data",
        }
        assert sorted(session.scalars(select(AssessmentRecord.application_id))) == sorted(ids)
        assert audit.verify(session).ok


def test_a_business_answers_at_once_when_the_flow_run_fails(client, shops, monkeypatch):
    """One business alone, through the page's client: the same deferred answer, and the
    application's page shows it waiting to be assessed."""
    csrf = portal_login(client, shops["good"])
    monkeypatch.setenv("ASSURED_FAILPOINTS", "application.before_commit:raise")
    response = client.post("/api/portal/applications", json=BODY, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "submitted"
    detail = client.get(f"/api/portal/applications/{response.json()['application_id']}").json()
    assert detail["status"] == "submitted"
    assert [s["action"] for s in detail["timeline"]] == ["application.submitted", "application.commitments_accepted"]
