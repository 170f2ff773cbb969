"""The workbench in a real headless Chromium (Debian's `chromium`, driven by Playwright for
Python) against the app in a real uvicorn server on 127.0.0.1: a county reviewer signs in with a
one-time password and changes it, filters the worklist, opens an application, sees a failed
check's reason and approves; the city reviewer then finds it in their list; a supervisor sees
the dashboard. Screenshots of the main pages at 1280 and 375 px go to tests/artifacts/ (not kept
in git), and no page may scroll sideways at 375 px or break the Content-Security-Policy."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import update

from checks import calendar
from registry.db import begin_write, open_registry
from registry.settings import get_settings
from registry.workflow_models import Application
from tests.web.conftest import PASSWORD, make_account
from web.app import create_app

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1280, 375)
NEW_PASSWORD = "黄鹤楼-晴川阁-0427"

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium: make system)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(home):
    """The app in a real uvicorn server on 127.0.0.1 with a free port; yields its address."""
    port = _free_port()
    app = create_app(home / "certificates", home / "keys")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A browser page whose console errors (a CSP violation is one) and failed requests are kept."""

    def __init__(self, browser) -> None:
        self.context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
        self.page: Page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("response", lambda r: r.status == 404 and self.problems.append(f"404: {r.url}"))

    def shoot(self, name: str) -> None:
        """Screenshots at each width; at the narrowest nothing may stick out sideways."""
        for width in WIDTHS:
            self.page.set_viewport_size({"width": width, "height": 900})
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            scroll = self.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{name} at {width} px is {scroll} px wide"
        self.page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    def sign_in(self, base: str, username: str, password: str) -> None:
        """With the keyboard only: the fields by their labels, Tab, Enter."""
        self.page.goto(base + "/review")
        expect(self.page).to_have_url(re.compile(r"/review/login\?next="))
        self.page.get_by_label("用户名").focus()
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        expect(self.page.get_by_label("密码")).to_be_focused()
        self.page.keyboard.type(password)
        self.page.keyboard.press("Enter")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="退出").click()
        expect(self.page.get_by_role("status")).to_contain_text("您已安全退出")


def test_a_county_reviewer_approves_in_the_browser_and_the_city_reviewer_finds_it(server, chromium, apps):
    one_time = make_account("county-a", "county", "420102", display_name="江岸区审核员")
    make_account("city-a", "city", "4201", password=PASSWORD, display_name="武汉市审核员")
    make_account("chief", "county", "4201", role="supervisor", password=PASSWORD, display_name="武汉市审核主管")
    failed, seven = "武汉江岸便民超市有限公司", "武汉江岸七日电器商行"
    today = calendar.today()
    waited = {"full": (12, -3), "seven": (5, 2), "elsewhere": (3, 4)}  # days in stage, days left
    with begin_write(open_registry(get_settings().db_url)) as session:
        for key, (days, left) in waited.items():
            session.execute(
                update(Application)
                .where(Application.id == apps[key])
                .values(stage_since=today - dt.timedelta(days=days), due_on=today + dt.timedelta(days=left))
            )
    b = Watched(chromium)
    page = b.page

    page.goto(server + "/review")
    expect(page.get_by_role("heading", name="登录审核工作台")).to_be_visible()
    b.shoot("login")
    b.sign_in(server, "county-a", one_time)
    expect(page).to_have_url(server + "/review/password")
    page.get_by_label("当前密码（一次性密码）").fill(one_time)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("再次输入新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("status")).to_contain_text("密码已更改")
    expect(page.get_by_role("link", name=seven)).to_be_visible()

    page.get_by_label("项目").select_option("model_unit")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"program=model_unit"))
    expect(page.get_by_role("link", name=seven)).to_have_count(0)
    expect(page.get_by_role("link", name=failed)).to_be_visible()
    expect(page.locator("tr.wb-row-overdue")).to_contain_text("已逾期")
    b.shoot("worklist")

    page.get_by_role("link", name=failed).click()
    expect(page.get_by_role("heading", name=re.compile(failed))).to_be_visible()
    failed_checks = page.locator(".wb-failed")
    expect(failed_checks).to_contain_text("投诉服务站")
    expect(failed_checks).to_contain_text("未承诺设立投诉服务站")
    expect(page.locator("tr.wb-outcome-fail", has_text="投诉服务站")).to_contain_text("application:model_unit")
    b.shoot("application")
    page.get_by_label("通过（转入市级审核）").check()
    page.get_by_role("button", name="提交审核决定").click()
    expect(page.get_by_role("status")).to_contain_text("已通过，转入市级审核")
    expect(page.get_by_role("link", name=failed)).to_have_count(0)

    # bulk: two more from the whole list (the redirect after a decision drops the filter), after a confirmation page
    page.get_by_label(f"选择申请 {apps['full']}").check()
    page.get_by_label(f"选择申请 {apps['seven']}").check()
    page.get_by_role("button", name="批量通过").click()
    expect(page.get_by_role("heading", name=re.compile("确认批量通过"))).to_contain_text("2 件")
    b.shoot("bulk-confirm")
    page.get_by_role("button", name="确认通过这 2 件申请").click()
    expect(page.get_by_role("status")).to_contain_text("共 2 件：2 件已通过")
    b.shoot("bulk-done")
    b.sign_out()

    b.sign_in(server, "city-a", PASSWORD)
    expect(page).to_have_url(server + "/review")
    for name in (seven, "武汉江岸放心百货有限公司"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    page.get_by_role("link", name=failed).click()
    expect(page.locator("#s-decisions").locator("..")).to_contain_text("county-a")
    b.sign_out()

    b.sign_in(server, "chief", PASSWORD)
    page.get_by_role("link", name="统计").click()
    expect(page.get_by_role("heading", name="审核统计")).to_be_visible()
    expect(page.locator(".wb-bars").first).to_contain_text("县级 · 4201")
    expect(page.locator(".wb-bars").last).to_contain_text("通过 3，不予通过 0，退回 0")
    b.shoot("dashboard")
    page.goto(server + "/review/applications/99999")
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    b.shoot("not-found")
    expected = [f"404: {server}/review/applications/99999", "console: Failed to load resource: the server responded"]
    assert sorted(p[:50] for p in b.problems[-2:]) == sorted(e[:50] for e in expected), b.problems
    del b.problems[-2:]  # the 404 asked for; anything else is a problem
    assert b.problems == []
    b.context.close()
