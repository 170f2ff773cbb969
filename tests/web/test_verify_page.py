"""The public verification page as a consumer reads it: words, not codes; a photo is not called a
fake; a mistyped number gets a page in Chinese; the header fits both programmes; whom to ask. Then
the same pages in a real headless Chromium at 390 and 1280 px (screenshots in tests/artifacts/)."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import sync_playwright

from registry.settings import get_settings
from tests.support.certificates import ready_for_manual_issuance
from tests.web.test_browser import ARGS, ARTIFACTS, CHROMIUM, server  # noqa: F401  (server is a fixture)
from web.app import create_app

MODEL = "HB-FX-2026-420100-000123"
STORE = "HB-QR-2026-420100-000007"
CERTIFICATES = {
    MODEL: {
        "programme": "model_unit",
        "number": "鄂放心〔2026〕第420100-000123号",
        "business_name": "武汉市江汉区长江百货商贸有限公司",
        "uscc": "91420103MA4KXX125D",
        "address": "湖北省武汉市江汉区解放大道688号",
        "issued_on": "2026-07-01",
        "valid_from": "2026-07-01",
        "valid_until": "2028-06-30",
    },
    STORE: {
        "programme": "seven_day_return",
        "number": "鄂七日〔2026〕第420100-000007号",
        "business_name": "武汉汉正街服饰有限公司",
        "store_name": "武汉汉正街服饰有限公司",
        "return_days": 7,
        "uscc": "91420102MA4K00010N",
        "address": "湖北省武汉市硚口区汉正街88号",
        "issued_on": "2026-07-01",
        "valid_from": "2026-07-01",
        "valid_until": "2028-06-30",
    },
}
PHONE = "027-87654321"
CODE = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # FORMAT_OK, NO_PDF, STATUS_OK …
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 64


@pytest.fixture
def site(cli, tmp_path, monkeypatch):
    """Both certificates made through the real CLI, the authority's phone configured; a TestClient."""
    monkeypatch.setenv("ASSURED_AUTHORITY_PHONE", PHONE)
    get_settings.cache_clear()
    assert cli("keys", "init").code == 0
    for number, data in CERTIFICATES.items():
        ready_for_manual_issuance(data["uscc"], data["business_name"], programme=data["programme"])
        path = tmp_path / f"{number}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        made = cli("certificate", "make", path, "--out", tmp_path / "out", "--json", "--as", "admin")
        assert made.code == 0, made.err
    s = get_settings()
    return TestClient(create_app(s.out_path / "certificates", s.keys_path)), tmp_path / "out"


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_a_seven_day_return_certificate_page_says_nothing_of_assured_consumption(site):
    client, _ = site
    page = client.get(f"/verify/{STORE}")
    assert page.status_code == 200
    assert "七日无理由退货承诺示范店" in page.text and "放心消费" not in page.text
    assert "湖北省武汉市硚口区汉正街88号" in page.text
    assert "门店名称" not in page.text  # the store's name equals the business's: said once
    assert page.text.count("武汉汉正街服饰有限公司") == 1


def test_the_chinese_page_writes_its_dates_in_chinese_and_the_english_one_in_iso_form(site):
    client, _ = site
    zh = visible(client.get(f"/verify/{MODEL}").text)
    assert "2026年7月1日 至 2028年6月30日" in zh and "2028-06-30" not in zh
    assert not re.search(r"\d{4}-\d{2}-\d{2}", zh)  # the day of checking too
    en = visible(client.get(f"/verify/{MODEL}?lang=en").text)
    assert "2026-07-01 to 2028-06-30" in en


def test_the_page_shows_steps_in_words_and_no_internal_code_and_no_tick_beside_no_pdf(site):
    client, _ = site
    page = client.get(f"/verify/{MODEL}")
    text = visible(page.text)
    assert CODE.search(page.text) is None, CODE.search(page.text)
    assert "电子签名" in text and "证书状态" in text
    no_pdf = re.search(r"<[^>]*>[^<]*未上传 PDF[^<]*", page.text)
    assert no_pdf and "✓" not in no_pdf.group(0) and 'class="ok"' not in no_pdf.group(0)
    api = client.get(f"/api/verify/{MODEL}").json()
    assert {"step": "binding", "ok": True, "code": "NO_PDF"}.items() <= api["steps"][3].items()  # codes stay in JSON


def test_every_page_names_whom_to_ask_and_links_12315(site):
    client, _ = site
    for path in ("/", f"/verify/{MODEL}", "/verify/HB-FX-2026-420100-999999", "/verify/12345"):
        page = client.get(path)
        assert 'href="tel:12315"' in page.text and 'href="https://www.12315.cn/"' in page.text, path
        assert f'href="tel:{PHONE}"' in page.text and "湖北省市场监督管理局" in page.text, path


@pytest.mark.parametrize(
    "name, content",
    [
        ("photo.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"JFIF" + b"\x00" * 100),
        ("scan.pdf", b"%PDF-1.4\n%%EOF"),
    ],
    ids=["a PNG photo", "a JPEG photo", "a PDF that is no certificate"],
)
def test_a_file_that_is_no_certificate_pdf_is_called_so_and_never_invalid(site, name, content):
    client, _ = site
    page = client.post("/verify", files={"file": (name, content, "image/png")})
    assert page.status_code == 200 and "该文件不是电子证书 PDF" in page.text
    for wrong in ("无效", "核验未通过", "None", "有效期", "FORMAT"):
        assert wrong not in page.text, wrong
    assert client.post("/api/verify", files={"file": (name, content, "image/png")}).json()["status"] == "invalid"


@pytest.mark.parametrize("path", ["/verify/HB-FX-2026-42O100-000123", "/go?number=鄂放心2026-123"])
def test_a_mistyped_number_gets_a_page_in_chinese_with_the_form_again(site, path):
    client, _ = site
    page = client.get(path)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "不是证书编号" in page.text and 'name="number"' in page.text and '{"detail"' not in page.text
    api = client.get("/api/verify/HB-FX-2026-42O100-000123")
    assert api.status_code == 400 and "not a certificate number" in api.json()["detail"]


def test_a_valid_upload_shows_the_pdf_steps_in_words(site):
    client, out = site
    pdf = (out / f"{MODEL}.pdf").read_bytes()
    page = client.post("/verify", files={"file": ("c.pdf", pdf, "application/pdf")})
    assert "PDF 电子签章" in page.text and "未上传 PDF" not in page.text and CODE.search(page.text) is None


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package chromium: make system)")
def test_on_a_phone_the_facts_stack_and_every_tap_target_is_44_px(site, server):  # noqa: F811
    pages = {"index": "/", "model": f"/verify/{MODEL}", "store": f"/verify/{STORE}", "typo": "/verify/12345"}
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for width in (390, 1280):
            page = browser.new_page(viewport={"width": width, "height": 900})
            for name, path in pages.items():
                page.goto(server + path)
                page.screenshot(path=str(ARTIFACTS / f"verify-{name}-{width}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
                for box in page.eval_on_selector_all(
                    "a, button, input:not([type=hidden])", "els => els.map(e => e.getBoundingClientRect().height)"
                ):
                    assert box >= 44, (name, width, box)
            page.goto(server + f"/verify/{MODEL}")
            dt, dd = (page.locator(".pv-facts div").first.locator(tag).bounding_box() for tag in ("dt", "dd"))
            assert dt is not None and dd is not None
            stacked = dd["y"] >= dt["y"] + dt["height"] - 1
            assert stacked == (width < 600), width
            page.close()
        browser.close()
