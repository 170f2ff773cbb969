"""Dynamic management: the recheck suspends, warns, expires and clears; reviewers revoke and
reinstate; a renewal supersedes. Real Prefect engine, real registry, real PDFs, real SMTP."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from certificates.status import bit, decode_bitstring
from registry.db import make_engine
from registry.settings import get_settings
from registry.workflow_models import AuditEntry, Certificate, CertificateStatusChange, Delivery, MonitoringFinding
from tests.flows.conftest import apply_online, approve_all_stages
from tests.support.certificates import ready_for_manual_issuance

pytestmark = pytest.mark.usefixtures("prefect_harness")
ISSUED_ON = "2026-07-10"


def _certified(cli, shops) -> str:
    """`good` applies, passes every stage and the announcement, and is issued a certificate."""
    n = apply_online(cli, shops["good"])["id"]
    approve_all_stages(cli, n)
    assert cli("announce", "--program", "model_unit", "--on", "2026-07-01").code == 0
    [issued] = cli("issue", "--today", ISSUED_ON, "--json").json()
    return issued["number"]


def _made(cli, shops, tmp_path) -> str:
    """A certificate for `good` made by hand (`certificate make`): quicker than the whole workflow,
    which the tests that need it (the renewal, the first one) still go through."""
    assert cli("keys", "init").code == 0
    data = tmp_path / "certificate.json"
    data.write_text(
        json.dumps(
            {
                "programme": "model_unit",
                "number": "HB-FX-2026-420000-000001",
                "business_name": "武汉放心超市有限公司",
                "uscc": shops["good"],
                "address": "武汉市江岸区中山大道1号",
                "issued_on": ISSUED_ON,
                "valid_from": ISSUED_ON,
                "valid_until": "2028-07-09",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    ready_for_manual_issuance(shops["good"], "武汉放心超市有限公司")
    made = cli("certificate", "make", data, "--out", tmp_path / "made", "--json", "--as", "admin")
    assert made.code == 0, made.err
    return made.json()["number"]


def _ingest(cli, tmp_path, kind: str, rows: list[dict]) -> None:
    folder = tmp_path / f"later-{kind}-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    (folder / f"{kind}.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    result = cli("ingest", folder)
    assert result.code == 0, result.err


def _recheck(cli, on: str) -> dict:
    result = cli("recheck", "--as-of", on, "--json")
    assert result.code == 0, result.err
    return result.json()


def _status(cli, number: str, today: str) -> str:
    return cli("verify", number, "--today", today, "--json").json()["status"]


def _pdf_text(path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def _count(model, *where) -> int:
    with make_engine(get_settings().db_url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _in_published_suspension_list(number: str) -> bool:
    """The certificate's bit in the suspension list file as published (not as the register says)."""
    with make_engine(get_settings().db_url).connect() as conn:
        index = conn.execute(select(Certificate.status_index).where(Certificate.number == number)).scalar_one()
    path = get_settings().out_path / "certificates" / "status" / "suspension.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    return bool(bit(decode_bitstring(doc["credentialSubject"]["encodedList"]), index))


def _status_lists_line(cli) -> str:
    [line] = [x for x in cli("doctor").out.splitlines() if "status lists:" in x]
    return line


def _complaints(uscc: str, received: list[str]) -> list[dict]:
    """Complaints settled two days after receipt (no V6, full reconciliation)."""
    return [
        {
            "complaint_id": f"C-{uscc[-6:]}-{i}",
            "uscc": uscc,
            "kind": "complaint",
            "channel": "12315",
            "received_on": day,
            "category": "商品质量",
            "status": "reconciled",
            "closed_on": (dt.date.fromisoformat(day) + dt.timedelta(days=2)).isoformat(),
            "amount_yuan": 100.0,
            "recovered_yuan": 100.0,
            "text": "退货纠纷，已和解",
        }
        for i, day in enumerate(received)
    ]


def test_a_severe_penalty_suspends_at_the_next_recheck_then_revocation_is_final(
    cli, shops, reviewers, tmp_path, smtp_server, monkeypatch
):
    monkeypatch.setenv("ASSURED_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("ASSURED_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    good = shops["good"]
    number = _certified(cli, shops)
    quiet = _recheck(cli, "2026-07-20")
    assert quiet["certificates"] == 1 and quiet["actions"] == {} and _status(cli, number, "2026-07-20") == "valid"

    _ingest(
        cli,
        tmp_path,
        "penalties",
        [
            {
                "decision_no": "鄂市监罚〔2026〕77号",
                "uscc": good,
                "decided_on": "2026-07-25",
                "authority": "武汉市市场监督管理局",
                "procedure": "general",
                "kinds": ["fine", "suspension"],
                "fine_yuan": 200000.0,
                "category": "food",
                "violation": "销售不符合食品安全标准的食品",
                "repaired_on": None,
                "revoked_on": None,
            }
        ],
    )
    result = _recheck(cli, "2026-08-01")
    assert result["previous"] == "2026-07-20" and result["actions"] == {"suspended": 1}
    [finding] = [f for f in result["findings"] if f["action"] == "suspended"]
    assert (finding["check_id"], finding["reason_code"]) == ("V5", "severe_penalty")
    assert "鄂市监罚〔2026〕77号" in finding["evidence"]
    assert _status(cli, number, "2026-08-01") == "suspended"
    notice = get_settings().outbox_path / good / f"{number}-suspended-2026-08-01.pdf"
    text = _pdf_text(notice)
    assert (
        "关于暂停" in text
        and "证书的通知书" in text
        and "鄂市监消〔2026〕" in text
        and "鄂市监罚" in text
        and "严重行政处罚" in text
    )
    mails = [m for m in smtp_server.messages if "暂停" in m["Subject"]]
    assert len(mails) == 1 and mails[0]["To"] == f"{good.lower()}@example.cn"
    folder = get_settings().out_path / "rechecks" / "2026-08-01"
    worklist = (folder / "findings.csv").read_text(encoding="utf-8")
    assert worklist.startswith("\ufeff统一社会信用代码,证书编号,项目代码,检查项代码")  # BOM, Chinese headers
    assert "V5" in worklist and number in worklist
    assert "| 检查项代码 | `check_id` |" in (folder / "README.md").read_text(encoding="utf-8")

    # the same recheck again (as after a crash): nothing twice
    again = _recheck(cli, "2026-08-01")
    assert again["findings"] == result["findings"]
    assert _count(CertificateStatusChange, CertificateStatusChange.status == "suspended") == 1
    assert len([m for m in smtp_server.messages if "暂停" in m["Subject"]]) == 1

    refused = cli("reinstate", number, "--as", "county-a", "--on", "2026-08-02")
    assert refused.code == 2 and "V5" in refused.err
    not_final_stage = cli("revoke", number, "--as", "county-a", "--reason", "处罚属实")
    assert not_final_stage.code == 2 and "province-stage reviewer" in not_final_stage.err
    revoked = cli(
        "revoke", number, "--as", "province-a", "--reason", "经核查处罚属实，撤销称号", "--on", "2026-08-05", "--json"
    )
    assert revoked.code == 0, revoked.err
    assert revoked.json()["status"] == "revoked" and revoked.json()["reason"] == "severe_penalty"
    assert _status(cli, number, "2026-08-05") == "revoked"
    assert "证书的决定书" in _pdf_text(get_settings().outbox_path / good / f"{number}-revoked-2026-08-05.pdf")
    assert cli("reinstate", number, "--as", "province-a").code == 2
    published = cli("publish", "--out", tmp_path / "public", "--as-of", "2026-08-31")
    assert published.code == 0, published.err
    black = json.loads((tmp_path / "public" / "black_list.json").read_text(encoding="utf-8"))["items"]
    [entry] = [e for e in black if e["certificate_number"] == number]
    assert (entry["uscc"], entry["reason_code"], entry["listed_on"]) == (good, "severe_penalty", "2026-08-05")
    red = json.loads((tmp_path / "public" / "red_list.json").read_text(encoding="utf-8"))["items"]
    assert number not in {e["number"] for e in red}
    later = _recheck(cli, "2026-09-01")
    assert later["certificates"] == 0  # a revoked title is no longer watched
    actions = {e.action for e in _audit()}
    assert {"certificate.suspended", "certificate.revoked", "notice.written"} <= actions
    assert cli("audit", "verify").code == 0


def _audit():
    from sqlalchemy.orm import Session

    with Session(make_engine(get_settings().db_url)) as s:
        return list(s.scalars(select(AuditEntry)))


def test_a_complaint_spike_warns_then_suspends_if_it_persists_and_reinstates_once_cleared(
    cli, shops, reviewers, tmp_path
):
    good = shops["good"]
    number = _made(cli, shops, tmp_path)
    # six complaints in late July against no history: 6 ≥ 3 × (6 / 12) and ≥ 5
    _ingest(cli, tmp_path, "complaints", _complaints(good, [f"2026-07-{d}" for d in (20, 21, 22, 24, 26, 28)]))
    first = _recheck(cli, "2026-08-01")
    [warning] = [f for f in first["findings"] if f["check_id"] == "recheck.complaint_spike"]
    assert warning["action"] == "warned" and "近30天收到投诉6件" in warning["reason_zh"]
    assert _status(cli, number, "2026-08-01") == "valid"

    second = _recheck(cli, "2026-08-15")  # the same six are still within 30 days
    [suspended] = [f for f in second["findings"] if f["action"] == "suspended"]
    assert (suspended["check_id"], suspended["reason_code"]) == ("recheck.complaint_spike", "complaint_spike")
    assert _status(cli, number, "2026-08-15") == "suspended"
    early = cli("reinstate", number, "--as", "county-a", "--on", "2026-08-16")
    assert early.code == 2 and "recheck.complaint_spike" in early.err

    cleared = _recheck(cli, "2026-09-30")  # the spike has left the 30-day window
    [ok] = [f for f in cleared["findings"] if f["check_id"] == "recheck.cleared"]
    assert ok["action"] == "reinstatable"
    back = cli("reinstate", number, "--as", "county-a", "--on", "2026-09-30", "--json")
    assert back.code == 0, back.err
    assert back.json()["reason"] == "review_cleared" and _status(cli, number, "2026-09-30") == "valid"
    assert "证书效力的通知书" in _pdf_text(get_settings().outbox_path / good / f"{number}-valid-2026-09-30.pdf")


def test_a_warning_that_does_not_persist_never_suspends(cli, shops, reviewers, tmp_path):
    good = shops["good"]
    number = _made(cli, shops, tmp_path)
    _ingest(cli, tmp_path, "complaints", _complaints(good, [f"2026-07-{d}" for d in (20, 21, 22, 24, 26, 28)]))
    assert _recheck(cli, "2026-08-01")["actions"] == {"warned": 1}
    assert _recheck(cli, "2026-09-15")["actions"] == {}  # gone by the next recheck
    assert _recheck(cli, "2026-09-16")["actions"] == {}
    assert _status(cli, number, "2026-09-16") == "valid"


def test_past_valid_until_the_title_expires_and_the_business_is_told_once(cli, shops, reviewers, tmp_path):
    number = _made(cli, shops, tmp_path)
    status = cli("certificate", "status", number, "--json").json()
    after = "2028-07-10"
    assert status["valid_until"] < after
    first = _recheck(cli, after)
    assert first["actions"] == {"expired": 1}
    assert _status(cli, number, after) == "expired"
    notice = get_settings().outbox_path / shops["good"] / f"{number}-expired-{after}.pdf"
    assert "证书有效期届满的通知" in _pdf_text(notice)
    again = _recheck(cli, after)  # a re-run of the same day notes nothing twice
    assert again["actions"] == {"expired": 1} and len(again["findings"]) == 1
    assert _recheck(cli, "2028-07-11")["certificates"] == 0  # an expired title is no longer watched
    assert _count(MonitoringFinding, MonitoringFinding.check_id == "lifecycle.expired") == 1


def test_a_renewal_issues_a_new_certificate_that_supersedes_the_old(cli, shops, reviewers):
    old = _certified(cli, shops)
    renewal = cli(
        "apply",
        "--uscc",
        shops["good"],
        "--program",
        "model_unit",
        "--return-days",
        15,
        "--commitment",
        "displayed",
        "--commitment",
        "advance_compensation",
        "--commitment",
        "first_inquiry_responsibility",
        "--commitment",
        "service_station",
        "--as-of",
        "2028-05-04",
        "--json",
    )
    assert renewal.code == 0, renewal.err
    [app] = renewal.json()["applications"]
    approve_all_stages(cli, app["id"], inspected_on="2028-05-04")
    assert cli("announce", "--program", "model_unit", "--on", "2028-05-05").code == 0
    [issued] = cli("issue", "--today", "2028-05-20", "--json").json()
    new = issued["number"]
    assert new != old and issued["superseded"] == old
    assert _status(cli, new, "2028-05-20") == "valid"
    report = cli("verify", old, "--today", "2028-05-20", "--json").json()
    assert report["status"] == "superseded" and new in json.dumps(report["steps"], ensure_ascii=False)
    assert _recheck(cli, "2028-05-21")["certificates"] == 1  # only the new one is watched


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("--as", "nobody", "--reason", "x"), "not signed in", id="nobody signed in"),
        pytest.param(("--as", "county-b", "--reason", "x"), "covers region 420106", id="a reviewer of another region"),
        pytest.param(
            ("--as", "county-a", "--reason", "x", "--on", "2026-13-01"), "--on: '2026-13-01'", id="a bad date"
        ),
        pytest.param(("--as", "county-a", "--reason", " "), "--reason: say why", id="a blank reason"),
    ],
)
def test_a_suspension_with_bad_input_is_refused_naming_it(cli, shops, reviewers, tmp_path, args, message):
    number = _made(cli, shops, tmp_path)
    refused = cli("suspend", number, *args)
    assert refused.code == 2 and message in refused.err, refused.err
    assert _status(cli, number, "2026-08-01") == "valid"


def test_suspending_an_unknown_certificate_is_refused(cli, shops, reviewers):
    refused = cli("suspend", "HB-FX-2026-420000-999999", "--as", "county-a", "--reason", "x")
    assert refused.code == 2 and "no issued certificate" in refused.err


def test_assured_serve_schedules_the_recheck_daily():
    from flows.deployments import deployments

    served = {d.name: d for d in deployments()}
    [schedule] = served["recheck-daily"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * *", "Asia/Shanghai")
    assert served["recheck-daily"].entrypoint.endswith("recheck_flow")


def test_a_recheck_killed_after_its_writes_resumes_without_doing_anything_twice(
    cli, shops, reviewers, tmp_path, subprocess_env
):
    number = _made(cli, shops, tmp_path)
    made = _count(Delivery)  # the certificate itself, queued for the business like any issued one
    _ingest(
        cli,
        tmp_path,
        "credit_listings",
        [
            {
                "uscc": shops["good"],
                "list": "serious_dishonest",
                "listed_on": "2026-07-20",
                "removed_on": None,
                "reason": "严重违法",
            }
        ],
    )
    cmd = [sys.executable, "-m", "flows", "recheck", "--as-of", "2026-08-01", "--json"]
    crashed = subprocess.run(
        cmd,
        env={**subprocess_env, "ASSURED_FAILPOINTS": "recheck.after_write"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert crashed.returncode == 137, crashed.stderr
    assert _status(cli, number, "2026-08-01") == "suspended"  # stored with its finding and queued notice
    assert _count(Delivery, Delivery.status == "pending") == made + 1  # … not yet delivered
    # the lists were re-signed in the batch's transaction: killed after it, they say what the register says
    assert _in_published_suspension_list(number) and _status_lists_line(cli).startswith("ok    status lists:")
    rerun = subprocess.run(cmd, env=subprocess_env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    result = json.loads(rerun.stdout)
    assert [(f["check_id"], f["action"]) for f in result["findings"]] == [("V2", "suspended")]
    assert _count(Delivery, Delivery.status == "delivered") == made + 1 and _count(Delivery) == made + 1
    assert _count(CertificateStatusChange, CertificateStatusChange.status == "suspended") == 1
    assert (get_settings().outbox_path / shops["good"] / f"{number}-suspended-2026-08-01.pdf").exists()
    assert _in_published_suspension_list(number) and _status_lists_line(cli).startswith("ok    status lists:")


def test_a_register_changed_outside_the_workflow_shows_in_the_doctor_until_the_lists_are_republished(
    cli, shops, tmp_path
):
    number = _made(cli, shops, tmp_path)
    assert _status_lists_line(cli).startswith("ok    status lists:")
    with make_engine(get_settings().db_url).begin() as conn:  # a suspension written straight into the database
        cert_id = conn.execute(select(Certificate.id).where(Certificate.number == number)).scalar_one()
        conn.execute(
            CertificateStatusChange.__table__.insert().values(
                certificate_id=cert_id,
                status="suspended",
                reason_code="x",
                note="",
                actor="sql",
                on=dt.date(2026, 8, 1),
            )
        )
    line = _status_lists_line(cli)
    assert line.startswith("FAIL  status lists: the suspension list shows 1 certificates otherwise than the register")
    assert "`assured audit verify`" in line and _status(cli, number, "2026-08-02") == "invalid"
    assert cli("certificate", "publish").code == 0
    assert _in_published_suspension_list(number) and _status_lists_line(cli).startswith("ok    status lists:")
