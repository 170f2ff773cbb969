"""Dynamic management (动态管理): the recheck of every certified business, and the reviewers'
status decisions (suspend, revoke, reinstate).

The recheck reads fresh evidence set-based, in a few chunk tasks like screening (never one task
per business), decides per certificate with `checks.monitoring.decide`, and writes each
sub-batch in one short transaction: findings, status change, audit entry and the notice queued
for delivery together, so a re-run after a crash resumes without doing anything twice; the
signed status lists are re-signed in the same transaction (one query for what they set). Then it
republishes the lists, delivers the notices and writes the reviewers' worklist.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron
from sqlalchemy.orm import Session

from certificates.status import CertificateState
from checks import calendar
from checks.assess import assess
from checks.monitoring import MONITORED, Decision, decide
from checks.policy import load_policy
from documents.files import write_atomic
from documents.opendata import worklist_csv, worklist_readme
from flows.application import deliver_pending
from flows.common import chunks, registry, stages
from flows.issuance import publish_status_lists
from flows.notices import status_notice, write_status_notice
from registry import failpoints
from registry import monitoring as M
from registry.certificates import DbStatusStore, publish_lists
from registry.db import begin_write
from registry.evidence import evidence_batch, evidence_for
from registry.monitoring import Watched
from registry.notices import queue_notice
from registry.settings import get_settings
from registry.workflow_models import Certificate

WRITE_BATCH = 500


def _apply(session: Session, cert: Watched, decision: Decision, as_of: dt.date, notice, settings) -> None:
    if decision.action == "suspend":
        DbStatusStore(session, "recheck").change(
            cert.number, CertificateState.suspended, decision.reason_code, as_of, decision.cause.reason_zh[:300]
        )
    if notice is not None:
        queue_notice(session, notice, cert.number, NOTICE_TO[decision.action], decision.reason_code, settings)


NOTICE_TO = {"suspend": CertificateState.suspended, "expire": CertificateState.expired}


def _decisions(session: Session, pending: list, as_of: dt.date, previous: dt.date | None, p) -> dict[int, tuple]:
    """certificate id -> (state it was decided from, decision), for those still watched."""
    ids = [c.id for c, _ in pending]
    ctx = M.context(session, ids, sorted({c.uscc for c, _ in pending}), as_of, previous)
    state = M.statuses(session, ids)
    return {
        cert.id: (
            state[cert.id],
            decide(
                state[cert.id],
                cert.valid_until,
                assessment,
                p,
                warned_before=ctx.warned_before.get(cert.id, frozenset()),
                expiry_noted=cert.id in ctx.expiry_noted,
                risk_notice=ctx.risk.get(cert.uscc),
                program=cert.program,
                visits=ctx.visits.get(cert.uscc, ()),
            ),
        )
        for cert, assessment in pending
        if state.get(cert.id) in MONITORED
    }


def _write_batch(pending: list, as_of: dt.date, previous: dt.date | None, p, settings) -> Counter:
    """Decide one sub-batch of (certificate, assessment) outside any write transaction, then store
    findings, status changes and the notices (numbered, rendered and queued: a notice's document
    number is taken in the transaction that records it) in one short one."""
    with registry()() as session:
        decided = _decisions(session, pending, as_of, previous, p)
    counts: Counter = Counter()
    findings: list[dict] = []
    with begin_write(registry()) as session:
        now = M.statuses(session, list(decided))
        for cert, _ in pending:
            if cert.id in decided and now.get(cert.id) == decided[cert.id][0]:  # unchanged since decided
                decision = decided[cert.id][1]
                findings += M.finding_rows(cert, as_of, decision)
                notice = (
                    write_status_notice(
                        session,
                        session.get(Certificate, cert.id),
                        NOTICE_TO[decision.action],
                        decision.reason_code,
                        as_of,
                        settings,
                        decision.findings,
                    )
                    if decision.action in NOTICE_TO
                    else None
                )
                _apply(session, cert, decision, as_of, notice, settings)
                counts[decision.action] += 1
        M.store_findings(session, findings)
        if counts["suspend"]:  # the signed lists say what the register says, even after a crash
            publish_lists(DbStatusStore(session))
    failpoints.hit("recheck.after_write")
    return counts


@task(cache_policy=NO_CACHE)
def recheck_chunk(program: str, certs: list[Watched], as_of: dt.date, previous: dt.date | None) -> Counter:
    """Fresh evidence for the chunk's businesses (set-based), assessed and decided per certificate."""
    settings = get_settings()
    policy = load_policy(program)
    p = policy.at(as_of)
    by_uscc: dict[str, list[Watched]] = defaultdict(list)
    for c in certs:
        by_uscc[c.uscc].append(c)
    counts: Counter = Counter()
    pending: list = []
    with registry()() as session:
        seen = set()
        for ev in evidence_batch(session, as_of, program, policy, usccs=list(by_uscc)):
            seen.add(ev.uscc)
            a = assess(ev, policy)
            pending.extend((c, a) for c in by_uscc[ev.uscc])
            if len(pending) >= WRITE_BATCH:
                counts.update(_write_batch(pending, as_of, previous, p, settings))
                pending = []
        for uscc in sorted(set(by_uscc) - seen):  # registration gone: V1 reads it as missing or closed
            a = assess(evidence_for(session, uscc, as_of, program, policy), policy)
            pending.extend((c, a) for c in by_uscc[uscc])
    if pending:
        counts.update(_write_batch(pending, as_of, previous, p, settings))
    return counts


def _write_worklist(rows: list[dict], folder: Path) -> list[Path]:
    """The reviewers' worklist as CSV (BOM, Chinese headers, the README beside it) and JSON, each
    written atomically."""
    write_atomic(folder / "README.md", worklist_readme().encode("utf-8"))
    return [
        write_atomic(folder / "findings.csv", worklist_csv(rows)),
        write_atomic(folder / "findings.json", json.dumps(rows, ensure_ascii=False, indent=1).encode("utf-8")),
    ]


@task(cache_policy=NO_CACHE)
def start_recheck(as_of: dt.date) -> tuple[dt.date | None, list[Watched]]:
    """Record the recheck (or resume it); the date of the one before, and the watched certificates."""
    with begin_write(registry()) as session:
        return M.start(session, as_of), M.watched(session, as_of)


@task(cache_policy=NO_CACHE)
def finish_recheck(as_of: dt.date, previous: dt.date | None, certificates: int, tasks: int, delivered: dict) -> dict:
    """The reviewers' worklist written under the output folder, and the recheck's summary stored."""
    with begin_write(registry()) as session:
        rows = M.worklist(session, as_of)
        paths = _write_worklist(rows, get_settings().out_path / "rechecks" / as_of.isoformat())
        summary = {
            "as_of": as_of.isoformat(),
            "previous": previous.isoformat() if previous else None,
            "certificates": certificates,
            "tasks": tasks,
            "actions": dict(sorted(Counter(r["action"] for r in rows if r["action"] != "noted").items())),
            "checks": dict(sorted(Counter(r["check_id"] for r in rows).items())),
            "delivered": delivered,
            "worklist": [str(p) for p in paths],
        }
        M.finish(session, as_of, summary)
    return summary | {"findings": rows}


def _plan(certs: list[Watched], parts: int) -> list[tuple[str, list[Watched]]]:
    """The chunk tasks: each programme's certificates in at most `parts` chunks of 2,000 or more."""
    by_program: dict[str, list[Watched]] = defaultdict(list)
    for c in certs:
        by_program[c.program].append(c)
    return [
        (program, part)
        for program, group in sorted(by_program.items())
        for part in chunks(group, parts=parts, min_size=2000)
    ]


@flow(name="recheck")
def recheck_flow(as_of: dt.date | None = None, parts: int = 4) -> dict:
    """Recheck every certified business as of a date (default today): suspend on a new veto,
    warn on a complaint spike or a low reconciliation rate (suspend when it persists to the
    next recheck), note expiry, flag what a reviewer may reinstate; notify and republish."""
    as_of = as_of or calendar.today()
    previous, certs = start_recheck(as_of)
    plan = _plan(certs, parts)
    counts: Counter = Counter()
    for program, part in plan:
        counts.update(recheck_chunk(program, part, as_of, previous))
    publish_status_lists()  # daily: the lists re-signed and the audit chain checkpointed
    delivered = deliver_pending()
    return finish_recheck(as_of, previous, len(certs), len(plan), delivered)


def daily_deployment():
    """The recheck as a deployment on a daily schedule (served by `assured serve`)."""
    return recheck_flow.to_deployment(
        "recheck-daily",
        schedule=Cron("30 2 * * *", timezone="Asia/Shanghai"),
        description="Daily recheck of every certified business (动态管理)",
    )


def reviewer_change(
    number: str, to: str, reviewer: str, reason: str | None, note: str, on: dt.date, session_id: int | None = None
) -> dict:
    """suspend / revoke / reinstate by a reviewer (`registry.monitoring.change_by_reviewer`), with
    the notice to the business and the republished status lists in the same transaction, then
    delivery."""
    settings = get_settings()
    with begin_write(registry()) as session:
        cert, record, code, note = M.change_by_reviewer(
            session, number, to, reviewer, reason, note, on, stages(), session_id
        )
        path = status_notice(session, cert, to, code, on, settings, note=note)
        publish_lists(DbStatusStore(session))
    return {
        "number": cert.number,
        "status": record.state,
        "reason": code,
        "note": note,
        "on": on.isoformat(),
        "notice": str(path),
        "delivered": deliver_pending.fn(),
    }
