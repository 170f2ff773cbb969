"""Review deadlines: mark overdue stages, tell the holder and the stage's supervisors (once per
application, round and stage), then deliver. Scheduled daily (`deadlines-daily`) and run by hand
with `assured deadlines`."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron

from checks import calendar
from flows.application import deliver_pending
from flows.common import registry
from registry import deadlines
from registry.db import begin_write
from registry.settings import get_settings


@task(cache_policy=NO_CACHE)
def escalate_overdue(today: dt.date) -> deadlines.DeadlineReport:
    """One short transaction per application, so a crash leaves every finished one escalated and
    a re-run resumes with the rest."""
    settings = get_settings()
    report = deadlines.DeadlineReport(as_of=today)
    with registry()() as session:
        report.overdue = deadlines.overdue_count(session, today)
        ids = deadlines.to_escalate(session, today)
    for app_id in ids:
        with begin_write(registry()) as session:
            notified = deadlines.escalate(session, app_id, today, settings)
        if notified is not None:
            report.escalated.append(app_id)
            report.notified[app_id] = notified
    return report


@flow(name="review-deadlines", log_prints=False)
def deadlines_flow(as_of: dt.date | None = None) -> dict:
    """Escalate every overdue review stage not yet escalated, then deliver the e-mails."""
    report = escalate_overdue(as_of or calendar.today())
    if report.escalated:
        deliver_pending()
    return report.as_dict()


def daily_deployment():
    """The deadline run as a deployment on a daily schedule, before the working day starts."""
    return deadlines_flow.to_deployment(
        "deadlines-daily",
        schedule=Cron("0 7 * * 1-5", timezone="Asia/Shanghai"),
        description="Review deadlines: escalate overdue stages to their supervisors (审核逾期督办)",
    )
