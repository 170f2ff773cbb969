"""Review deadlines: an overdue stage is escalated once (holder and the stage's supervisors told,
by the staff outbox and by e-mail), the worklist marks it, and the worklist comes in pages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from registry.db import open_registry
from registry.deadlines import STAFF_FOLDER
from registry.settings import get_settings
from registry.workflow_models import AuditEntry, ReviewEscalation
from tests.web.conftest import login


def _due(client, app_id: int) -> dt.date:
    return dt.date.fromisoformat(client.get(f"/api/applications/{app_id}").json()["due_on"])


def _counts() -> tuple[int, int]:
    with open_registry(get_settings().db_url)() as session:
        rows = session.scalar(select(func.count()).select_from(ReviewEscalation))
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "application.escalated")
        )
    return rows, audited


def test_a_stage_is_not_overdue_on_its_due_day(cli, client, accounts, apps):
    login(client, "county-a")
    due = _due(client, apps["failed"])
    result = cli("deadlines", "--as-of", due.isoformat(), "--json")
    assert result.code == 0, result.err
    assert result.json()["overdue"] == 0 and result.json()["escalated"] == []
    assert _counts() == (0, 0)


def test_an_overdue_stage_is_escalated_once_to_its_holder_and_supervisors(
    cli, client, accounts, apps, monkeypatch, smtp_server
):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    csrf = login(client, "county-a")
    assert client.post(f"/api/applications/{apps['failed']}/claim", headers={"X-CSRF-Token": csrf}).status_code == 200
    late = _due(client, apps["failed"]) + dt.timedelta(days=1)

    first = cli("deadlines", "--as-of", late.isoformat(), "--json")
    assert first.code == 0, first.err
    report = first.json()
    assert report["overdue"] == 4
    assert sorted(report["escalated"]) == sorted(apps.values())
    # the holder first, then the county supervisor whose prefix 42 covers every region
    assert report["notified"][str(apps["failed"])] == ["county-a", "super-county"]
    assert report["notified"][str(apps["full"])] == ["super-county"]
    staff = get_settings().outbox_path / STAFF_FOLDER
    notice = (staff / "county-a" / f"overdue-{apps['failed']}-r1-county.txt").read_text(encoding="utf-8")
    assert f"申请 {apps['failed']}" in notice and "已逾期 1 日" in notice and "由 county-a 认领" in notice
    assert f"/review/applications/{apps['failed']}" in notice
    assert len(list((staff / "super-county").iterdir())) == 4
    mails = sorted((m["To"], m["Subject"]) for m in smtp_server.messages)
    assert ("county-a@bureau.example.cn", f"审核逾期提醒：申请 {apps['failed']}（县级审核）") in mails
    assert len(mails) == 5 and all(not list(m.iter_attachments()) for m in smtp_server.messages)
    assert _counts() == (4, 4)

    again = cli("deadlines", "--as-of", (late + dt.timedelta(days=3)).isoformat(), "--json")
    assert again.json()["overdue"] == 4 and again.json()["escalated"] == []
    assert _counts() == (4, 4)
    assert len(smtp_server.messages) == 5


def test_the_worklist_marks_an_escalated_application(cli, client, accounts, apps):
    login(client, "county-a")
    late = _due(client, apps["failed"]) + dt.timedelta(days=1)
    assert cli("deadlines", "--as-of", late.isoformat()).code == 0
    page = client.get("/review?sort=id").text
    assert page.count("已督办") == 3  # county-a's three applications, each escalated


def test_the_worklist_comes_in_pages_with_their_total(client, accounts, apps):
    login(client, "county-a")
    first = client.get("/api/worklist", params={"sort": "id", "limit": 2}).json()
    assert [i["application_id"] for i in first["items"]] == [apps["failed"], apps["full"]]
    assert (first["total"], first["next_offset"]) == (3, 2)
    last = client.get("/api/worklist", params={"sort": "id", "limit": 2, "offset": 2}).json()
    assert [i["application_id"] for i in last["items"]] == [apps["seven"]]
    assert (last["total"], last["next_offset"]) == (3, None)
    beyond = client.get("/api/worklist", params={"limit": 2, "offset": 10}).json()
    assert (beyond["items"], beyond["total"], beyond["next_offset"]) == ([], 3, None)
    refused = client.get("/api/worklist", params={"limit": 0})
    assert refused.status_code == 400 and "limit 0" in refused.text


def test_the_worklist_page_links_to_the_next_page_keeping_its_filters(client, accounts, apps, monkeypatch):
    monkeypatch.setattr("registry.workbench.PAGE_SIZE", 2)
    login(client, "county-a")
    page = client.get("/review", params={"program": "model_unit", "sort": "id"}).text
    assert "共 2 件" in page and 'rel="next"' not in page  # the filter leaves two: one page
    page = client.get("/review", params={"sort": "id"}).text
    assert "第 1–2 件，共 3 件" in page
    assert 'href="/review?sort=id&amp;offset=2" rel="next"' in page
    second = client.get("/review", params={"sort": "id", "offset": 2}).text
    assert "第 3–3 件，共 3 件" in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_assured_serve_runs_the_deadlines_every_working_morning():
    from flows.deployments import deployments

    served = {d.name: d for d in deployments()}
    [schedule] = served["deadlines-daily"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 7 * * 1-5", "Asia/Shanghai")
    assert served["deadlines-daily"].entrypoint.endswith("deadlines_flow")
