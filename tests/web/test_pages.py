"""The workbench pages' rules through the real app (TestClient): sign-in and its refusals, the
forced password change, CSRF on every POST, scope as 404, the worklist's filters, claims, the
decision form and its refusals, bulk approval after a confirmation page, the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from checks import calendar
from registry.db import begin_write, open_registry
from registry.lookups import count_lookup
from registry.settings import get_settings
from registry.workflow_models import Application
from tests.web.conftest import PASSWORD, make_account
from web.app import create_app

NOT_FOUND = "没有找到这个页面或申请，或它不在您的审核范围内。"
NEW_PASSWORD = "黄鹤楼-晴川阁-0427"
CSRF = re.compile(r'name="csrf" value="([^"]*)"')

prefect = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def browser(home):
    """Another, separate browser (its own cookies); `client` (tests/web/conftest.py) is the first."""
    s = get_settings()
    return lambda: TestClient(create_app(s.out_path / "certificates", s.keys_path))


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = ""):
    form = client.get("/review/login")
    assert form.status_code == 200
    [token] = CSRF.findall(form.text)
    return client.post(
        "/review/login",
        data={"username": username, "password": password, "csrf": token, "next": next},
        follow_redirects=False,
    )


def signed_in(client: TestClient, username: str) -> str:
    """Sign in (the account has a password of its own); returns the CSRF token of the session."""
    response = sign_in(client, username)
    assert response.status_code == 303 and response.headers["location"] == "/review", response.text
    return CSRF.findall(client.get("/review").text)[0]


def post(client: TestClient, path: str, **data):
    return client.post(path, data=data, follow_redirects=False)


def _db():
    return begin_write(open_registry(get_settings().db_url))


# -- signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/review", "/review/applications/1", "/review/dashboard", "/review/password", "/review/bulk?id=1", "/review/x"],
)
def test_a_page_without_a_session_sends_to_the_sign_in_page(client, path):
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/review/login?next=")


def test_a_post_without_a_session_sends_to_the_sign_in_page_and_changes_nothing(client):
    response = post(client, "/review/applications/1/decision", decision="approve", csrf="x")
    assert response.status_code == 303 and response.headers["location"] == "/review/login"


def test_sign_in_says_the_same_for_an_unknown_user_and_a_wrong_password_and_says_when_locked(client):
    make_account("county-a", "county", "420102", password=PASSWORD)
    unknown = sign_in(client, "nobody", PASSWORD)
    wrong = sign_in(client, "county-a", "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    message = re.compile(r"<h2 id=\"error-summary-title\">无法登录</h2>\s*<p>([^<]*)</p>")
    assert (
        message.findall(unknown.text)
        == message.findall(wrong.text)
        == ["用户名或密码不正确 (wrong username or password)"]
    )
    assert "set-cookie" not in unknown.headers or "assured_session" not in unknown.headers["set-cookie"]
    for _ in range(get_settings().lockout_attempts - 1):
        sign_in(client, "county-a", "not-the-password")
    locked = sign_in(client, "county-a", PASSWORD)
    assert locked.status_code == 423 and "账号已临时锁定" in locked.text


def test_the_sign_in_form_needs_its_own_csrf_token(client):
    make_account("county-a", "county", "420102", password=PASSWORD)
    without = post(client, "/review/login", username="county-a", password=PASSWORD)
    client.get("/review/login")  # the cookie is set, but the form's token is not sent back
    wrong = post(client, "/review/login", username="county-a", password=PASSWORD, csrf="forged")
    for response in (without, wrong):
        assert response.status_code == 403 and "登录表单已失效" in response.text
        assert response.headers["content-type"].startswith("text/html")
    assert client.get("/review", follow_redirects=False).status_code == 303


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(client):
    make_account("county-a", "county", "420102", password=PASSWORD)
    assert sign_in(client, "county-a", next="/review/dashboard").headers["location"] == "/review/dashboard"
    client.cookies.clear()
    assert sign_in(client, "county-a", next="//evil.example/review").headers["location"] == "/review"


def test_the_sign_in_page_offers_single_sign_on_only_when_it_is_configured(client, monkeypatch):
    assert "/review/login/sso" not in client.get("/review/login").text
    monkeypatch.setenv("ASSURED_OIDC_ISSUER", "http://127.0.0.1:9/")
    monkeypatch.setenv("ASSURED_OIDC_CLIENT_ID", "workbench")
    get_settings.cache_clear()
    assert 'href="/review/login/sso"' in client.get("/review/login").text


def test_a_one_time_password_must_be_changed_before_any_other_page(client):
    one_time = make_account("county-a", "county", "420102")
    response = sign_in(client, "county-a", one_time)
    assert response.status_code == 303 and response.headers["location"] == "/review/password"
    for path in ("/review", "/review/dashboard", "/review/applications/1", "/review/bulk?id=1"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/review/password", path
    page = client.get("/review/password")
    assert page.status_code == 200 and "请设置新密码" in page.text
    token = CSRF.findall(page.text)[0]
    mismatch = post(client, "/review/password", csrf=token, current=one_time, new=NEW_PASSWORD, confirm="other")
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.text
    short = post(client, "/review/password", csrf=token, current=one_time, new="short", confirm="short")
    assert short.status_code == 400 and "密码至少 12 个字符" in short.text
    wrong = post(client, "/review/password", csrf=token, current="wrong", new=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert wrong.status_code == 403 and "当前密码不正确" in wrong.text
    done = post(client, "/review/password", csrf=token, current=one_time, new=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/review?notice=password"
    assert "密码已更改" in client.get(done.headers["location"]).text
    client.cookies.clear()
    assert sign_in(client, "county-a", NEW_PASSWORD).headers["location"] == "/review"


@pytest.mark.parametrize(
    "path",
    [
        "/review/logout",
        "/review/password",
        "/review/applications/1/claim",
        "/review/applications/1/release",
        "/review/applications/1/decision",
        "/review/bulk",
    ],
)
@pytest.mark.parametrize("offered", [None, "0" * 64], ids=["missing", "wrong"])
def test_every_post_without_the_sessions_csrf_token_is_a_403_page(client, path, offered):
    make_account("county-a", "county", "420102", password=PASSWORD)
    signed_in(client, "county-a")
    data = {"decision": "approve", "id": "1", "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = client.post(path, data=data | ({"csrf": offered} if offered else {}), follow_redirects=False)
    assert response.status_code == 403 and "安全令牌" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert client.get("/review", follow_redirects=False).status_code == 200  # still signed in, nothing changed


def test_sign_out_ends_the_session_for_good(client):
    make_account("county-a", "county", "420102", password=PASSWORD)
    token = signed_in(client, "county-a")
    cookie = client.cookies.get("assured_session")
    response = post(client, "/review/logout", csrf=token)
    assert response.status_code == 303 and response.headers["location"] == "/review/login?notice=signed_out"
    assert "您已安全退出" in client.get(response.headers["location"]).text
    client.cookies.set("assured_session", cookie)  # the old cookie, replayed
    assert client.get("/review", follow_redirects=False).headers["location"].startswith("/review/login")


# -- the worklist, one application, decisions -------------------------------------------------


@prefect
def test_the_worklist_shows_the_reviewers_applications_with_filters_and_deadlines(client, apps):
    make_account("county-a", "county", "420102", password=PASSWORD)
    signed_in(client, "county-a")
    page = client.get("/review").text
    for key in ("failed", "full", "seven"):
        assert f'href="/review/applications/{apps[key]}"' in page
    assert f'href="/review/applications/{apps["elsewhere"]}"' not in page  # another county's
    assert "武汉江岸便民超市有限公司" in page and "96.0" in page and "符合条件" in page and "未认领" in page
    seven = client.get("/review", params={"program": "seven_day_return"}).text
    assert f"/review/applications/{apps['seven']}" in seven and f"/review/applications/{apps['failed']}" not in seven
    assert '<option value="seven_day_return" selected>' in seven
    assert "没有符合筛选条件的申请" in client.get("/review", params={"overdue": "1"}).text
    with _db() as session:
        session.execute(update(Application).where(Application.id == apps["full"]).values(due_on=dt.date(2026, 1, 5)))
    overdue = client.get("/review", params={"overdue": "1"}).text
    assert f"/review/applications/{apps['full']}" in overdue and "已逾期" in overdue and "wb-row-overdue" in overdue
    assert f"/review/applications/{apps['failed']}" not in overdue
    by_score = client.get("/review", params={"sort": "score"}).text
    assert by_score.index(f"/review/applications/{apps['failed']}") > by_score.index(
        f"/review/applications/{apps['seven']}"
    )
    assert client.get("/review", params={"sort": "nonsense"}).status_code == 400


@prefect
def test_a_claim_is_held_by_one_reviewer_until_released(client, browser, apps):
    make_account("county-a", "county", "420102", password=PASSWORD)
    make_account("county-c", "county", "4201", password=PASSWORD)
    token = signed_in(client, "county-a")
    n = apps["failed"]
    claimed = post(client, f"/review/applications/{n}/claim", csrf=token, back="/review?program=model_unit")
    assert claimed.status_code == 303 and claimed.headers["location"] == "/review?program=model_unit&notice=claimed"
    mine = client.get("/review", params={"mine": "1"}).text
    assert f"/review/applications/{n}" in mine and "<strong>我</strong>" in mine
    assert f"/review/applications/{apps['full']}" not in mine
    other = browser()
    other_token = signed_in(other, "county-c")
    refused = post(other, f"/review/applications/{n}/claim", csrf=other_token)
    assert refused.status_code == 409 and "claimed by county-a" in refused.text
    decided = post(other, f"/review/applications/{n}/decision", csrf=other_token, decision="approve")
    assert decided.status_code == 409 and "claimed by another reviewer" in decided.text
    released = post(client, f"/review/applications/{n}/release", csrf=token, back="https://evil.example/")
    assert released.status_code == 303 and released.headers["location"] == f"/review/applications/{n}?notice=released"
    assert post(other, f"/review/applications/{n}/claim", csrf=other_token).status_code == 303


@prefect
def test_the_application_page_shows_the_checks_and_a_refused_decision_names_its_rule(client, browser, apps):
    make_account("county-a", "county", "420102", password=PASSWORD)
    token = signed_in(client, "county-a")
    n = apps["failed"]
    page = client.get(f"/review/applications/{n}")
    assert page.status_code == 200
    text = page.text
    assert "未通过的检查（1 项）" in text and "投诉服务站" in text and "未承诺设立投诉服务站" in text
    assert "合格线" in text and ">85<" in text and ">96.0<" in text
    assert "registration:" in text and "application:model_unit:2026-06-30" in text  # the records cited
    assert "风险扫描提示" in text and "申请材料" in text and "提交申请" in text  # advisory, documents, history
    assert 'name="decision" value="approve"' in text and "本阶段截止" in text
    refused = post(client, f"/review/applications/{n}/decision", csrf=token, decision="reject", comment=" ")
    assert refused.status_code == 403 and "a reject needs --comment" in refused.text
    assert "不予通过或退回补正时，请填写意见说明理由" in refused.text
    assert 'value="reject" checked' in refused.text
    unchosen = post(client, f"/review/applications/{n}/decision", csrf=token, decision="")
    assert unchosen.status_code == 400 and "请选择审核结论" in unchosen.text

    make_account("county-t", "county", "420102", password=PASSWORD, ties=[_uscc_of(n)])
    tied = browser()
    tied_token = signed_in(tied, "county-t")
    shown = tied.get(f"/review/applications/{n}").text
    assert "您不能对此申请作出决定" in shown and "is tied to" in shown and 'name="decision"' not in shown
    refused = post(tied, f"/review/applications/{n}/decision", csrf=tied_token, decision="approve")
    assert refused.status_code == 403 and "is tied to" in refused.text

    approved = post(client, f"/review/applications/{n}/decision", csrf=token, decision="approve")
    assert approved.status_code == 303
    assert approved.headers["location"] == f"/review?decided={n}&result=approve&stage=city"
    assert f"申请 {n} 已通过，转入市级审核。" in client.get(approved.headers["location"]).text
    assert client.get(f"/review/applications/{n}").status_code == 404  # now the city stage's
    make_account("city-a", "city", "4201", password=PASSWORD)
    city = browser()
    signed_in(city, "city-a")
    assert f"/review/applications/{n}" in city.get("/review").text
    history = city.get(f"/review/applications/{n}").text
    assert "county-a" in history and "审核记录" in history and "第 1 轮" in history


def _uscc_of(app_id: int) -> str:
    with _db() as session:
        return session.get(Application, app_id).uscc


@prefect
def test_what_is_outside_the_scope_is_the_same_404_page_as_what_does_not_exist(client, apps):
    make_account("county-b", "county", "420106", password=PASSWORD)
    token = signed_in(client, "county-b")
    n = apps["failed"]  # in 420102
    for response in (
        client.get(f"/review/applications/{n}"),
        client.get("/review/applications/99999"),
        post(client, f"/review/applications/{n}/claim", csrf=token),
        post(client, f"/review/applications/{n}/decision", csrf=token, decision="approve"),
    ):
        assert response.status_code == 404 and NOT_FOUND in response.text
        assert "武汉江岸便民超市有限公司" not in response.text
    assert client.get(f"/review/applications/{apps['elsewhere']}").status_code == 200


@prefect
def test_bulk_approval_lists_the_selection_for_confirmation_then_decides_each(client, apps):
    make_account("county-a", "county", "420102", password=PASSWORD)
    token = signed_in(client, "county-a")
    picked = [apps["full"], apps["seven"], apps["elsewhere"]]
    confirm = client.get("/review/bulk", params={"id": picked})
    assert confirm.status_code == 200 and "确认批量通过" in confirm.text
    assert "武汉江岸放心百货有限公司" in confirm.text and "武汉江岸七日电器商行" in confirm.text
    assert "武汉硚口诚信药房有限公司" not in confirm.text and "不在您的审核范围内" in confirm.text
    assert confirm.text.count('<input type="hidden" name="id"') == 2
    assert f"/review/applications/{apps['full']}" in client.get("/review").text  # nothing decided yet
    assert client.get("/review/bulk").status_code == 400
    assert post(client, "/review/bulk", id=[apps["full"]]).status_code == 403  # no CSRF token
    done = client.post("/review/bulk", data={"csrf": token, "id": picked})
    assert done.status_code == 200 and "共 3 件：2 件已通过" in done.text
    rows = re.findall(r'<td data-label="编号">(\d+)</td>\s*<td data-label="结果">(.*?)</td>', done.text)
    assert [(int(i), "已通过" in r) for i, r in rows] == [
        (apps["full"], True),
        (apps["seven"], True),
        (apps["elsewhere"], False),
    ]
    assert "转入市级审核" in done.text and "no such application" in done.text
    left = client.get("/review").text
    assert f"/review/applications/{apps['full']}" not in left and f"/review/applications/{apps['failed']}" in left


@prefect
def test_the_dashboard_is_for_supervisors_and_draws_its_figures(client, browser, apps):
    make_account("county-a", "county", "420102", password=PASSWORD)
    make_account("chief", "county", "4201", role="supervisor", password=PASSWORD)
    reviewer_token = signed_in(client, "county-a")
    assert client.get("/review/dashboard").status_code == 404
    assert "/review/dashboard" not in client.get("/review").text
    post(client, f"/review/applications/{apps['full']}/decision", csrf=reviewer_token, decision="approve")
    chief = browser()
    signed_in(chief, "chief")
    page = chief.get("/review/dashboard")
    assert page.status_code == 200 and "<svg" in page.text and "审核统计" in page.text
    assert "县级 · 4201" in page.text and "市级 · 4201" in page.text  # backlog by stage and region
    assert "中位数" in page.text and "90 分位" in page.text
    assert "county-a" in page.text and "通过 1，不予通过 0，退回 0" in page.text
    assert re.search(r"<dt>审核中</dt><dd>4</dd>", page.text)


def test_the_dashboard_lists_a_certificate_looked_up_unusually_often(client):
    make_account("chief", "county", "4201", role="supervisor", password=PASSWORD)
    with begin_write(open_registry(get_settings().db_url)) as session:
        for number, times in (("HB-FX-2026-420100-000007", 60), ("HB-FX-2026-420100-000008", 2)):
            for _ in range(times):
                count_lookup(session, number, calendar.today())
        count_lookup(session, "HB-FX-2026-420100-000009", calendar.today())
    signed_in(client, "chief")
    page = client.get("/review/dashboard")
    assert page.status_code == 200 and "被异常频繁核验的证书" in page.text
    assert "HB-FX-2026-420100-000007" in page.text and "HB-FX-2026-420100-000008" not in page.text


@prefect
def test_workbench_pages_carry_no_inline_style_or_script_and_are_not_cached(client, apps):
    make_account("chief", "county", "4201", role="supervisor", password=PASSWORD)
    signed_in(client, "chief")
    pages = [
        "/review",
        f"/review/applications/{apps['failed']}",
        "/review/dashboard",
        "/review/password",
        f"/review/bulk?id={apps['full']}",
        "/review/applications/99999",
    ]
    client.cookies.clear()
    anonymous = client.get("/review/login")
    signed_in(client, "chief")
    for response in [anonymous] + [client.get(p) for p in pages]:
        html = response.text
        assert "<script" not in html and "<style" not in html and " style=" not in html, response.url
        assert 'name="csrf" value=""' not in html, response.url  # every form carries its token
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert '<html lang="zh-CN">' in html
        for field in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            assert f'for="{field}"' in html, (response.url, field)  # every field has its label
