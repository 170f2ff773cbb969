"""Renewal reminders: 60 and 30 days before a certificate ends, each sent once, through the
outbox and e-mail to the contact on record; none for a suspended certificate or while a renewal
is under way."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.flows.conftest import apply_online, approve_all_stages
from tests.web.conftest import login

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def issued(cli, in_review):
    approve_all_stages(cli, in_review)
    assert cli("announce", "--program", "model_unit", "--on", "2026-07-01").code == 0
    assert cli("keys", "init").code == 0
    [cert] = cli("issue", "--today", "2026-07-10", "--json").json()
    shown = cli("certificate", "status", cert["number"], "--json").json()
    return cert["number"], dt.date.fromisoformat(shown["valid_until"])


def _run(cli, day: dt.date) -> list[dict]:
    result = cli("reminders", "--as-of", day.isoformat(), "--json")
    assert result.code == 0, result.err
    return result.json()["sent"]


def test_reminders_go_60_and_30_days_before_the_end_each_once(cli, issued, shops, monkeypatch, smtp_server):
    from registry.settings import get_settings

    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    number, until = issued
    assert _run(cli, until - dt.timedelta(days=61)) == []
    assert _run(cli, until - dt.timedelta(days=60)) == [{"number": number, "days_before": 60}]
    assert _run(cli, until - dt.timedelta(days=59)) == []
    assert _run(cli, until - dt.timedelta(days=30)) == [{"number": number, "days_before": 30}]
    assert _run(cli, until - dt.timedelta(days=29)) == []
    note = (get_settings().outbox_path / shops["good"] / f"{number}-60.txt").read_text(encoding="utf-8")
    assert "还有 60 天" in note and "/portal" in note
    reminders = [m for m in smtp_server.messages if "续期提醒" in m["Subject"]]
    assert len(reminders) == 2 and {m["To"] for m in reminders} == {f"{shops['good'].lower()}@example.cn"}


def test_no_reminder_for_a_suspended_certificate(cli, client, issued):
    number, until = issued
    csrf = login(client, "county-a")
    changed = client.post(
        f"/api/certificates/{number}/status", json={"to": "suspended", "reason": "complaint_spike"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert changed.status_code == 200
    assert _run(cli, until - dt.timedelta(days=60)) == []


def test_no_reminder_while_the_renewal_is_under_way(cli, issued, shops):
    number, until = issued
    renewal = apply_online(cli, shops["good"])
    assert renewal["status"] in ("in_review", "pending_data")
    assert _run(cli, until - dt.timedelta(days=60)) == []


def test_a_business_downloads_its_own_certificate_and_no_one_elses(client, issued, shops):
    from tests.web.test_portal_api import portal_login

    number, _ = issued
    portal_login(client, shops["good"])
    [mine] = client.get("/api/portal/certificates").json()["items"]
    assert mine["number"] == number and mine["status"] == "valid" and mine["renewable"] is False
    pdf = client.get(f"/api/portal/certificates/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/api/portal/certificates/{number}/twin").json()["credentialSubject"]
    client.cookies.clear()
    portal_login(client, shops["abnormal"])
    assert client.get("/api/portal/certificates").json()["items"] == []
    assert client.get(f"/api/portal/certificates/{number}/pdf").status_code == 404
    assert client.get(f"/api/portal/certificates/{number}/twin").status_code == 404
