"""From application to a delivered, verifiable certificate; issuance survives a crash at any step."""

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from certificates.status import bit, decode_bitstring
from registry.db import make_engine
from registry.settings import get_settings
from registry.workflow_models import Certificate
from tests.conftest import sqlite_all_postgresql_one
from tests.flows.conftest import apply_online, approve_all_stages
from web.app import create_app

pytestmark = pytest.mark.usefixtures("prefect_harness")
PUBLISHED, AFTER_WINDOW = "2026-07-01", "2026-07-10"


def _announced(cli, shops, reviewers) -> int:
    n = apply_online(cli, shops["good"])["id"]
    approve_all_stages(cli, n)
    assert cli("announce", "--program", "model_unit", "--on", PUBLISHED).code == 0
    return n


def _certificates():
    with make_engine(get_settings().db_url).connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(Certificate.application_id, Certificate.number, Certificate.serial, Certificate.status)
            )
        ]


def test_an_eligible_applicant_gets_a_certificate_in_the_outbox_and_the_mailbox(
    cli, shops, reviewers, smtp_server, monkeypatch
):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    n = _announced(cli, shops, reviewers)
    early = cli("issue", "--today", "2026-07-03", "--json")
    assert early.code == 0 and early.json() == []  # still inside the announcement window
    issued = cli("issue", "--today", AFTER_WINDOW, "--json").json()
    assert [(r["application_id"], r["status"]) for r in issued] == [(n, "issued")]
    number = issued[0]["number"]
    pdf = get_settings().outbox_path / shops["good"] / f"{number}.pdf"
    text = PdfReader(pdf).pages[0].extract_text()
    assert "武汉放心超市有限公司" in text and "放心消费创建示范单位" in text
    [mail] = smtp_server.messages
    assert "放心消费创建示范单位证书" in mail["Subject"]
    attached = {p.get_filename(): p.get_content() for p in mail.iter_attachments()}
    assert attached[f"{number}.pdf"] == pdf.read_bytes()
    shown = cli("applications", "show", n, "--json").json()
    assert shown["status"] == "issued" and shown["certificate_number"] == number
    for target in (number, pdf):  # by number (the registry's twin) and the delivered PDF itself
        verified = cli("verify", target, "--today", AFTER_WINDOW, "--json")
        assert verified.code == 0 and verified.json()["valid"] and verified.json()["status"] == "valid"
    assert cli("suspend", number, "--as", "county-a", "--reason", "complaint_spike", "--on", AFTER_WINDOW).code == 0
    suspended = cli("verify", pdf, "--today", AFTER_WINDOW, "--json")
    assert suspended.code == 1 and suspended.json()["status"] == "suspended"


def test_an_open_objection_holds_issuance_until_resolved(cli, shops, reviewers):
    n = _announced(cli, shops, reviewers)
    assert cli("object", n, "--reason", "门店未公示退货规则", "--on", "2026-07-02").code == 0
    late = cli("object", n, "--reason", "too late", "--on", "2026-07-20")
    assert late.code == 2 and "window closed" in late.err
    assert cli("issue", "--today", AFTER_WINDOW, "--json").json() == []
    [objection] = cli("objections", "list", "--json").json()
    assert (
        cli("objections", "resolve", objection["id"], "--as", "province-a", "--uphold", "--comment", "核查属实").code
        == 0
    )
    shown = cli("applications", "show", n, "--json").json()
    assert (shown["status"], shown["stage"], shown["review_round"]) == ("in_review", "county", 2)


def test_an_objection_ruling_gets_the_same_region_tie_and_stage_checks_as_a_review_decision(cli, shops, reviewers):
    n = _announced(cli, shops, reviewers)
    assert cli("object", n, "--reason", "门店未公示退货规则", "--on", "2026-07-02").code == 0
    [objection] = cli("objections", "list", "--json").json()
    for name, stage, region, ties in (
        ("province-hunan", "province", "43", []),
        ("province-tied", "province", "42", ["--tie", shops["good"]]),
    ):
        assert cli("accounts", "add", name, "--stage", stage, "--region", region, *ties).code == 0
    for name, words in (
        ("city-a", "needs a province-stage reviewer"),
        ("province-hunan", "covers region 43"),
        ("province-tied", "is tied to"),
    ):
        ruling = cli("objections", "resolve", objection["id"], "--as", name, "--dismiss", "--comment", "不属实")
        assert ruling.code == 2 and words in ruling.err, (name, ruling.err)
    assert cli("objections", "list", "--json").json()[0]["status"] == "open"
    ok = cli("objections", "resolve", objection["id"], "--as", "province-a", "--dismiss", "--comment", "不属实")
    assert ok.code == 0, ok.err


@pytest.mark.parametrize(
    "failpoint",
    sqlite_all_postgresql_one(["issue.after_reserve", "issue.after_sign", "issue.after_files"], "issue.after_reserve"),
)
def test_a_crash_during_issuance_then_a_rerun_gives_one_certificate_with_the_same_number(
    cli, shops, reviewers, subprocess_env, failpoint
):
    n = _announced(cli, shops, reviewers)
    crashed = subprocess.run(
        [sys.executable, "-m", "flows", "issue", "--today", AFTER_WINDOW],
        env={**subprocess_env, "ASSURED_FAILPOINTS": failpoint},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert crashed.returncode == 137, crashed.stderr
    [(app_id, number, serial, status)] = _certificates()  # reserved before anything was signed
    assert app_id == n and status == "reserved"
    rerun = subprocess.run(
        [sys.executable, "-m", "flows", "issue", "--today", AFTER_WINDOW, "--json"],
        env=subprocess_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert [(r["application_id"], r["number"]) for r in json.loads(rerun.stdout)] == [(n, number)]
    assert _certificates() == [(n, number, serial, "valid")]
    again = cli("issue", "--today", AFTER_WINDOW, "--json")
    assert again.json() == [] and _certificates() == [(n, number, serial, "valid")]
    with make_engine(get_settings().db_url).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Certificate)) == 1


def _bit(client, purpose: str, twin: dict) -> bool:
    answer = client.get(f"/status/{purpose}")
    assert answer.status_code == 200, answer.text
    entry = next(e for e in twin["credentialStatus"] if e["statusPurpose"] == purpose)
    return bit(decode_bitstring(answer.json()["credentialSubject"]["encodedList"]), int(entry["statusListIndex"]))


def test_both_status_lists_resolve_right_after_the_first_issuance_and_flip_on_revocation(cli, shops, reviewers):
    _announced(cli, shops, reviewers)
    [issued] = cli("issue", "--today", AFTER_WINDOW, "--json").json()
    number = issued["number"]
    s = get_settings()
    client = TestClient(create_app(s.out_path / "certificates", s.keys_path))
    twin = json.loads((s.outbox_path / shops["good"] / f"{number}.vc.json").read_text(encoding="utf-8"))
    assert (_bit(client, "revocation", twin), _bit(client, "suspension", twin)) == (False, False)
    assert cli("suspend", number, "--as", "county-a", "--reason", "complaint_spike", "--on", AFTER_WINDOW).code == 0
    assert _bit(client, "suspension", twin) is True
    assert cli("revoke", number, "--as", "province-a", "--reason", "complaint_spike", "--on", AFTER_WINDOW).code == 0
    assert _bit(client, "revocation", twin) is True
