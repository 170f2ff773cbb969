"""The certification workflow through the CLI: intake, assessment routing, review rules, audit."""

import subprocess
import sys

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from registry.db import make_engine
from registry.settings import get_settings
from registry.workflow_models import AuditEntry, ReviewDecision
from tests.conftest import session_token
from tests.flows.conftest import AS_OF, apply_online, inspect

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_vetoed_applicant_receives_a_letter_naming_the_veto(cli, shops):
    app = apply_online(cli, shops["abnormal"])
    assert app["status"] == "rejected"
    outbox = get_settings().outbox_path / shops["abnormal"]
    [letter] = outbox.glob("rejection-*.pdf")
    text = "".join(page.extract_text() for page in PdfReader(letter).pages)
    assert "经营异常" in text and "未通过审核" in text
    assert "V3" not in text  # the check is named in Chinese; its id stays in the JSON


def test_a_pending_applicant_completes_after_its_missing_data_is_ingested(cli, shops, tmp_path):
    app = apply_online(cli, shops["unclassified"])
    assert app["status"] == "pending_data"
    shown = cli("applications", "show", app["id"], "--json").json()
    assert "V4" in shown["status_reason"]
    (tmp_path / "late").mkdir()
    (tmp_path / "late" / "credit_classes.jsonl").write_text(
        f'{{"uscc": "{shops["unclassified"]}", "risk_class": "A", "classified_on": "2026-06-15"}}\n'
    )
    assert cli("ingest", tmp_path / "late").code == 0
    processed = cli("applications", "process", "--as-of", AS_OF, "--json").json()
    assert processed == [{"id": app["id"], "status": "in_review"}]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ("--as", "city-a", "--approve"),
            "decides the city stage; application {n} needs a county-stage reviewer",
            id="a reviewer of another stage",
        ),
        pytest.param(
            ("--as", "county-b", "--approve"),
            "covers region 420106; application {n} is from region 420102",
            id="a reviewer of another region",
        ),
        pytest.param(("--as", "nobody", "--approve"), "not signed in", id="nobody signed in"),
        pytest.param(("--as", "county-a", "--reject"), "a reject needs --comment", id="a reject without a comment"),
        pytest.param(("--as", "county-a", "--return"), "a return needs --comment", id="a return without a comment"),
    ],
)
def test_a_review_breaking_a_rule_is_refused_naming_it_and_stores_nothing(cli, shops, reviewers, args, message):
    app = apply_online(cli, shops["good"])
    assert app["status"] == "in_review"
    result = cli("review", app["id"], *args)
    assert result.code == 2 and message.format(n=app["id"]) in result.err, result.err
    assert cli("applications", "show", app["id"], "--json").json()["decisions"] == []


def test_the_county_approval_waits_for_a_completed_inspection_naming_the_rule(cli, shops, reviewers):
    n = apply_online(cli, shops["good"])["id"]
    refused = cli("review", n, "--as", "county-a", "--approve")
    assert refused.code == 2 and "policy review.require_inspection.county" in refused.err, refused.err
    assert cli("applications", "show", n, "--json").json()["decisions"] == []
    inspect(cli, n)
    approved = cli("review", n, "--as", "county-a", "--approve", "--json")
    assert approved.code == 0 and approved.json()["stage"] == "city", approved.err
    [entry] = [
        h for h in cli("applications", "show", n, "--json").json()["history"] if h["action"] == "inspection.recorded"
    ]
    assert entry["actor"] == "account:county-a"


def test_an_inspection_that_failed_a_veto_item_rejects_with_a_letter_citing_it(cli, shops, reviewers):
    n = apply_online(cli, shops["good"])["id"]
    result = cli(
        "inspect", n, "--as", "county-a", "--fail", "price_marked", "--note", "price_marked=货架商品未标价", "--json"
    )
    assert result.code == 0 and result.json()["status"] == "rejected", result.err
    refused = cli("review", n, "--as", "county-a", "--approve")
    assert refused.code == 2 and "not in review" in refused.err, refused.err
    [letter] = get_settings().out_path.rglob("rejection-*.pdf")  # written and queued for delivery
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(letter).pages)
    assert "现场验收" in text and "商品和服务明码标价" in text


def test_an_inspection_concluding_fail_without_a_failed_veto_leaves_reject_or_return(cli, shops, reviewers):
    n = apply_online(cli, shops["good"])["id"]
    inspect(cli, n, "--conclusion", "fail")
    refused = cli("review", n, "--as", "county-a", "--approve")
    assert refused.code == 2 and "concluded fail" in refused.err, refused.err


def test_only_a_reviewer_of_the_stage_and_region_records_an_inspection(cli, shops, reviewers):
    n = apply_online(cli, shops["good"])["id"]
    other_region = cli("inspect", n, "--as", "county-b")
    assert other_region.code == 2 and "covers region 420106" in other_region.err, other_region.err
    unknown_item = cli("inspect", n, "--as", "county-a", "--fail", "no_such_item")
    assert unknown_item.code == 2 and "'no_such_item' is not an item" in unknown_item.err
    early = cli("inspect", n, "--as", "county-a", "--on", "2026-06-29")
    assert early.code == 2 and "inspected_on: 2026-06-29" in early.err, early.err


def test_a_second_decision_on_a_decided_stage_is_refused(cli, shops, reviewers):
    n = apply_online(cli, shops["good"])["id"]
    inspect(cli, n)
    assert cli("review", n, "--as", "county-a", "--approve").code == 0
    again = cli("review", n, "--as", "county-a", "--approve")
    assert again.code == 2 and "decides the county stage" in again.err
    with make_engine(get_settings().db_url).connect() as conn:
        assert len(conn.execute(select(ReviewDecision)).all()) == 1
    history = cli("applications", "show", n, "--json").json()
    assert [d["reviewer"] for d in history["decisions"]] == ["county-a"]


def test_the_same_person_cannot_decide_two_stages(cli, shops, reviewers):
    from registry.db import begin_write, open_registry
    from registry.workflow_models import Account

    n = apply_online(cli, shops["good"])["id"]
    inspect(cli, n)
    assert cli("review", n, "--as", "county-a", "--approve").code == 0
    with begin_write(open_registry(get_settings().db_url)) as session:  # county-a is promoted to the city stage
        session.scalar(select(Account).where(Account.username == "county-a")).stage = "city"
    result = cli("review", n, "--as", "county-a", "--approve")
    assert result.code == 2 and "already decided the county stage" in result.err


def test_two_concurrent_decisions_on_one_stage_exactly_one_wins(cli, shops, reviewers, subprocess_env):
    n = apply_online(cli, shops["good"])["id"]
    inspect(cli, n)
    assert cli("accounts", "add", "county-c", "--stage", "county", "--region", "4201").code == 0
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "flows", "review", str(n), "--approve"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=subprocess_env | {"ASSURED_TOKEN": session_token(who)},
        )
        for who in ("county-a", "county-c")
    ]
    outcomes = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in procs]
    assert sorted(code for code, _, _ in outcomes) == [0, 2], outcomes
    loser = next(err for code, _, err in outcomes if code == 2)
    assert "county stage" in loser and loser.count("\n") == 1
    with make_engine(get_settings().db_url).connect() as conn:
        assert len(conn.execute(select(ReviewDecision)).all()) == 1


def test_accounts_list_shows_every_account_by_name_with_role_stage_region_and_standing(cli, reviewers):
    assert cli("accounts", "disable", "county-b").code == 0
    listed = cli("accounts", "list", "--json").json()
    assert [(r["username"], r["role"], r["stage"], r["region"], r["active"]) for r in listed] == [
        ("city-a", "reviewer", "city", "4201", True),
        ("county-a", "reviewer", "county", "420102", True),
        ("county-b", "reviewer", "county", "420106", False),
        ("province-a", "reviewer", "province", "42", True),
    ]
    assert cli("accounts", "list").out.splitlines()[2].split()[:5] == [
        "county-b",
        "reviewer",
        "county",
        "420106",
        "disabled",
    ]


def test_the_audit_chain_detects_an_edited_entry(cli, shops):
    apply_online(cli, shops["abnormal"])
    assert cli("audit", "verify").code == 0
    with make_engine(get_settings().db_url).begin() as conn:
        seq = conn.scalar(select(AuditEntry.seq).where(AuditEntry.action == "application.rejected"))
        conn.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="someone-else"))
    result = cli("audit", "verify")
    assert result.code == 1 and f"entry {seq}" in result.err and "edited" in result.err


def test_the_audit_chain_detects_a_deleted_entry(cli, shops):
    from sqlalchemy import delete

    apply_online(cli, shops["abnormal"])
    with make_engine(get_settings().db_url).begin() as conn:
        conn.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    result = cli("audit", "verify")
    assert result.code == 1 and "entry 2 is missing" in result.err


def test_the_application_flow_refreshes_stale_evidence_from_the_sources(cli, generate, tmp_path, monkeypatch):
    import json
    import threading

    from registry.sources import make_server

    folder = generate(businesses=200, seed=11)
    local = tmp_path / "local"
    local.mkdir()
    (local / "registrations.jsonl").write_bytes((folder / "registrations.jsonl").read_bytes())
    assert cli("ingest", local).code == 0  # only registrations are known locally
    classes = [json.loads(line) for line in (folder / "credit_classes.jsonl").read_text().splitlines()]
    uscc = next(c["uscc"] for c in classes if c["classified_on"] <= AS_OF)
    server = make_server(folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ASSURED_SOURCE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        get_settings.cache_clear()
        app = apply_online(cli, uscc)
    finally:
        server.shutdown()
        server.server_close()
    shown = cli("applications", "show", app["id"], "--json").json()
    v4 = next(o for o in shown["assessment"]["outcomes"] if o["id"] == "V4")
    assert v4["status"] != "missing"  # the credit class came from the source during the flow
