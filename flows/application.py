"""Application flow: refresh evidence → assess → store → route, then letters and delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.common import chunks, registry, stages
from flows.notices import letter_for
from registry import failpoints
from registry.applications import get_application, plan_assessments, store_planned
from registry.db import begin_write
from registry.delivery import attempt_all, batches
from registry.notices import unlettered
from registry.settings import get_settings
from registry.sources import http_session, refresh_business
from registry.workflow_models import ApplicationStatus


@task(cache_policy=NO_CACHE)  # no task retries: the HTTP session retries each request (registry.sources)
def refresh_evidence(application_ids: list[int]) -> int:
    """Re-pull stale businesses from the configured HTTP sources."""
    settings = get_settings()
    http = http_session(settings.http_retries)
    max_age = dt.timedelta(hours=settings.evidence_max_age_hours)
    refreshed = 0
    for app_id in application_ids:
        with begin_write(registry()) as session:
            uscc = get_application(session, app_id).uscc
            refreshed += refresh_business(session, http, settings.source_url, uscc, settings.http_timeout, max_age)
    return refreshed


BATCH = 200  # applications assessed in one transaction (each with its own audit entries)

# Who in this process waits for assessments (the portal's `web.portal_api.Assessor`): each is
# told the statuses of a chunk as soon as its transaction has committed, before the flow run's
# own bookkeeping (letters, delivery, the engine's teardown) is over.
stored_listeners: list[Callable[[dict[int, str]], None]] = []


@task(cache_policy=NO_CACHE)
def assess_chunk(application_ids: list[int], as_of: dt.date | None) -> dict[int, str]:
    """Assess the chunk's applications: evidence read and assessments computed outside any write
    transaction, then stored, audited and routed in one short one (the portal's next turn, or
    another writer, waits only for that); returns the new statuses. A failure leaves the whole
    chunk as it was, to be assessed again."""
    with registry()() as session:
        planned = plan_assessments(session, application_ids, as_of)
    with begin_write(registry()) as session:
        # one assessed meanwhile by another run (the portal's answer and a re-run): as it stands
        out = store_planned(session, application_ids, planned, stages())
        failpoints.hit("application.before_commit")
    for listener in list(stored_listeners):
        listener(out)
    return out


@task(cache_policy=NO_CACHE)
def write_letters(application_ids: list[int] | None = None) -> list[str]:
    """Reasons letters (PDF, Chinese) for rejected applications (of `application_ids`, or every
    one still owed one), queued for delivery; one written before is not written again."""
    with registry()() as session:
        owed = unlettered(session, application_ids)
    paths = []
    for app_id in owed:
        with begin_write(registry()) as session:
            if unlettered(session, [app_id]):  # not written meanwhile by another run
                paths.append(str(letter_for(session, app_id, get_settings())))
    return paths


@task(cache_policy=NO_CACHE)
def deliver_pending() -> dict[str, int]:
    """Attempt every pending delivery once (outbox copies a batch to a transaction, e-mails one
    each); failures stay pending for the next run."""
    settings = get_settings()
    with registry()() as session:
        groups = batches(session, settings)
    done = failed = 0
    for ids in groups:
        with begin_write(registry()) as session:
            ok = attempt_all(session, ids, settings)
        done += ok
        failed += len(ids) - ok
    return {"delivered": done, "failed": failed}


@flow(name="application", log_prints=False)
def application_flow(application_ids: list[int], as_of: dt.date | None = None) -> dict[int, str]:
    """Assess submitted (or returned, or waiting) applications and route them."""
    application_ids = list(dict.fromkeys(application_ids))  # each once, in order
    if get_settings().source_url:
        for part in chunks(application_ids, parts=4, min_size=50):
            refresh_evidence(part)
    statuses: dict[int, str] = {}
    # one after another: on SQLite the write lock, on PostgreSQL the audit's lock, serialise them
    for start in range(0, len(application_ids), BATCH):
        statuses.update(assess_chunk(application_ids[start : start + BATCH], as_of))
    rejected = [i for i, s in statuses.items() if s == ApplicationStatus.rejected]
    if rejected:
        failpoints.hit("application.before_letters")
        write_letters(rejected)
        deliver_pending()
    return statuses


@flow(name="owed-letters", log_prints=False)
def owed_letters_flow() -> list[str]:
    """The reasons letters a crash left unwritten (a rejection committed, its letter not yet),
    written and delivered; the paths written."""
    paths = write_letters()
    if paths:
        deliver_pending()
    return paths
