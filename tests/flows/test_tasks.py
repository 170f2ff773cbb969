"""The thin tasks one by one, through `task.fn()` on a real registry (no Prefect run): each wraps
one I/O step or one registry call, so each is checked for what it hands back and what it leaves
in the registry or under the output folder."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from sqlalchemy import select

from flows.application import assess_chunk, deliver_pending, write_letters
from flows.common import registry
from flows.deployments import ApplicationForm, submit_form
from flows.issuance import issue_chunk, publish_status_lists, release
from flows.recheck import finish_recheck, start_recheck
from flows.review import Decision, decide_all, publish_announcement
from flows.screen import join_parts, plan
from registry.settings import get_settings
from registry.workflow_models import Application, Certificate, Delivery, Recheck, WorkflowError
from tests.flows.conftest import inspected

AS_OF = dt.date(2026, 6, 30)
PUBLISHED = dt.date(2026, 7, 1)
AFTER_WINDOW = dt.date(2026, 7, 10)
STAGES = (("county-a", "county"), ("city-a", "city"), ("province-a", "province"))


def _form(uscc: str) -> ApplicationForm:
    return ApplicationForm(
        uscc=uscc,
        program="model_unit",
        return_days=15,
        displayed=True,
        advance_compensation=True,
        first_inquiry_responsibility=True,
        service_station=True,
    )


def _submitted(shops, key: str = "good") -> int:
    return submit_form.fn(_form(shops[key]), AS_OF)


def _assessed(shops, key: str = "good") -> int:
    app_id = _submitted(shops, key)
    assess_chunk.fn([app_id], AS_OF)
    return app_id


def _inspected(shops) -> int:
    """Assessed, in review at the county stage, and inspected on site (all items pass)."""
    return inspected(_assessed(shops))


def _announced(shops) -> int:
    app_id = _inspected(shops)
    for name, _ in STAGES:
        decide_all.fn([Decision(application_id=app_id, reviewer=name, decision="approve")])
    publish_announcement.fn("model_unit", PUBLISHED)
    return app_id


def _issued(shops) -> list[dict]:
    _announced(shops)
    return issue_chunk.fn(release.fn(AFTER_WINDOW), AFTER_WINDOW)


def _rows(model, *where):
    with registry()() as session:
        return list(session.scalars(select(model).where(*where)))


def test_submit_form_stores_one_online_application(shops):
    app_id = _submitted(shops)
    [app] = _rows(Application, Application.id == app_id)
    assert (app.uscc, app.channel, app.status) == (shops["good"], "online", "submitted")


def test_submit_form_refuses_a_second_open_application_naming_it(shops):
    first = _submitted(shops)
    with pytest.raises(WorkflowError, match=f"application {first} for model_unit is still open"):
        _submitted(shops)


def test_assess_chunk_routes_an_eligible_application_to_the_first_stage(shops):
    app_id = _submitted(shops)
    assert assess_chunk.fn([app_id], AS_OF) == {app_id: "in_review"}
    [app] = _rows(Application, Application.id == app_id)
    assert app.stage == "county"


def test_assess_chunk_rejects_an_application_with_a_veto(shops):
    app_id = _submitted(shops, "abnormal")
    assert assess_chunk.fn([app_id], AS_OF) == {app_id: "rejected"}


def test_write_letters_writes_the_reasons_letter_and_queues_it(shops):
    app_id = _assessed(shops, "abnormal")
    [path] = write_letters.fn([app_id])
    assert path.endswith(f"{shops['abnormal']}/rejection-{app_id}.pdf")
    [delivery] = _rows(Delivery)
    assert (delivery.document, delivery.status, delivery.subject) == (path, "pending", "申请审核结果告知书")


def test_deliver_pending_delivers_a_queued_document_to_the_outbox(shops):
    [path] = write_letters.fn([_assessed(shops, "abnormal")])
    assert deliver_pending.fn() == {"delivered": 1, "failed": 0}
    outbox = get_settings().outbox_path / shops["abnormal"]
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        [path.rsplit("/", 1)[1], path.rsplit("/", 1)[1][:-4] + ".txt"]
    )


def test_deliver_pending_with_nothing_queued_delivers_nothing(shops):
    assert deliver_pending.fn() == {"delivered": 0, "failed": 0}


def test_decide_all_moves_an_approved_application_to_the_next_stage(shops, reviewers):
    app_id = _inspected(shops)
    result = decide_all.fn([Decision(application_id=app_id, reviewer="county-a", decision="approve")])
    assert result == [{"application_id": app_id, "status": "in_review", "stage": "city"}]


def test_decide_all_refuses_a_reviewer_outside_the_region(shops, reviewers):
    app_id = _assessed(shops)
    with pytest.raises(WorkflowError, match="covers region 420106"):
        decide_all.fn([Decision(application_id=app_id, reviewer="county-b", decision="approve")])


def test_publish_announcement_writes_the_list_and_announces(shops, reviewers):
    app_id = _inspected(shops)
    for name, _ in STAGES:
        decide_all.fn([Decision(application_id=app_id, reviewer=name, decision="approve")])
    result = publish_announcement.fn("model_unit", PUBLISHED)
    assert result["applications"] == [app_id] and result["window_ends_on"] == "2026-07-08"
    with open(result["csv"], encoding="utf-8-sig") as fh:  # a BOM for Excel, Chinese headers
        [row] = list(csv.DictReader(fh))
    assert (row["申请编号"], row["统一社会信用代码"]) == (str(app_id), shops["good"])
    [app] = _rows(Application, Application.id == app_id)
    assert app.status == "announced"


def test_release_keeps_an_application_inside_its_window(shops, reviewers):
    _announced(shops)
    assert release.fn(dt.date(2026, 7, 3)) == []


def test_release_returns_the_application_once_the_window_closed(shops, reviewers):
    app_id = _announced(shops)
    assert release.fn(AFTER_WINDOW) == [app_id]


def test_issue_chunk_issues_the_certificate_and_writes_its_files(shops, reviewers):
    [result] = _issued(shops)
    assert result["status"] == "issued" and result["superseded"] is None
    [cert] = _rows(Certificate)
    assert (cert.number, cert.status) == (result["number"], "valid")
    assert get_settings().out_path.joinpath("certificates", shops["good"], f"{cert.number}.vc.json").is_file()


def test_issue_chunk_again_finds_the_certificate_already_issued(shops, reviewers):
    [first] = _issued(shops)
    assert issue_chunk.fn([first["application_id"]], AFTER_WINDOW) == [
        {"application_id": first["application_id"], "number": first["number"], "status": "already issued"}
    ]
    assert len(_rows(Certificate)) == 1


def test_issue_chunk_queues_the_certificate_with_its_cover_mail(shops, reviewers):
    [result] = _issued(shops)
    [delivery] = _rows(Delivery)
    assert delivery.subject.startswith("放心消费创建示范单位证书 ") and delivery.document == result["pdf"]
    body = get_settings().out_path.joinpath("certificates", shops["good"], f"{result['number']}.txt")
    assert "您单位已通过放心消费创建示范单位认定" in body.read_text(encoding="utf-8")


def test_publish_status_lists_writes_both_signed_lists(shops):
    paths = publish_status_lists.fn()
    names = sorted(p.rsplit("/", 1)[1] for p in paths)
    assert names == ["audit-checkpoints.jsonl", "revocation.json", "suspension.json"]  # with the audit anchor
    for p in paths:
        for line in open(p, encoding="utf-8").read().splitlines() if p.endswith(".jsonl") else [open(p).read()]:
            assert "proof" in json.loads(line)


def test_start_recheck_returns_the_watched_certificates(shops, reviewers):
    [result] = _issued(shops)
    previous, watched = start_recheck.fn(AFTER_WINDOW)
    assert previous is None and [w.number for w in watched] == [result["number"]]


def test_start_recheck_names_the_recheck_before(shops):
    start_recheck.fn(dt.date(2026, 7, 1))
    assert start_recheck.fn(dt.date(2026, 7, 2))[0] == dt.date(2026, 7, 1)


def test_finish_recheck_writes_the_worklist_and_stores_the_summary(shops):
    start_recheck.fn(AFTER_WINDOW)
    summary = finish_recheck.fn(AFTER_WINDOW, None, 0, 0, {"delivered": 0, "failed": 0})
    assert summary["findings"] == [] and summary["certificates"] == 0
    assert [p.rsplit("/", 1)[1] for p in summary["worklist"]] == ["findings.csv", "findings.json"]
    [rec] = _rows(Recheck)
    assert rec.finished_at is not None and rec.summary["as_of"] == AFTER_WINDOW.isoformat()


def test_plan_splits_the_population_into_ranges(generate, cli):
    assert cli("ingest", generate(businesses=300)).code == 0
    ranges = plan.fn(3, None)
    assert len(ranges) == 3 and ranges[0][0] is None and ranges[-1][1] is None


def test_join_parts_writes_one_csv_with_the_header_and_removes_the_parts(tmp_path):
    parts = [tmp_path / "out.part0.csv", tmp_path / "out.part1.csv"]
    parts[0].write_text("a\r\n", encoding="utf-8")
    parts[1].write_text("b\r\n", encoding="utf-8")
    out = join_parts.fn([str(p) for p in parts], str(tmp_path / "out.csv"))
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert (
        out == str(tmp_path / "out.csv") and lines[1:] == ["a", "b"] and lines[0].startswith("\ufeff统一社会信用代码,")
    )
    assert not any(p.exists() for p in parts)
