"""The business portal in a real headless Chromium at phone width (375 px), against a real
uvicorn on 127.0.0.1: a business asks for a code, reads it from its outbox, signs in, applies,
sees the outcome; another answers a request for missing data with a PDF; after the reviewers
approve and the certificate is issued, the first downloads it. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from playwright.sync_api import expect

from checks import calendar
from tests.flows.conftest import approve_all_stages
from tests.web.test_browser import ARTIFACTS, CHROMIUM, Watched, chromium, server  # noqa: F401  (fixtures)
from tests.web.test_portal_api import PDF, _code_for
from web.portal_api import CHILD_RUNS

pytestmark = [
    pytest.mark.usefixtures("prefect_harness"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium: make system)"),
]
PHONE = {"width": 375, "height": 812}


def _phone(browser) -> Watched:
    w = Watched(browser)
    w.page.set_viewport_size(PHONE)
    return w


def _shoot(w: Watched, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    w.page.screenshot(path=str(ARTIFACTS / f"portal-{name}-375.png"), full_page=True)
    scroll = w.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], f"{name} is {scroll} px wide at 375 px"


def _sign_in(w: Watched, base: str, uscc: str) -> None:
    page = w.page
    page.goto(base + "/portal")
    expect(page).to_have_url(re.compile(r"/portal/login$"))
    page.get_by_label("统一社会信用代码").fill(uscc)
    _shoot(w, "login")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("六位验证码").fill(_code_for(uscc))
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的申请")).to_be_visible()


def _apply(w: Watched) -> None:
    page = w.page
    page.get_by_role("link", name="在线申请").first.click()
    page.get_by_label("无理由退货期限（天）").fill("15")
    for label in ("公开展示放心消费承诺", "先行赔付", "首问负责", "设立投诉服务站"):
        page.get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert")).to_contain_text("请阅读并同意承诺书")  # the error beside the field
    w.problems.clear()  # the browser reports the 422 of that page as a console error
    for label in ("公开展示放心消费承诺", "先行赔付", "首问负责", "设立投诉服务站"):
        page.get_by_label(re.compile(label)).check()
    page.get_by_label(re.compile("已阅读并同意")).check()
    _shoot(w, "apply")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("status")).to_contain_text("申请已提交")


def test_a_business_applies_on_a_phone_and_downloads_its_certificate(
    server,  # noqa: F811
    chromium,  # noqa: F811
    cli,
    shops,
    accounts,
    process_mode,
):
    w = _phone(chromium)
    page = w.page
    _sign_in(w, server, shops["good"])
    _shoot(w, "home-empty")
    _apply(w)
    expect(page.get_by_role("heading", name=re.compile("当前状态：审核中"))).to_be_visible()
    expect(page.get_by_text("确认承诺书")).to_be_visible()
    _shoot(w, "application-in-review")
    assert CHILD_RUNS.pid() not in (None, os.getpid())  # assessed where `assured web` assesses: its child
    app_id = int(re.search(r"/portal/applications/(\d+)", page.url).group(1))

    today = calendar.today()
    approve_all_stages(cli, app_id)
    assert cli("announce", "--program", "model_unit", "--on", today.isoformat()).code == 0
    assert cli("keys", "init").code == 0
    [issued] = cli("issue", "--today", (today + dt.timedelta(days=14)).isoformat(), "--json").json()

    page.goto(server + "/portal")
    link = page.get_by_role("link", name="下载证书 PDF")
    expect(link).to_have_attribute("href", f"/portal/certificates/{issued['number']}/pdf")
    expect(page.get_by_text("有效期")).to_be_visible()
    _shoot(w, "home-certificate")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
    assert not w.problems, w.problems


def test_a_business_answers_a_request_for_data_with_a_pdf_on_a_phone(server, chromium, shops, tmp_path):  # noqa: F811
    w = _phone(chromium)
    page = w.page
    _sign_in(w, server, shops["unclassified"])
    _apply(w)
    expect(page.get_by_role("heading", name=re.compile("待补充数据"))).to_be_visible()
    expect(page.get_by_role("heading", name="尚缺的数据")).to_be_visible()
    assert "V4" not in page.inner_text("main")  # no internal check codes for a business
    scan = tmp_path / "信用承诺书.pdf"
    scan.write_bytes(PDF)
    page.get_by_label("文件").set_input_files(str(scan))
    page.get_by_label(re.compile("说明")).fill("补充信用承诺书")
    page.get_by_role("button", name="上传并提交").click()
    expect(page.get_by_role("status")).to_contain_text("材料已上传")
    expect(page.get_by_role("link", name="信用承诺书.pdf")).to_be_visible()
    expect(page.get_by_text("上传补充材料")).to_be_visible()
    _shoot(w, "application-answered")
    assert not w.problems, w.problems
