"""The portal's assessments in a child process of the web process (`ASSURED_PORTAL_ASSESSOR=process`,
what `assured web` runs; web.assess_process): the statuses come back to the requests, a child that
dies mid-run leaves its applications stored and submitted while the web process goes on, the next
run starts a new child, and a new environment (another registry) gets a child of its own. Real
Prefect engine and server; the crash is the failpoint `application.before_commit`, which ends the
child abruptly (os._exit, as a kill would) after the batch was assessed but before its commit."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest
from sqlalchemy import select

from registry import audit
from registry.db import open_registry
from registry.settings import get_settings
from registry.workflow_models import Application, AssessmentRecord, AuditEntry
from tests.web.test_portal_api import COMMITMENTS, apply_at_once, signed_in_session
from web.portal_api import CHILD_RUNS

pytestmark = pytest.mark.usefixtures("prefect_harness")

BODY = {"program": "model_unit", "return_days": 15, "commitments": COMMITMENTS, "accept": True}


def _statuses() -> dict[int, str]:
    with open_registry(get_settings().db_url)() as session:
        return {a.id: a.status for a in session.scalars(select(Application))}


def _apply(client, shops, keys, program: str = "model_unit") -> list[dict]:
    signed_in = [signed_in_session(client, shops[key]) for key in keys]
    body = {**BODY, "program": program}
    responses = asyncio.run(apply_at_once(client.app, [(cookies, csrf, body) for cookies, csrf in signed_in]))
    assert [r.status_code for r in responses] == [201] * len(keys), [r.text for r in responses]
    return [r.json() for r in responses]


def _ended(pid: int) -> bool:
    """Whether process `pid` has ended, within ten seconds (a child of ours is reaped by its reader thread)."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_the_assessment_runs_in_a_child_process_and_its_status_comes_back(client, shops, process_mode):
    answers = _apply(client, shops, ("good", "unclassified"))

    assert [a["status"] for a in answers] == ["in_review", "pending_data"]
    child = CHILD_RUNS.pid()
    assert child is not None and child != os.getpid()
    assert _statuses() == {answers[0]["application_id"]: "in_review", answers[1]["application_id"]: "pending_data"}
    with open_registry(get_settings().db_url)() as session:
        assert sorted(session.scalars(select(AssessmentRecord.application_id))) == sorted(
            a["application_id"] for a in answers
        )
        assert audit.verify(session).ok

    # the next application goes to the same child: it is started once, not for every run
    [third] = _apply(client, shops, ("good",), "seven_day_return")
    assert third["status"] == "in_review"
    assert CHILD_RUNS.pid() == child

    # a child killed between runs (once the last has sent its letters): the next run starts another
    for _ in range(200):
        if not CHILD_RUNS.running():
            break
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    assert _ended(child)
    [fourth] = _apply(client, shops, ("unclassified",), "seven_day_return")
    assert fourth["status"] == "in_review"
    assert CHILD_RUNS.pid() not in (None, child, os.getpid())


def test_a_child_that_dies_mid_run_leaves_the_batch_submitted_and_the_next_run_starts_another(
    client, shops, process_mode, monkeypatch, cli
):
    monkeypatch.setenv("ASSURED_FAILPOINTS", "application.before_commit")  # the child exits there
    answers = _apply(client, shops, ("good", "unclassified"))

    # the web process lives on; each business has its number, stored and waiting to be assessed
    assert [a["status"] for a in answers] == ["submitted", "submitted"]
    ids = [a["application_id"] for a in answers]
    assert _statuses() == dict.fromkeys(ids, "submitted")
    assert CHILD_RUNS.pid() is None  # the child that crashed has ended

    monkeypatch.delenv("ASSURED_FAILPOINTS")
    [later] = _apply(client, shops, ("good",), "seven_day_return")
    assert later["status"] == "in_review"
    assert CHILD_RUNS.pid() not in (None, os.getpid())
    # the crashed run's applications were not assessed by a half of it: the command does it
    assert cli("applications", "process", "--json").code == 0
    assert _statuses() == {ids[0]: "in_review", ids[1]: "pending_data", later["application_id"]: "in_review"}
    with open_registry(get_settings().db_url)() as session:
        assert audit.verify(session).ok


def test_a_new_environment_gets_a_new_child_and_the_old_one_ends(process_mode, monkeypatch):
    CHILD_RUNS.start()
    first = CHILD_RUNS.pid()
    CHILD_RUNS.start()
    assert CHILD_RUNS.pid() == first  # the same settings: the same child

    monkeypatch.setenv("ASSURED_AUTHORITY_ZH", "武汉市江岸区市场监督管理局")
    CHILD_RUNS.start()
    second = CHILD_RUNS.pid()
    assert second not in (None, first)
    assert _ended(first), "the child of the old environment did not end"


def test_a_child_that_dies_between_a_rejection_and_its_letter_owes_the_letter_the_process_command_writes(
    client, shops, process_mode, monkeypatch, cli
):
    monkeypatch.setenv("ASSURED_FAILPOINTS", "application.before_letters")  # the child exits there
    [answer] = _apply(client, shops, ("abnormal",))

    assert answer["status"] == "rejected"  # committed and answered before the child died
    outbox = get_settings().outbox_path / shops["abnormal"]
    assert not list(outbox.glob("rejection-*.pdf"))

    monkeypatch.delenv("ASSURED_FAILPOINTS")
    first = cli("applications", "process")
    assert first.code == 0, first.err
    assert "1 reasons letters owed since a crash" in first.out
    assert cli("applications", "process").code == 0  # owed once: not written again
    [letter] = outbox.glob("rejection-*.pdf")
    assert letter.read_bytes().startswith(b"%PDF-")
    with open_registry(get_settings().db_url)() as session:
        written = session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.action == "letter.written", AuditEntry.entity == "application"
            )
        ).all()
        assert written == [str(answer["application_id"])]
        assert audit.verify(session).ok
