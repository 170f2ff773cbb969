"""The verification site and `assured verify` under hostile input: bounded memory, FORMAT_* codes
(never a 500 or a traceback), a worker thread so other requests keep being answered, a rate limit,
no note in public answers, lookups counted per certificate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient

from checks.calendar import today
from registry.db import open_registry
from registry.lookups import frequent_lookups
from registry.settings import get_settings
from tests.certificates.hostile import inflating_twin, nested_twin, pdf_with_twin, twin_with_integer_valid_from
from tests.certificates.test_cert_cli_web import NUMBER, free_port, issued, reviewer  # noqa: F401 (fixtures)
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def _client() -> TestClient:
    s = get_settings()
    return TestClient(create_app(s.out_path / "certificates", s.keys_path))


def _format_code(report: dict) -> str:
    [step] = report["steps"]
    assert step["step"] == "format" and not step["ok"] and not report["valid"]
    return step["code"]


def test_the_cli_gives_format_codes_for_hostile_twins_never_a_traceback(cli, issued, tmp_path):  # noqa: F811
    genuine = json.loads((issued / f"{NUMBER}.json").read_text(encoding="utf-8"))
    cases = {
        "nested.vc.json": (nested_twin(), "FORMAT_TOO_DEEP"),
        "integer.vc.json": (twin_with_integer_valid_from(genuine), "FORMAT_INVALID"),
        "inflating.pdf": (inflating_twin(), "FORMAT_TOO_LARGE"),
        "nested.pdf": (pdf_with_twin(nested_twin()), "FORMAT_TOO_DEEP"),
        "integer.pdf": (pdf_with_twin(twin_with_integer_valid_from(genuine)), "FORMAT_INVALID"),
    }
    for name, (data, code) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = cli("verify", path, "--json")
        assert result.code == 1 and "Traceback" not in result.err, (name, result.err)
        assert _format_code(result.json()) == code, name


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def server(issued):  # noqa: F811
    """`assured web` in its own process, so its memory is its own."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows", "web", "--port", str(port)], cwd=ROOT, env=os.environ.copy()
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{base}/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield base, proc.pid
    proc.terminate()
    proc.wait(10)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's peak memory from /proc")
def test_hostile_uploads_get_format_codes_with_the_server_under_300_mb_and_others_answered(server):
    base, pid = server
    uploads = {
        "inflating": (inflating_twin(), "FORMAT_TOO_LARGE"),
        "nested": (pdf_with_twin(nested_twin()), "FORMAT_TOO_DEEP"),
    }
    for name, (pdf, code) in uploads.items():
        answer = requests.post(f"{base}/api/verify", files={"file": ("c.pdf", pdf, "application/pdf")}, timeout=30)
        assert answer.status_code == 200, (name, answer.text)
        assert _format_code(answer.json()) == code, name
    # while bad uploads near the size limit stream in and are verified, a lookup is answered
    # without waiting for them: each upload (150,000 empty objects, 3.8 MB) takes the verifier
    # ~0.7 s, measured here alone; a lookup queued behind one would wait about that long, while
    # one that only shares the interpreter with the verifying threads takes a fraction of it
    heavy = pdf_with_twin(b"{}", compress=False) + b"".join(b"%d 0 obj\n<< >>\nendobj\n" % i for i in range(150_000))

    def upload() -> float:
        start = time.perf_counter()
        requests.post(f"{base}/api/verify", files={"file": ("c.pdf", heavy, "application/pdf")}, timeout=30)
        return time.perf_counter() - start

    alone = min(upload() for _ in range(2))
    done = threading.Event()

    def upload_repeatedly() -> None:
        while not done.is_set():
            upload()

    workers = [threading.Thread(target=upload_repeatedly) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        time.sleep(0.5)
        latencies = []
        for _ in range(10):
            start = time.perf_counter()
            assert requests.get(f"{base}/api/verify/{NUMBER}", timeout=5).status_code == 200
            latencies.append(time.perf_counter() - start)
            time.sleep(0.05)
    finally:
        done.set()
        for w in workers:
            w.join(30)
    median = sorted(latencies)[len(latencies) // 2]
    assert median < alone / 2, (alone, latencies)
    peak = _peak_rss_mib(pid)
    print(
        f"server peak RSS {peak:.0f} MiB; one upload alone {alone * 1000:.0f} ms; "
        f"lookup latencies {[round(x * 1000) for x in latencies]} ms"
    )
    assert peak < 300


def test_a_suspension_note_with_phone_and_id_numbers_is_not_in_public_answers(cli, issued, reviewer):  # noqa: F811
    note = "消费者电话13812345678，身份证420102199001011234"
    assert (
        cli(
            "suspend", NUMBER, "--as", reviewer, "--reason", "complaint_spike", "--note", note, "--on", "2026-07-10"
        ).code
        == 0
    )
    client = _client()
    api = client.get(f"/api/verify/{NUMBER}")
    page = client.get(f"/verify/{NUMBER}")
    english = client.get(f"/verify/{NUMBER}?lang=en")
    for text in (api.text, page.text, english.text):
        assert "13812345678" not in text and "420102199001011234" not in text
    assert api.json()["certificate"]["reason"] == {
        "code": "complaint_spike",
        "zh": "投诉显著增加",
        "en": "complaint spike",
    }
    assert "投诉显著增加" in page.text and "已暂停" in page.text
    assert "complaint spike" in english.text and "Suspended" in english.text and 'lang="en"' in english.text


def test_a_client_past_the_rate_limit_gets_429(issued, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ASSURED_VERIFY_RATE_PER_MINUTE", "3")
    get_settings.cache_clear()
    client = _client()
    answers = [client.get(f"/api/verify/{NUMBER}").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


def test_each_lookup_is_counted_and_a_certificate_checked_unusually_often_is_listed(issued):  # noqa: F811
    client = _client()
    for _ in range(25):
        assert client.get(f"/verify/{NUMBER}").status_code == 200
    with open_registry(get_settings().db_url)() as session:
        [row] = frequent_lookups(session, today())
    assert row["number"] == NUMBER and row["lookups"] == 25
