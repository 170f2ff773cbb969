"""Renewal reminders (续期提醒): 60 and 30 days before a certificate ends, each once, then
delivery. Scheduled daily (`reminders-daily`) and run by hand with `assured reminders`."""

from __future__ import annotations

import datetime as dt

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron

from checks import calendar
from flows.application import deliver_pending
from flows.common import registry
from registry import reminders
from registry.db import begin_write
from registry.settings import get_settings


@task(cache_policy=NO_CACHE)
def send_reminders(today: dt.date) -> reminders.ReminderReport:
    """One short transaction per reminder: a crash leaves the sent ones recorded, a re-run sends the rest."""
    settings = get_settings()
    report = reminders.ReminderReport(as_of=today)
    with registry()() as session:
        todo = reminders.due(session, today)
        numbers = reminders.numbers_of(session, [c for c, _ in todo])
    for cert_id, lead in todo:
        with begin_write(registry()) as session:
            if reminders.send(session, cert_id, lead, today, settings):
                report.sent.append((numbers[cert_id], lead))
    return report


@flow(name="renewal-reminders", log_prints=False)
def reminders_flow(as_of: dt.date | None = None) -> dict:
    report = send_reminders(as_of or calendar.today())
    if report.sent:
        deliver_pending()
    return report.as_dict()


def daily_deployment():
    return reminders_flow.to_deployment(
        "reminders-daily",
        schedule=Cron("0 9 * * *", timezone="Asia/Shanghai"),
        description="Renewal reminders 60 and 30 days before a certificate ends (续期提醒)",
    )
