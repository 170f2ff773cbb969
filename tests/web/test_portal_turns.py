"""A rush on the portal: online applications are taken in turn, in the order they arrive, one
flow run's worth at a time (`web.portal_api.Intake`), so the first are answered before the later
ones are even prepared; and the `Assessor`'s flow runs share one Prefect client. Real Prefect
engine and server, the ASGI app, SQLite."""

from __future__ import annotations

import asyncio

import pytest
from prefect.context import SyncClientContext
from sqlalchemy import select

from flows.application import stored_listeners
from registry import audit
from registry.db import open_registry
from registry.settings import get_settings
from registry.workflow_models import AuditEntry
from tests.web.test_portal_api import COMMITMENTS, apply_at_once, signed_in_session
from web import portal_api

pytestmark = pytest.mark.usefixtures("prefect_harness")

BODY = {"program": "model_unit", "return_days": 15, "commitments": COMMITMENTS, "accept": True}


@pytest.fixture
def runs():
    """What each of the `application` flow runs stored: (its application ids, the Prefect client
    its task ran with), in the order they were stored."""
    seen: list[tuple[set[int], object]] = []

    def listener(statuses: dict[int, str]) -> None:
        ctx = SyncClientContext.get()
        seen.append((set(statuses), ctx.client if ctx else None))

    stored_listeners.insert(0, listener)  # before the Assessor's, which answers the request
    yield seen
    stored_listeners.remove(listener)


@pytest.fixture
def turns_of_two(monkeypatch):
    """The portal with turns of two applications (one flow run each)."""
    assessor = portal_api.Assessor(most=2)
    monkeypatch.setattr(portal_api, "ASSESSOR", assessor)
    monkeypatch.setattr(portal_api, "INTAKE", portal_api.Intake(assessor))
    yield
    stored_listeners.remove(assessor._stored)


def test_a_rush_is_taken_in_turns_in_arrival_order(client, shops, runs, turns_of_two):
    requests = []
    for key in ("good", "unclassified"):
        cookies, csrf = signed_in_session(client, shops[key])
        requests += [(cookies, csrf, BODY | {"program": p}) for p in ("model_unit", "seven_day_return")]
    responses = asyncio.run(apply_at_once(client.app, requests))

    assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
    answers = [r.json() for r in responses]
    assert {a["status"] for a in answers} <= {"in_review", "pending_data"}, answers
    ids = sorted(a["application_id"] for a in answers)
    # two turns of two, one flow run each (ids are given in storing order)
    assert [sorted(batch) for batch, _ in runs] == [ids[:2], ids[2:]]
    # and the second turn was taken only once the first was answered: in the audit chain the
    # first two are assessed before the last two are submitted (taken all at once, all four
    # would be submitted first)
    with open_registry(get_settings().db_url)() as session:
        chain = [
            (e.action, int(e.entity_id))
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "application").order_by(AuditEntry.seq)
            )
            if e.action in ("application.submitted", "assessment.stored")
        ]
    assert chain == [
        *[("application.submitted", i) for i in ids[:2]],
        *[("assessment.stored", i) for i in ids[:2]],
        *[("application.submitted", i) for i in ids[2:]],
        *[("assessment.stored", i) for i in ids[2:]],
    ], chain


def test_the_assessors_flow_runs_share_one_prefect_client(client, shops, runs):
    for key in ("good", "unclassified"):
        _, csrf = signed_in_session(client, shops[key])
        response = client.post("/api/portal/applications", json=BODY, headers={"X-CSRF-Token": csrf})
        assert response.status_code == 201, response.text
    assert len(runs) == 2
    (_, first), (_, second) = runs
    assert first is not None and first is second


def test_a_refused_or_unsigned_application_ends_its_turn(client, shops, turns_of_two):
    _, csrf = signed_in_session(client, shops["good"])
    assert client.post("/api/portal/applications", json=BODY, headers={"X-CSRF-Token": csrf}).status_code == 201
    again = client.post("/api/portal/applications", json=BODY, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 422 and "still open" in again.text, again.text
    assert client.post("/api/portal/applications", json=BODY, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    client.cookies.clear()
    assert client.post("/api/portal/applications", json=BODY).status_code == 401
    # every turn is free again and nothing is counted as on its way (a leaked turn would, in
    # the end, leave every later business waiting)
    intake = portal_api.INTAKE
    assert (intake.turns._value, intake.unstored) == (2, 0)


def test_a_refusal_inside_a_turn_leaves_nothing_behind_and_the_rest_of_the_turn_is_stored(client, shops, runs):
    """One turn stores its applications in one transaction, without a savepoint each: the
    business's second application (refused, its first is still open) writes nothing, and the
    applications around it are stored, assessed and chained as if it had not come."""
    good, csrf_good = signed_in_session(client, shops["good"])
    other, csrf_other = signed_in_session(client, shops["unclassified"])
    requests = [
        (good, csrf_good, BODY),
        (good, csrf_good, BODY),  # the same programme again: still open
        (other, csrf_other, BODY),
    ]
    responses = asyncio.run(apply_at_once(client.app, requests))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 422], [r.text for r in responses]
    stored = sorted(r.json()["application_id"] for r in responses if r.status_code == 201)
    assert sorted(i for batch, _ in runs for i in batch) == stored
    with open_registry(get_settings().db_url)() as session:
        submitted = [
            int(e.entity_id)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "application.submitted"))
        ]
        assert sorted(submitted) == stored
        assert audit.verify(session).ok
