"""The workbench's JSON API, refusals first: each with its status code and the rule it names."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from registry.db import begin_write, make_engine, open_registry
from registry.settings import get_settings
from registry.workflow_models import Account, AccountSession, Application, AuditEntry
from tests.web.conftest import PASSWORD, login

pytestmark = pytest.mark.usefixtures("prefect_harness")


def decide(client, app_id, csrf, decision="approve", comment=""):
    return client.post(
        f"/api/applications/{app_id}/decision",
        json={"decision": decision, "comment": comment},
        headers={"X-CSRF-Token": csrf} if csrf is not None else {},
    )


def test_a_county_reviewer_sees_the_application_and_approves_it_and_the_city_reviewer_then_has_it(
    client, in_review, home
):
    csrf = login(client, "county-a")
    items = client.get("/api/worklist").json()["items"]
    assert [i["application_id"] for i in items] == [in_review]
    assert items[0]["stage"] == "county" and items[0]["due_on"] and items[0]["overdue"] is False
    detail = client.get(f"/api/applications/{in_review}").json()
    assert detail["may_decide"] is True and detail["assessment"]["outcomes"]
    answer = decide(client, in_review, csrf)
    assert answer.status_code == 200 and answer.json() == {"status": "in_review", "stage": "city"}
    assert client.get("/api/worklist").json()["items"] == []
    city = TestClient(client.app)
    login(city, "city-a")
    assert [i["application_id"] for i in city.get("/api/worklist").json()["items"]] == [in_review]


def test_without_a_session_every_call_is_401(client, in_review):
    assert client.get("/api/worklist").status_code == 401
    assert client.get(f"/api/applications/{in_review}").status_code == 401
    assert decide(client, in_review, "x").status_code == 401
    assert client.post(f"/api/applications/{in_review}/claim").status_code == 401


@pytest.mark.parametrize("csrf", [None, "0" * 64], ids=["missing CSRF token", "wrong CSRF token"])
def test_a_decision_without_the_right_csrf_token_is_403_and_changes_nothing(client, in_review, csrf):
    login(client, "county-a")
    answer = decide(client, in_review, csrf)
    assert answer.status_code == 403 and "CSRF" in answer.json()["detail"]
    assert client.get(f"/api/applications/{in_review}").json()["stage"] == "county"


def test_another_regions_application_is_404_as_if_it_did_not_exist(client, in_review):
    csrf = login(client, "county-b")  # covers 420106; the application is from 420102
    assert client.get(f"/api/applications/{in_review}").status_code == 404
    assert client.get("/api/applications/999999").status_code == 404
    assert client.get(f"/api/applications/{in_review}").json() == client.get("/api/applications/999999").json() | {
        "detail": f"application {in_review}: no such application"
    }
    assert decide(client, in_review, csrf).status_code == 404
    assert client.get("/api/worklist").json()["items"] == []


def test_the_wrong_stage_is_404_too(client, in_review):
    csrf = login(client, "city-a")  # the application is at the county stage
    assert client.get(f"/api/applications/{in_review}").status_code == 404
    assert decide(client, in_review, csrf).status_code == 404


def test_a_reviewer_tied_to_the_business_is_refused_with_403_naming_the_rule(client, in_review, shops):
    with begin_write(open_registry(get_settings().db_url)) as session:
        session.scalar(select(Account).where(Account.username == "county-a")).ties = [shops["good"]]
    csrf = login(client, "county-a")
    detail = client.get(f"/api/applications/{in_review}").json()
    assert detail["may_decide"] is False and "tied to" in detail["refusal"]
    answer = decide(client, in_review, csrf)
    assert answer.status_code == 403 and f"tied to {shops['good']}" in answer.json()["detail"]
    assert client.post(f"/api/applications/{in_review}/claim", headers={"X-CSRF-Token": csrf}).status_code == 403


def test_a_second_decision_on_one_stage_is_409(client, in_review):
    csrf_a = login(client, "county-a")
    other = TestClient(client.app)
    csrf_c = login(other, "county-c")
    assert decide(client, in_review, csrf_a).status_code == 200
    # county-c can no longer see it (it left the county stage): 404; the same account again: 404 too
    assert decide(other, in_review, csrf_c).status_code == 404


def test_a_decision_on_an_application_claimed_by_someone_else_is_409(client, in_review):
    csrf_a = login(client, "county-a")
    other = TestClient(client.app)
    csrf_c = login(other, "county-c")
    claimed = client.post(f"/api/applications/{in_review}/claim", headers={"X-CSRF-Token": csrf_a})
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "county-a"
    assert other.post(f"/api/applications/{in_review}/claim", headers={"X-CSRF-Token": csrf_c}).status_code == 409
    assert other.post(f"/api/applications/{in_review}/release", headers={"X-CSRF-Token": csrf_c}).status_code == 409
    answer = decide(other, in_review, csrf_c)
    assert answer.status_code == 409 and "claimed by another reviewer" in answer.json()["detail"]
    assert other.get("/api/worklist").json()["items"][0]["claimed_by"] == "county-a"
    assert client.post(f"/api/applications/{in_review}/release", headers={"X-CSRF-Token": csrf_a}).status_code == 200
    assert decide(other, in_review, csrf_c).status_code == 200


def test_two_clients_claiming_at_once_exactly_one_holds_it(client, in_review):
    clients = [client, TestClient(client.app)]
    tokens = [login(clients[0], "county-a"), login(clients[1], "county-c")]
    barrier = threading.Barrier(2)
    codes: list[int] = [0, 0]

    def take(i):
        barrier.wait()
        codes[i] = (
            clients[i].post(f"/api/applications/{in_review}/claim", headers={"X-CSRF-Token": tokens[i]}).status_code
        )

    threads = [threading.Thread(target=take, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 409]
    with make_engine(get_settings().db_url).connect() as conn:
        holder = conn.scalar(select(Application.claimed_by_id).where(Application.id == in_review))
        names = dict(conn.execute(select(Account.id, Account.username)).all())
    assert names[holder] == ("county-a", "county-c")[codes.index(200)]


def test_a_signed_out_session_is_401(client, in_review):
    csrf = login(client, "county-a")
    token = client.cookies.get("assured_session")
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    replay = TestClient(client.app, cookies={"assured_session": token})
    assert replay.get("/api/worklist").status_code == 401


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"], ids=["idle too long", "past its lifetime"])
def test_an_expired_session_is_401(client, in_review, column):
    login(client, "county-a")
    assert client.get("/api/worklist").status_code == 200
    with make_engine(get_settings().db_url).begin() as conn:
        conn.execute(update(AccountSession).values({column: dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)}))
    assert client.get("/api/worklist").status_code == 401


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_refused_until_the_lock_ends(client, accounts):
    unknown = client.post("/api/login", json={"username": "nobody", "password": "x"})
    wrong = client.post("/api/login", json={"username": "county-a", "password": "x"})
    assert unknown.status_code == wrong.status_code == 401 and unknown.json() == wrong.json()
    for _ in range(4):
        assert client.post("/api/login", json={"username": "county-a", "password": "x"}).status_code == 401
    locked = client.post("/api/login", json={"username": "county-a", "password": PASSWORD})
    assert locked.status_code == 423 and "locked" in locked.json()["error"]
    with make_engine(get_settings().db_url).begin() as conn:  # the clock moves past the lock
        conn.execute(
            update(Account)
            .where(Account.username == "county-a")
            .values(locked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client.post("/api/login", json={"username": "county-a", "password": PASSWORD}).status_code == 200


def test_the_cookie_is_httponly_and_samesite_strict_and_passwords_are_argon2id(client, accounts):
    response = client.post("/api/login", json={"username": "county-a", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    with make_engine(get_settings().db_url).connect() as conn:
        hashes = conn.scalars(select(Account.password_hash)).all()
        stored_tokens = conn.scalars(select(AccountSession.token_sha256)).all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    token = client.cookies.get("assured_session")
    assert token not in stored_tokens and len(stored_tokens[0]) == 64


def test_the_cookie_is_secure_behind_https(client, accounts, monkeypatch):
    monkeypatch.setenv("ASSURED_PUBLIC_URL", "https://fangxin.example.gov.cn")
    get_settings.cache_clear()
    response = client.post("/api/login", json={"username": "county-a", "password": PASSWORD})
    assert "secure" in response.headers["set-cookie"].lower()


def test_no_password_token_or_hash_reaches_the_logs_the_audit_or_an_error(client, in_review, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/api/login", json={"username": "county-a", "password": "wrong-" + PASSWORD})
    csrf = login(client, "county-a")
    token = client.cookies.get("assured_session")
    bad = decide(client, in_review, csrf, decision="reject")  # refused: no comment
    assert bad.status_code == 403
    with make_engine(get_settings().db_url).connect() as conn:
        audit = " ".join(
            str(detail) + actor for actor, detail in conn.execute(select(AuditEntry.actor, AuditEntry.detail))
        )
        hashes = conn.scalars(select(Account.password_hash)).all()
    secrets_ = [PASSWORD, "wrong-" + PASSWORD, token, csrf, *hashes]
    for secret in secrets_:
        assert secret not in audit and secret not in caplog.text and secret not in bad.text


def test_every_human_decision_in_the_audit_names_the_account_and_the_session(client, in_review):
    csrf = login(client, "county-a")
    assert decide(client, in_review, csrf).status_code == 200
    with make_engine(get_settings().db_url).connect() as conn:
        actor, detail = conn.execute(
            select(AuditEntry.actor, AuditEntry.detail)
            .where(AuditEntry.entity_id == str(in_review), AuditEntry.action.startswith("application."))
            .order_by(AuditEntry.seq.desc())
        ).first()
        session_ids = conn.scalars(select(AccountSession.id)).all()
    assert actor == "account:county-a" and detail["session_id"] in session_ids


def test_a_one_time_password_must_be_changed_before_anything_else(client, cli, home):
    added = cli("accounts", "add", "county-new", "--stage", "county", "--region", "420102")
    one_time = added.out.rsplit(": ", 1)[1].strip()
    answer = client.post("/api/login", json={"username": "county-new", "password": one_time})
    assert answer.status_code == 200 and answer.json()["must_change_password"] is True
    csrf = answer.json()["csrf"]
    assert client.get("/api/worklist").status_code == 403
    common = client.post("/api/password", json={"old": one_time, "new": "password123"}, headers={"X-CSRF-Token": csrf})
    assert common.status_code == 400 and "at least 12" in common.json()["detail"]
    changed = client.post("/api/password", json={"old": one_time, "new": PASSWORD}, headers={"X-CSRF-Token": csrf})
    assert changed.status_code == 200
    assert client.get("/api/worklist").status_code == 200
