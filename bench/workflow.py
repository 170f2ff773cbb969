"""One application from submit to stored assessment on a warm Prefect server (median of 20),
and a 1,000-application counter batch. Target: <= 1 s per application."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from bench import Figure, timed
from bench.province import AS_OF, province


def run(quick: bool) -> list[Figure]:
    businesses = 20_000 if quick else 50_000
    batch_size = 200 if quick else 1000
    _, url = province(businesses)
    tmp = Path(tempfile.mkdtemp(prefix="assured-bench-"))
    db = tmp / "assured.db"
    shutil.copyfile(url.split("///", 1)[1], db)  # the cached province stays untouched
    os.environ["ASSURED_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["ASSURED_HOME"] = str(tmp)
    from registry.settings import configure_prefect, get_settings

    get_settings.cache_clear()
    configure_prefect(get_settings())

    from sqlalchemy import select

    from flows.application import application_flow
    from flows.common import registry
    from registry.applications import online_row, submit_rows
    from registry.db import begin_write
    from registry.ingest import read_rows
    from registry.models import Registration
    from registry.records import APPLICATIONS
    from registry.workflow_models import Application, AuditEntry

    as_of = dt.date.fromisoformat(AS_OF)
    with registry()() as session:
        taken = select(Application.uscc)
        free = list(
            session.scalars(
                select(Registration.uscc)
                .where(Registration.uscc.not_in(taken))
                .order_by(Registration.uscc)
                .limit(21 + batch_size)
            )
        )
    application_flow([], as_of)  # warm: the ephemeral server is up before timing

    latencies, whole = [], []
    for uscc in free[:21]:
        started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        with timed() as t:
            with begin_write(registry()) as session:
                row = online_row(session, uscc, "model_unit", None, None, 7, ["displayed"], as_of)
                [app_id] = submit_rows(session, [row], "online").accepted
            application_flow([app_id], as_of)
        with registry()() as session:  # the audit entry's timestamp is when the assessment was stored
            stored_at = session.scalar(
                select(AuditEntry.at).where(
                    AuditEntry.action == "assessment.stored", AuditEntry.entity_id == str(app_id)
                )
            )
        latencies.append((stored_at - started).total_seconds())
        whole.append(t())
    latencies, whole = latencies[1:], whole[1:]  # the first run compiles Prefect's caches
    median = statistics.median(latencies)

    batch = tmp / "counter.jsonl"
    with batch.open("w", encoding="utf-8") as fh:
        for i, uscc in enumerate(free[21:]):
            fh.write(
                json.dumps(
                    {
                        "uscc": uscc,
                        "program": ("model_unit", "seven_day_return")[i % 2],
                        "channel": "offline",
                        "submitted_on": AS_OF,
                        "store_name": f"门店{i}",
                        "contact_email": f"shop{i}@example.cn",
                        "commitments": {"return_days": 7, "displayed": True},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    with timed() as batch_t:
        with begin_write(registry()) as session:
            ids = submit_rows(session, read_rows(batch, APPLICATIONS), "counter").accepted
        application_flow(ids, as_of)
    return [
        Figure("one application, submit to stored assessment (median of 20)", median, "s", "<= 1", median <= 1),
        Figure("  slowest of the 20", max(latencies), "s"),
        Figure("  whole flow incl. letter and delivery (median)", statistics.median(whole), "s"),
        Figure(f"counter batch of {len(ids):,} applications", batch_t(), "s"),
        Figure("  throughput", len(ids) / batch_t(), "apps/s"),
    ]
