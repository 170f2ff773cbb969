"""Objection rulings and certificate status changes through the API: by a signed-in account,
CSRF-checked, with the same rules as the command line (a final-stage reviewer rules on
objections and revokes)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.db import make_engine
from registry.settings import get_settings
from registry.workflow_models import AuditEntry
from tests.flows.conftest import approve_all_stages
from tests.web.conftest import login

pytestmark = pytest.mark.usefixtures("prefect_harness")
PUBLISHED, AFTER_WINDOW = "2026-07-01", "2026-07-10"


@pytest.fixture
def announced(cli, in_review):
    approve_all_stages(cli, in_review)
    assert cli("announce", "--program", "model_unit", "--on", PUBLISHED).code == 0
    return in_review


def test_an_objection_is_ruled_by_a_final_stage_reviewer_only(cli, client, announced):
    assert cli("object", announced, "--reason", "门店未公示退货规则", "--on", "2026-07-02").code == 0
    [objection] = cli("objections", "list", "--json").json()
    url = f"/api/objections/{objection['id']}/ruling"
    body = {"ruling": "dismiss", "comment": "经现场核查，异议不成立"}
    assert client.post(url, json=body).status_code == 401
    csrf = login(client, "county-a")
    assert client.post(url, json=body).status_code == 403  # no CSRF token
    county = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert county.status_code == 403 and "needs a province-stage reviewer" in county.json()["detail"]
    province = TestClient(client.app)
    csrf = login(province, "province-a")
    ruled = province.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert ruled.status_code == 200 and ruled.json()["status"] == "dismissed"
    again = province.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409


def test_a_certificate_is_suspended_and_revoked_through_the_api_by_the_right_reviewers(cli, client, announced):
    assert cli("keys", "init").code == 0
    [issued] = cli("issue", "--today", AFTER_WINDOW, "--json").json()
    url = f"/api/certificates/{issued['number']}/status"
    csrf = login(client, "county-a")
    suspended = client.post(url, json={"to": "suspended", "reason": "complaint_spike"}, headers={"X-CSRF-Token": csrf})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    refused = client.post(url, json={"to": "revoked", "reason": "处罚属实"}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and "province-stage reviewer" in refused.json()["detail"]
    other_region = TestClient(client.app)
    csrf_b = login(other_region, "county-b")
    assert other_region.post(url, json={"to": "valid"}, headers={"X-CSRF-Token": csrf_b}).status_code == 403
    province = TestClient(client.app)
    csrf_p = login(province, "province-a")
    revoked = province.post(url, json={"to": "revoked", "reason": "处罚属实"}, headers={"X-CSRF-Token": csrf_p})
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert cli("certificate", "status", issued["number"], "--json").json()["status"] == "revoked"
    with make_engine(get_settings().db_url).connect() as conn:
        changes = conn.execute(
            select(AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.entity == "certificate", AuditEntry.entity_id == issued["number"])
            .order_by(AuditEntry.seq)
        ).all()
    human = [(a, d) for a, d in changes if a != "system"]
    assert [a for a, _ in human] == ["account:county-a", "account:province-a"]
    assert all(d["session_id"] for _, d in human)
