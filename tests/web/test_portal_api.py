"""The business portal's JSON API: one-time codes to the address on record, a business sees only
its own USCC, online applications through the `application` flow, documents answered by type
from their bytes, bounded, without metadata and stored once."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from registry.db import begin_write, open_registry
from registry.models import Registration
from registry.settings import get_settings
from registry.workflow_models import ApplicationDocument, AuditEntry
from tests.flows.conftest import subprocess_env  # noqa: F401  (fixture)
from tests.web.conftest import login

pytestmark = pytest.mark.usefixtures("prefect_harness")  # the Assessor's flow runs: one server for all

COMMITMENTS = ["displayed", "advance_compensation", "first_inquiry_responsibility", "service_station"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _code_for(uscc: str) -> str:
    [latest] = sorted((get_settings().outbox_path / uscc).glob("portal-code-*.txt"))[-1:]
    return re.search(r"验证码为 (\d{6})", latest.read_text(encoding="utf-8")).group(1)


def portal_login(client, uscc: str) -> str:
    assert client.post("/api/portal/code", json={"uscc": uscc}).status_code == 202
    response = client.post("/api/portal/login", json={"uscc": uscc, "code": _code_for(uscc)})
    assert response.status_code == 200, response.text
    return response.json()["csrf"]


def signed_in_session(client, uscc: str) -> tuple[dict, str]:
    """`uscc` signed in afresh: its session cookie and CSRF token, for a client of its own."""
    client.cookies.clear()
    csrf = portal_login(client, uscc)
    return {"assured_portal": client.cookies["assured_portal"]}, csrf


async def apply_at_once(app, requests: list[tuple[dict, str, dict]]) -> list[httpx.Response]:
    """Each (cookies, csrf, body) submitted at the same moment through the ASGI app, each by a
    client of its own (they share the flow runs)."""
    transport = httpx.ASGITransport(app=app)
    clients = [
        httpx.AsyncClient(transport=transport, base_url="http://testserver", cookies=cookies, timeout=120)
        for cookies, _, _ in requests
    ]
    try:
        return await asyncio.gather(
            *(
                c.post("/api/portal/applications", json=body, headers={"X-CSRF-Token": csrf})
                for c, (_, csrf, body) in zip(clients, requests, strict=True)
            )
        )
    finally:
        for c in clients:
            await c.aclose()


def _apply(client, csrf: str, program: str = "model_unit") -> dict:
    response = client.post(
        "/api/portal/applications",
        json={"program": program, "return_days": 15, "commitments": COMMITMENTS, "accept": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _upload(client, csrf: str, app_id: int, data: bytes, name: str = "营业执照.pdf", **form):
    return client.post(
        f"/api/portal/applications/{app_id}/documents",
        files={"file": (name, data, "application/pdf")},
        data={"note": "补充材料", **form},
        headers={"X-CSRF-Token": csrf},
    )


@pytest.fixture
def pending(client, shops):
    """The unclassified shop (no credit class: V4 pending) signed in, its application waiting for data."""
    csrf = portal_login(client, shops["unclassified"])
    app = _apply(client, csrf)
    assert app["status"] == "pending_data", app
    return csrf, app["application_id"]


def test_a_business_signs_in_with_the_code_sent_to_its_address_and_applies(client, shops):
    csrf = portal_login(client, shops["good"])
    assert "assured_portal" in client.cookies
    app = _apply(client, csrf)
    assert app["status"] == "in_review"
    listed = client.get("/api/portal/applications").json()["items"]
    assert [a["application_id"] for a in listed] == [app["application_id"]]
    detail = client.get(f"/api/portal/applications/{app['application_id']}").json()
    actions = [step["action"] for step in detail["timeline"]]
    assert actions[:3] == ["application.submitted", "application.commitments_accepted", "assessment.stored"]
    assert actions[-1] == "application.in_review"
    assert detail["can_answer"] is False


def test_an_online_application_with_a_bad_field_is_422_naming_it(client, shops):
    csrf = portal_login(client, shops["good"])
    response = client.post(
        "/api/portal/applications",
        json={"program": "model_unit", "commitments": ["free_lunch"], "accept": True},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422 and "commitments" in response.text and "free_lunch" in response.text
    wrong = client.post("/api/portal/applications", json={"program": "model_unit"})
    assert wrong.status_code == 403  # no CSRF token


def test_another_business_sees_nothing_of_it(client, shops, pending):
    csrf, app_id = pending
    assert _upload(client, csrf, app_id, PDF).status_code == 201
    [doc] = client.get(f"/api/portal/applications/{app_id}").json()["documents"]
    client.cookies.clear()
    portal_login(client, shops["good"])
    assert client.get(f"/api/portal/applications/{app_id}").status_code == 404
    assert client.get(f"/api/portal/applications/{app_id}/documents/{doc['id']}").status_code == 404
    assert client.get("/api/portal/applications").json()["items"] == []


def test_business_and_staff_sessions_do_not_open_each_others_doors(client, shops, accounts):
    portal_login(client, shops["good"])
    assert client.get("/api/worklist").status_code == 401
    assert client.get("/review", follow_redirects=False).status_code in (302, 303)
    client.cookies.clear()
    login(client, "county-a")
    assert client.get("/api/portal/applications").status_code == 401


def test_codes_expire_are_used_once_and_allow_five_tries(client, shops, monkeypatch):
    uscc = shops["good"]
    assert client.post("/api/portal/code", json={"uscc": uscc}).status_code == 202
    code = _code_for(uscc)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert client.post("/api/portal/login", json={"uscc": uscc, "code": wrong}).status_code == 401
    assert client.post("/api/portal/login", json={"uscc": uscc, "code": code}).status_code == 401  # spent
    assert client.post("/api/portal/code", json={"uscc": uscc}).status_code == 202
    code = _code_for(uscc)
    assert client.post("/api/portal/login", json={"uscc": uscc, "code": code}).status_code == 200
    assert client.post("/api/portal/login", json={"uscc": uscc, "code": code}).status_code == 401  # used
    monkeypatch.setenv("ASSURED_PORTAL_CODE_MINUTES", "0")
    get_settings.cache_clear()
    assert client.post("/api/portal/code", json={"uscc": uscc}).status_code == 202
    assert client.post("/api/portal/login", json={"uscc": uscc, "code": _code_for(uscc)}).status_code == 401


def test_code_requests_are_rate_limited_per_uscc(client, shops):
    for _ in range(3):
        assert client.post("/api/portal/code", json={"uscc": shops["good"]}).status_code == 202
    assert client.post("/api/portal/code", json={"uscc": shops["good"]}).status_code == 429
    assert client.post("/api/portal/code", json={"uscc": shops["abnormal"]}).status_code == 202


def test_an_unknown_uscc_and_one_without_an_address_get_the_same_answer_and_nothing_is_sent(client, shops):
    from checks.uscc import make_uscc

    unknown = make_uscc("420102", "MA999999")
    answers = {client.post("/api/portal/code", json={"uscc": u}).text for u in (shops["good"], unknown)}
    with begin_write(open_registry(get_settings().db_url)) as session:
        session.get(Registration, shops["abnormal"]).contact_email = ""
    answers.add(client.post("/api/portal/code", json={"uscc": shops["abnormal"]}).text)
    assert len(answers) == 1
    outbox = get_settings().outbox_path
    assert not (outbox / unknown).exists() and not (outbox / shops["abnormal"]).exists()
    with open_registry(get_settings().db_url)() as session:
        logged = session.scalar(select(AuditEntry).where(AuditEntry.action == "portal.code_not_sent"))
    assert logged.entity_id == shops["abnormal"] and logged.detail["reason"] == "no contact address on record"
    bad = client.post("/api/portal/code", json={"uscc": "91420102MA0000000X"})
    assert bad.status_code == 400 and "uscc" in bad.text


def test_an_answered_request_goes_back_to_assessment_and_reviewers_of_its_region_only_see_it(
    client, shops, accounts, pending
):
    csrf, app_id = pending
    response = _upload(client, csrf, app_id, PDF)
    assert response.status_code == 201 and response.json()["status"] == "pending_data"  # still no credit class
    doc_id = response.json()["id"]
    client.cookies.clear()
    login(client, "county-a")  # region 420102: the shop is in 420106
    assert client.get(f"/api/applications/{app_id}/documents/{doc_id}").status_code == 404
    client.cookies.clear()
    login(client, "super-county")  # a supervisor of the whole province
    got = client.get(f"/api/applications/{app_id}/documents/{doc_id}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"
    [shown] = client.get(f"/api/applications/{app_id}").json()["documents"]
    assert shown["filename"] == "营业执照.pdf" and shown["type"] == "application/pdf"


def test_an_executable_named_pdf_is_415_and_a_file_over_the_limit_413(client, pending):
    csrf, app_id = pending
    exe = _upload(client, csrf, app_id, b"MZ\x90\x00" + b"\x00" * 200, "invoice.pdf")
    assert exe.status_code == 415, exe.text
    big = _upload(client, csrf, app_id, b"%PDF-" + b"0" * (10 * 1024 * 1024 - 4))
    assert big.status_code == 413
    with open_registry(get_settings().db_url)() as session:
        assert session.scalar(select(func.count()).select_from(ApplicationDocument)) == 0


def test_a_50_mb_body_is_refused_by_its_length_before_it_is_read(client, pending):
    csrf, app_id = pending
    response = client.post(
        f"/api/portal/applications/{app_id}/documents",
        content=b"0" * (50 * 1024 * 1024),
        headers={"X-CSRF-Token": csrf, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert response.status_code == 413


def test_a_photo_is_stored_without_its_gps_and_the_same_file_twice_once(client, pending):
    csrf, app_id = pending
    img = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 35.0, 0.0), 4: (114.0, 18.0, 0.0)}  # GPSInfo: latitude, longitude
    exif[0x010F] = "PhoneMaker"
    raw = io.BytesIO()
    img.save(raw, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(raw.getvalue())).getexif().get_ifd(0x8825)
    first = _upload(client, csrf, app_id, raw.getvalue(), "门头照.jpg", resubmit="false")
    second = _upload(client, csrf, app_id, raw.getvalue(), "门头照-副本.jpg", resubmit="false")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] and second.json()["new"] is False
    stored = (get_settings().uploads_path / first.json()["sha256"][:2] / first.json()["sha256"]).read_bytes()
    clean = Image.open(io.BytesIO(stored))
    assert clean.format == "JPEG" and clean.size == (64, 48)
    assert not clean.getexif() and b"PhoneMaker" not in stored


def test_a_crash_between_storing_the_file_and_recording_it_leaves_one_file_and_one_row(
    client,
    pending,
    subprocess_env,  # noqa: F811
):
    csrf, app_id = pending
    script = (
        "import sys; from registry.db import begin_write, open_registry; from registry.settings import get_settings;"
        "from registry import uploads; from registry.workflow_models import Application;"
        "s = get_settings();"
        "session_cm = begin_write(open_registry(s.db_url)); session = session_cm.__enter__();"
        f"uploads.store(session, session.get(Application, {app_id}), sys.stdin.buffer.read(), 'a.pdf', '', 'x', s)"
    )
    env = {**subprocess_env, "ASSURED_FAILPOINTS": "upload.after_store"}
    crashed = subprocess.run([sys.executable, "-c", script], input=PDF, env=env, capture_output=True)
    assert crashed.returncode == 137, crashed.stderr
    files = [p for p in get_settings().uploads_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and not [p for p in files if p.name.startswith(".")]
    retry = _upload(client, csrf, app_id, PDF, resubmit="false")
    assert retry.status_code == 201 and retry.json()["new"] is True
    assert [p for p in get_settings().uploads_path.rglob("*") if p.is_file()] == files
    with open_registry(get_settings().db_url)() as session:
        assert session.scalar(select(func.count()).select_from(ApplicationDocument)) == 1


def test_a_business_withdraws_its_open_application(client, shops, pending):
    csrf, app_id = pending
    assert client.post(f"/api/portal/applications/{app_id}/withdraw").status_code == 403
    response = client.post(f"/api/portal/applications/{app_id}/withdraw", headers={"X-CSRF-Token": csrf})
    assert response.json() == {"application_id": app_id, "status": "withdrawn"}
    again = client.post(f"/api/portal/applications/{app_id}/withdraw", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409
    assert _upload(client, csrf, app_id, PDF).status_code == 403


def test_the_commitment_letter_must_be_accepted_and_its_hash_is_recorded(client, shops):
    import hashlib

    from pypdf import PdfReader

    csrf = portal_login(client, shops["good"])
    refused = client.post(
        "/api/portal/applications",
        json={"program": "model_unit", "commitments": COMMITMENTS},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422 and "accept" in refused.text
    letter = client.get("/api/portal/letter", params={"program": "model_unit"})
    assert letter.status_code == 200 and letter.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages)
    assert "放心消费创建示范单位承诺书" in text and "先行赔付" in text and shops["good"] in text
    app = _apply(client, csrf)
    with open_registry(get_settings().db_url)() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "application.commitments_accepted"))
    assert entry.entity_id == str(app["application_id"]) and entry.actor == f"account:business:{shops['good']}"
    assert entry.detail["letter_sha256"] == hashlib.sha256(letter.content).hexdigest()


def test_with_smtp_the_code_is_also_mailed_to_the_address_on_record(client, shops, monkeypatch, smtp_server):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    assert client.post("/api/portal/code", json={"uscc": shops["good"]}).status_code == 202
    [msg] = smtp_server.messages
    assert msg["To"] == f"{shops['good'].lower()}@example.cn"
    assert _code_for(shops["good"]) in msg.get_content()
