"""评价验收 in the workbench: the county reviewer records the on-site inspection on a form (every
checklist item, photos without their metadata), the approval waits for it, and what is outside
the account's scope stays a 404 — through the real app, pages and JSON API alike."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from checks import calendar
from tests.flows.conftest import apply_online
from tests.support.checklists import MODEL_UNIT_ITEMS as ITEMS
from tests.web.conftest import PASSWORD, login
from tests.web.test_browser import ARTIFACTS, CHROMIUM, Watched, chromium, server  # noqa: F401  (fixtures)
from tests.web.test_pages import NOT_FOUND, browser, signed_in  # noqa: F401  (the browser fixture)
from tests.web.test_portal_browser import PHONE

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.fixture
def waiting(cli, shops, accounts) -> int:
    """The good shop's application in review at the county stage, not inspected yet."""
    app = apply_online(cli, shops["good"])
    assert app["status"] == "in_review"
    return app["id"]


def gps_photo() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 35.0, 0.0), 4: (114.0, 18.0, 0.0)}  # GPSInfo: latitude, longitude
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def form(token: str, failed: tuple[str, ...] = (), skip: tuple[str, ...] = (), conclusion: str = "pass") -> dict:
    data = {"csrf": token, "inspected_on": calendar.today().isoformat(), "conclusion": conclusion}
    for item in ITEMS:
        if item not in skip:
            data[f"result-{item}"] = "fail" if item in failed else "pass"
    return data


def test_the_page_approval_waits_for_the_inspection_and_names_the_rule(client, waiting):
    token = signed_in(client, "county-a")
    page = client.get(f"/review/applications/{waiting}")
    assert "尚无现场验收记录" in page.text and "本阶段通过前必须完成" in page.text
    refused = client.post(
        f"/review/applications/{waiting}/decision", data={"csrf": token, "decision": "approve"}, follow_redirects=False
    )
    assert refused.status_code == 403 and "review.require_inspection.county" in refused.text


def test_a_form_missing_an_item_names_it_and_stores_nothing(client, waiting):
    token = signed_in(client, "county-a")
    response = client.post(
        f"/review/applications/{waiting}/inspection",
        data=form(token, skip=("supplier_ledger",)),
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "请选择“索证索票、进货查验台账齐全”的验收结果" in response.text
    assert 'value="pass" checked' in response.text  # what was entered is kept
    assert "尚无现场验收记录" in client.get(f"/review/applications/{waiting}").text


def test_an_inspection_with_a_photo_is_recorded_and_the_county_may_then_approve(client, waiting):
    token = signed_in(client, "county-a")
    blank = client.get(f"/review/applications/{waiting}/inspection")
    assert blank.status_code == 200 and all(f'name="result-{i}"' in blank.text for i in ITEMS)
    saved = client.post(
        f"/review/applications/{waiting}/inspection",
        data=form(token) | {"note-price_marked": "价签齐全"},
        files=[("photos", ("shop.jpg", gps_photo(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/review/applications/{waiting}?notice=inspected"
    page = client.get(saved.headers["location"]).text
    assert "评价验收已录入" in page and "价签齐全" in page and "由 county-a 现场验收" in page
    [photo] = re.findall(rf"/review/applications/{waiting}/inspection/photos/([0-9a-f]{{64}})", page)[:1]
    served = client.get(f"/review/applications/{waiting}/inspection/photos/{photo}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(served.content)).getexif().get_ifd(0x8825)  # no GPS kept
    approved = client.post(
        f"/review/applications/{waiting}/decision", data={"csrf": token, "decision": "approve"}, follow_redirects=False
    )
    assert approved.status_code == 303 and "stage=city" in approved.headers["location"]


def test_a_reviewer_of_another_region_sees_neither_the_form_nor_the_photos(client, waiting, browser):  # noqa: F811
    token = signed_in(client, "county-a")
    saved = client.post(
        f"/review/applications/{waiting}/inspection",
        data=form(token),
        files=[("photos", ("shop.jpg", gps_photo(), "image/jpeg"))],
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [photo] = set(re.findall(r"/inspection/photos/([0-9a-f]{64})", client.get(f"/review/applications/{waiting}").text))
    other = browser()
    other_token = signed_in(other, "county-b")
    for path in (
        f"/review/applications/{waiting}/inspection",
        f"/review/applications/{waiting}/inspection/photos/{photo}",
    ):
        response = other.get(path)
        assert response.status_code == 404 and NOT_FOUND in response.text
    posted = other.post(f"/review/applications/{waiting}/inspection", data=form(other_token), follow_redirects=False)
    assert posted.status_code == 404
    assert client.get(f"/review/applications/{waiting}/inspection/photos/{'0' * 64}").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(client, waiting):
    signed_in(client, "county-a")
    response = client.post(f"/review/applications/{waiting}/inspection", data=form("wrong"), follow_redirects=False)
    assert response.status_code == 403
    assert "尚无现场验收记录" in client.get(f"/review/applications/{waiting}").text


def test_a_file_that_is_not_an_image_is_refused_as_a_photo(client, waiting):
    token = signed_in(client, "county-a")
    response = client.post(
        f"/review/applications/{waiting}/inspection",
        data=form(token),
        files=[("photos", ("shop.jpg", b"MZ\x90\x00 not a picture", "image/jpeg"))],
        follow_redirects=False,
    )
    assert response.status_code == 415 and "photo: not a JPEG or PNG" in response.text


def test_the_api_records_an_inspection_and_shows_it_with_the_application(client, waiting):
    csrf = login(client, "county-a")
    items = {i: {"result": "pass", "note": ""} for i in ITEMS}
    no_token = client.post(f"/api/applications/{waiting}/inspection", json={"items": items, "conclusion": "pass"})
    assert no_token.status_code == 403
    short = client.post(
        f"/api/applications/{waiting}/inspection",
        json={"items": {k: v for k, v in items.items() if k != "price_marked"}, "conclusion": "pass"},
        headers={"X-CSRF-Token": csrf},
    )
    assert short.status_code == 422 and "items.price_marked" in short.json()["detail"]
    unknown = client.post(
        f"/api/applications/{waiting}/inspection",
        json={"items": items | {"made_up": {"result": "pass"}}, "conclusion": "pass"},
        headers={"X-CSRF-Token": csrf},
    )
    assert unknown.status_code == 422 and "'made_up' is not in the model_unit inspection checklist" in unknown.text
    done = client.post(
        f"/api/applications/{waiting}/inspection",
        json={"items": items, "conclusion": "pass"},
        headers={"X-CSRF-Token": csrf},
    )
    assert done.status_code == 201 and done.json()["conclusion"] == "pass"
    shown = client.get(f"/api/applications/{waiting}").json()["inspection"]
    assert shown["inspection"]["id"] == done.json()["inspection"] and shown["inspection"]["complete"]
    assert {i["id"]: i["result"] for i in shown["items"]} == dict.fromkeys(ITEMS, "pass")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium: make system)")
def test_the_county_inspects_on_a_phone_in_chromium_and_then_approves(server, chromium, waiting, tmp_path):  # noqa: F811
    photo = tmp_path / "门头.jpg"
    photo.write_bytes(gps_photo())
    w = Watched(chromium)
    page = w.page
    page.set_viewport_size(PHONE)
    w.sign_in(server, "county-a", PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    page.goto(f"{server}/review/applications/{waiting}")
    page.get_by_role("link", name="录入评价验收").click()
    expect(page.get_by_role("heading", name=re.compile("评价验收"))).to_be_visible()
    for n in range(len(ITEMS)):
        page.locator("fieldset.wb-item").nth(n).get_by_label("符合", exact=True).check()
    page.get_by_label("现场情况（选填）").nth(1).fill("价签齐全，与收银系统一致")
    page.get_by_label(re.compile("现场照片")).set_input_files(str(photo))
    page.get_by_label("通过", exact=True).check()
    shoot(w, "inspection-form")
    page.get_by_role("button", name="保存验收记录").click()
    expect(page.get_by_role("status")).to_contain_text("评价验收已录入")
    expect(page.get_by_role("img", name="现场照片 1")).to_be_visible()
    shoot(w, "inspection-recorded")
    page.get_by_label(re.compile("^通过")).check()
    page.get_by_role("button", name="提交审核决定").click()
    expect(page).to_have_url(re.compile(r"/review\?decided="))
    assert not w.problems, w.problems


def shoot(w: Watched, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    w.page.screenshot(path=str(ARTIFACTS / f"{name}-375.png"), full_page=True)
    scroll = w.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"], f"{name} is {scroll} px wide at {PHONE['width']} px"
