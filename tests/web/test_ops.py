"""`/healthz` and `/metrics`: what a bureau's monitoring reads, through the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from registry.settings import get_settings
from web.app import MAX_BODY, create_app


def _app() -> TestClient:
    s = get_settings()
    return TestClient(create_app(s.out_path / "certificates", s.keys_path))


def _samples(client: TestClient) -> dict[tuple, float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_healthz_is_503_until_the_database_and_the_keys_are_there(cli, home):
    client = _app()
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "checks": {"database": False, "keys": False}}
    assert cli("init").code == 0
    assert client.get("/healthz").json()["checks"] == {"database": True, "keys": False}
    assert cli("keys", "init").code == 0
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "checks": {"database": True, "keys": True}}


def test_metrics_count_requests_verifications_sign_in_failures_and_refused_uploads(cli, accounts):
    assert cli("keys", "init").code == 0
    client = _app()
    assert client.get("/verify/HB-FX-2026-420000-999999").status_code == 404
    assert client.get("/verify/HB-FX-2026-420000-999998").status_code == 404
    forged = client.post("/api/verify", files={"file": ("x.pdf", b"%PDF-1.7 not a certificate", "application/pdf")})
    code = next(s["code"] for s in forged.json()["steps"] if not s["ok"])
    assert client.post("/api/login", json={"username": "county-a", "password": "wrong password"}).status_code == 401
    big = client.post("/api/verify", content=b"x" * (MAX_BODY + 1), headers={"content-type": "application/pdf"})
    assert big.status_code == 413
    seen = _samples(client)
    get, post = (("method", "GET"),), (("method", "POST"),)
    assert seen[("assured_http_requests_total", (*get, ("route", "/verify/{number}"), ("status", "404")))] == 2
    assert seen[("assured_http_requests_total", (*post, ("route", "/api/login"), ("status", "401")))] == 1
    assert seen[("assured_http_request_duration_seconds_count", (("route", "/verify/{number}"),))] == 2
    assert seen[("assured_verifications_total", (("code", "NOT_FOUND"),))] == 2
    assert seen[("assured_verifications_total", (("code", code),))] == 1
    assert seen[("assured_sign_in_failures_total", ())] == 1
    assert seen[("assured_uploads_refused_total", (("reason", "too_large"),))] == 1


def test_each_app_counts_its_own_requests(home):
    first, second = _app(), _app()
    for _ in range(3):
        first.get("/healthz")
    second.get("/healthz")
    key = ("assured_http_requests_total", (("method", "GET"), ("route", "/healthz"), ("status", "503")))
    assert _samples(first)[key] == 3 and _samples(second)[key] == 1
