"""The commands (keys, certificate make, verify) and the public verification site."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from registry.account_admin import add_account
from registry.db import begin_write, open_registry
from registry.settings import get_settings
from tests.support.certificates import ready_for_manual_issuance

NUMBER = "HB-FX-2026-420100-000123"
DATA = {
    "programme": "model_unit",
    "number": "鄂放心〔2026〕第420100-000123号",
    "business_name": "武汉市江汉区长江百货商贸有限公司",
    "uscc": "91420103MA4KXX125D",
    "address": "湖北省武汉市江汉区解放大道688号",
    "issued_on": "2026-07-01",
    "valid_from": "2026-07-01",
    "valid_until": "2028-06-30",
}


@pytest.fixture
def issued(cli, tmp_path):
    """`keys init` and `certificate make` through the real CLI; returns the output folder."""
    assert cli("keys", "init").code == 0
    ready_for_manual_issuance(DATA["uscc"], DATA["business_name"])
    data = tmp_path / "data.json"
    data.write_text(json.dumps(DATA, ensure_ascii=False), encoding="utf-8")
    result = cli("certificate", "make", data, "--out", tmp_path / "out", "--json", "--as", "admin")
    assert result.code == 0, result.err
    assert result.json()["number"] == NUMBER
    return tmp_path / "out"


def test_make_then_verify_the_pdf_by_path_and_by_number(cli, issued):
    result = cli("verify", issued / f"{NUMBER}.pdf", "--today", "2026-08-01", "--json")
    assert result.code == 0 and result.json()["valid"] and result.json()["status"] == "valid"
    result = cli("verify", "鄂放心〔2026〕第420100-000123号", "--today", "2026-08-01")
    assert result.code == 0 and "BINDING" not in result.out and "NO_PDF" in result.out


@pytest.fixture
def reviewer(cli):
    """A province reviewer, made in the registry (an admin exists once a certificate was made)."""
    settings = get_settings()
    with begin_write(open_registry(settings.db_url)) as session:
        add_account(session, "prov", role="reviewer", stage="province", region_prefix="42", settings=settings)
    return "prov"


def test_verify_exits_non_zero_when_a_step_fails(cli, issued, reviewer):
    assert cli("suspend", NUMBER, "--as", reviewer, "--reason", "complaint_spike", "--on", "2026-07-10").code == 0
    result = cli("verify", issued / f"{NUMBER}.pdf", "--today", "2026-08-01", "--json")
    assert result.code == 1
    report = result.json()
    assert (
        report["status"] == "suspended"
        and {"step": "status", "ok": False, "code": "SUSPENDED"}.items()
        <= next(s for s in report["steps"] if s["step"] == "status").items()
    )


def test_a_revoked_certificate_cannot_be_reinstated_from_the_command_line(cli, issued, reviewer):
    unconfirmed = cli("revoke", NUMBER, "--as", reviewer, "--reason", "severe_penalty", "--on", "2026-07-10")
    assert unconfirmed.code == 2 and "revocation confirms a suspension" in unconfirmed.err
    assert cli("suspend", NUMBER, "--as", reviewer, "--reason", "severe_penalty", "--on", "2026-07-10").code == 0
    assert cli("revoke", NUMBER, "--as", reviewer, "--reason", "处罚决定已生效", "--on", "2026-07-10").code == 0
    status = cli("certificate", "status", NUMBER, "--json").json()
    assert status["status"] == "revoked" and status["history"][-1]["reason"] == "severe_penalty"
    assert status["history"][-1]["note"] == "处罚决定已生效"
    result = cli("reinstate", NUMBER, "--as", reviewer, "--on", "2026-07-11")
    assert result.code == 2 and "revocation is final" in result.err


def test_bad_certificate_data_is_refused_naming_the_field(cli, tmp_path):
    assert cli("keys", "init").code == 0
    data = tmp_path / "bad.json"
    data.write_text(json.dumps(DATA | {"uscc": "91420103MA4KXX1250"}, ensure_ascii=False), encoding="utf-8")
    result = cli("certificate", "make", data, "--out", tmp_path / "out")
    assert result.code == 2 and "uscc='91420103MA4KXX1250'" in result.err and "position 18" in result.err


def test_keys_init_twice_is_refused_and_rotate_keeps_old_keys(cli, home):
    assert cli("keys", "init").code == 0
    assert cli("keys", "init").code == 2
    assert cli("keys", "rotate").code == 0
    shown = cli("keys", "show", "--json").json()
    assert [k["id"].rsplit("#")[1] for k in shown["keys"]] == ["key-1", "key-2"]
    assert shown["active"].endswith("#key-2") and shown["keys"][0]["retired"]


def web_client(home):
    from fastapi.testclient import TestClient

    from registry.settings import get_settings
    from web.app import create_app

    s = get_settings()
    return TestClient(create_app(s.out_path / "certificates", s.keys_path))


def test_the_verification_page_shows_business_programme_status_and_validity(issued, home):
    client = web_client(home)
    page = client.get(f"/verify/{NUMBER}")
    assert page.status_code == 200
    for text in (
        "武汉市江汉区长江百货商贸有限公司",
        "放心消费创建示范单位",
        "有效",
        "2026年7月1日 至 2028年6月30日",
        "鄂放心〔2026〕第420100-000123号",
    ):
        assert text in page.text
    assert "湖北省武汉市江汉区解放大道688号" in page.text  # the address printed on the certificate
    api = client.get(f"/api/verify/{NUMBER}").json()
    assert api["valid"] and api["certificate"]["business"] == "武汉市江汉区长江百货商贸有限公司"
    assert client.get("/api/verify/HB-FX-2026-420100-999999").status_code == 404
    assert client.get("/verify/not-a-number").status_code == 400


def test_the_site_serves_status_lists_and_verifies_an_uploaded_pdf(issued, home):
    client = web_client(home)
    status = client.get("/status/revocation").json()
    assert status["credentialSubject"]["statusPurpose"] == "revocation" and status["proof"]["proofValue"]
    assert client.get("/status/other").status_code == 404
    pdf = (issued / f"{NUMBER}.pdf").read_bytes()
    result = client.post("/api/verify", files={"file": ("c.pdf", pdf, "application/pdf")}).json()
    assert result["valid"] and result["number"] == NUMBER
    # the PDF signature covers every byte, document metadata such as /Title included
    forged = client.post("/api/verify", files={"file": ("c.pdf", pdf.replace(b"/Title", b"/Titl2"), "application/pdf")})
    assert not forged.json()["valid"] and forged.json()["status"] == "invalid"
    assert {"step": "pdf_signature", "ok": False, "code": "PDF_SIGNATURE_INVALID"}.items() <= next(
        s for s in forged.json()["steps"] if s["step"] == "pdf_signature"
    ).items()
    page = client.post("/verify", files={"file": ("c.pdf", pdf, "application/pdf")})
    assert "PDF 电子签章" in page.text and "PDF_SIGNATURE_OK" not in page.text  # codes in the JSON only
    html = client.post("/verify", files={"file": ("c.pdf", b"not a pdf", "application/pdf")})
    assert html.status_code == 200 and "该文件不是电子证书 PDF" in html.text and "无效" not in html.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def screenshot(chromium: str, url: str, png: Path, profile: Path) -> None:
    subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            "--window-size=1200,900",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=90,
    )


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_page_renders_chinese_in_a_real_headless_browser(issued, home, tmp_path):
    import uvicorn
    from PIL import Image, ImageChops

    from registry.settings import get_settings
    from web.app import create_app

    s = get_settings()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(s.out_path / "certificates", s.keys_path), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        page = tmp_path / "page.png"
        screenshot("chromium", f"http://127.0.0.1:{port}/verify/{NUMBER}", page, tmp_path / "profile")
        # The same page with the header's characters in another order: real glyphs differ, tofu boxes would not.
        from urllib.request import urlopen

        html = urlopen(f"http://127.0.0.1:{port}/verify/{NUMBER}").read().decode()
        shuffled = tmp_path / "shuffled.html"
        shuffled.write_text(html.replace("<h1>证书核验</h1>", "<h1>核验证书</h1>"), encoding="utf-8")
        reference = tmp_path / "reference.png"
        screenshot("chromium", shuffled.as_uri(), reference, tmp_path / "profile")
    finally:
        server.should_exit = True
        thread.join(10)
    header = (0, 0, 400, 70)
    shot = Image.open(page).convert("RGB")
    assert shot.size == (1200, 900)
    light = sum(1 for r, g, b in shot.crop(header).get_flattened_data() if r > 200 and g > 200 and b > 200)
    assert light > 300, "no white title text on the red header"
    red = sum(1 for r, g, b in shot.crop(header).get_flattened_data() if r > 140 and g < 60 and b < 60)
    assert red > 5000, "the red header is missing"
    diff = ImageChops.difference(shot.crop(header), Image.open(reference).convert("RGB").crop(header))
    assert diff.getbbox() is not None, "title characters render as identical boxes: no CJK font in the browser"
