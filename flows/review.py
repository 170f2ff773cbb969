"""Review decisions and the announcement: each a flow run against durable registry state."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from checks import calendar
from checks.policy import load_policy
from checks.programmes import Programme
from flows.application import deliver_pending, write_letters
from flows.common import chunks, registry, stages
from flows.notices import announcement_files, letter_for
from registry.announcements import announce
from registry.applications import decide, reassess_with_inspection
from registry.db import begin_write
from registry.settings import get_settings
from registry.workflow_models import ApplicationStatus


class Decision(BaseModel):
    """A signed-in reviewer's decision on one application's current stage. Built only by callers
    that proved who the reviewer is (the workbench, the API, `assured review` with a session)."""

    application_id: int = Field(title="Application number", ge=1)
    reviewer: str = Field(title="Reviewer", description="the signed-in account's username", min_length=1)
    session_id: int | None = Field(None, title="Session", description="the session the decision came from")
    decision: Literal["approve", "reject", "return"] = Field(title="Decision")
    comment: str = Field("", title="Comment", description="required to reject or return")


@task(cache_policy=NO_CACHE)
def decide_all(decisions: list[Decision]) -> list[dict]:
    """Each decision in its own write transaction; a refusal raises with its reason."""
    out = []
    for d in decisions:
        with begin_write(registry()) as session:
            app = decide(session, d.application_id, d.reviewer, d.decision, d.comment, stages(), d.session_id)
            out.append({"application_id": app.id, "status": app.status, "stage": app.stage})
    return out


def _notify_rejections(results: list[dict]) -> None:
    rejected = [r["application_id"] for r in results if r["status"] == ApplicationStatus.rejected]
    if rejected:
        write_letters(rejected)
        deliver_pending()


@flow(name="review-decision")
def review_decision(decision: Decision) -> dict:
    """Record one reviewer's decision (refused with a reason when a review rule is broken)."""
    results = decide_all([decision])
    _notify_rejections(results)
    return results[0]


@flow(name="review-batch")
def review_batch(decisions: list[Decision]) -> list[dict]:
    """Several decisions in a few chunked tasks (counter batches, the demo)."""
    results: list[dict] = []
    for part in chunks(decisions, parts=4, min_size=100):
        results.extend(decide_all(part))
    _notify_rejections(results)
    return results


@task(cache_policy=NO_CACHE)
def publish_announcement(program: str, published_on: dt.date) -> dict:
    window = load_policy(program).value("lifecycle.announcement_working_days", published_on)
    with begin_write(registry()) as session:
        ann, apps = announce(session, program, published_on, window, actor="system")
        ann.csv_path, ann.pdf_path = (str(p) for p in announcement_files(session, ann, apps, get_settings()))
        return {
            "announcement": ann.id,
            "program": program,
            "applications": [a.id for a in apps],
            "published_on": ann.published_on.isoformat(),
            "window_ends_on": ann.window_ends_on.isoformat(),
            "csv": ann.csv_path,
            "pdf": ann.pdf_path,
        }


@flow(name="announce")
def announce_flow(program: Programme, published_on: dt.date | None = None) -> dict:
    """公示: publish the approved applications of a programme with an objection window."""
    return publish_announcement(program, published_on or calendar.today())


def after_inspection(session, app_id: int, day: dt.date, actor: str) -> str:
    """Once an inspection is saved: the application assessed again with it
    (`reassess_with_inspection`), and a reasons letter queued when that rejects it. Returns the
    application's status."""
    app = reassess_with_inspection(session, app_id, day, actor)
    if app.status == ApplicationStatus.rejected:
        letter_for(session, app_id, get_settings())
    return app.status
