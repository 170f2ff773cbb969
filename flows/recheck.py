"""Dynamic management (动态管理): the recheck of every certified business, and the reviewers'
status decisions (suspend, revoke, reinstate).

The recheck reads fresh evidence set-based, in a few chunk tasks like screening (never one task
per business), decides per certificate with `checks.monitoring.decide`, and writes each
sub-batch in one short transaction: findings, status change, audit entry and the notice queued
for delivery together, so a re-run after a crash resumes without doing anything twice. Then it
republishes the status lists, delivers the notices and writes the reviewers' worklist.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import select
from sqlalchemy.orm import Session

from checks import calendar
from checks.monitoring import Decision, decide
from flows.common import chunks, registry
from registry import failpoints
from registry.monitoring import Watched
from registry.workflow_models import CertificateStatusChange

WRITE_BATCH = 500
WORKLIST_FIELDS = ("uscc", "number", "program", "check_id", "kind", "action", "reason_code", "title_zh",
                   "reason_zh", "reason_en", "evidence")


def _apply(session: Session, cert: Watched, decision: Decision, as_of: dt.date, notice, settings) -> None:
    from flows.certstore import DbStatusStore
    from flows.notices import queue_notice
    from registry.monitoring import store_findings

    store_findings(session, cert, as_of, decision)
    if decision.action == "suspend":
        DbStatusStore(session, "recheck").change(cert.number, "suspended", decision.reason_code, as_of,
                                                 decision.cause.reason_zh[:300])
    if notice is not None:
        queue_notice(session, notice, cert.number, NOTICE_TO[decision.action], decision.reason_code, settings)


NOTICE_TO = {"suspend": "suspended", "expire": "expired"}


def _decisions(session: Session, pending: list, as_of: dt.date, previous: dt.date | None, p) -> dict[int, tuple]:
    """certificate id -> (state it was decided from, decision), for those still watched."""
    from registry.monitoring import context
    from registry.workflow_models import Certificate

    ids = [c.id for c, _ in pending]
    ctx = context(session, ids, sorted({c.uscc for c, _ in pending}), as_of, previous)
    state = dict(session.execute(select(Certificate.id, Certificate.status).where(Certificate.id.in_(ids))).all())
    return {cert.id: (state[cert.id], decide(state[cert.id], cert.valid_until, assessment, p,
                                             warned_before=ctx.warned_before.get(cert.id, frozenset()),
                                             expiry_noted=cert.id in ctx.expiry_noted,
                                             risk_notice=ctx.risk.get(cert.uscc)))
            for cert, assessment in pending if state.get(cert.id) in ("valid", "suspended")}


def _write_batch(pending: list, as_of: dt.date, previous: dt.date | None, p, settings) -> Counter:
    """Decide one sub-batch of (certificate, assessment) and render its notices outside any write
    transaction, then store findings, status changes and queued notices in one short one."""
    from flows.notices import write_status_notice
    from registry.db import begin_write
    from registry.workflow_models import Certificate

    with registry()() as session:
        decided = _decisions(session, pending, as_of, previous, p)
        notices = {cid: write_status_notice(session, session.get(Certificate, cid), NOTICE_TO[d.action],
                                            d.reason_code, as_of, settings, d.findings)
                   for cid, (_, d) in decided.items() if d.action in NOTICE_TO}
    counts: Counter = Counter()
    with begin_write(registry()) as session:
        ids = list(decided)
        now = dict(session.execute(select(Certificate.id, Certificate.status).where(Certificate.id.in_(ids))).all())
        for cert, _ in pending:
            if cert.id in decided and now.get(cert.id) == decided[cert.id][0]:  # unchanged since decided
                decision = decided[cert.id][1]
                _apply(session, cert, decision, as_of, notices.get(cert.id), settings)
                counts[decision.action] += 1
    failpoints.hit("recheck.after_write")
    return counts


@task(cache_policy=NO_CACHE)
def recheck_chunk(program: str, certs: list[Watched], as_of: dt.date, previous: dt.date | None) -> Counter:
    """Fresh evidence for the chunk's businesses (set-based), assessed and decided per certificate."""
    from checks.assess import assess
    from checks.policy import load_policy
    from registry.evidence import evidence_batch, evidence_for
    from registry.settings import get_settings

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


def _worklist(session: Session, as_of: dt.date, folder: Path) -> tuple[list[dict], list[Path]]:
    """The recheck's findings as the reviewers' worklist (CSV and JSON, stable order)."""
    from registry.monitoring import findings_on
    from registry.workflow_models import Certificate

    numbers = dict(session.execute(select(Certificate.id, Certificate.number)).all())
    rows = [{"uscc": f.uscc, "number": numbers[f.certificate_id], "program": f.program, "check_id": f.check_id,
             "kind": f.kind, "action": f.action, "reason_code": f.reason_code or "",
             "title_zh": f.detail.get("title_zh", ""), "reason_zh": f.detail.get("reason_zh", ""),
             "reason_en": f.detail.get("reason_en", ""), "evidence": "|".join(f.detail.get("evidence", ()))}
            for f in findings_on(session, as_of)]
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "findings.csv", folder / "findings.json"]
    tmp = paths[0].with_suffix(".csv.part")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, WORKLIST_FIELDS)
        w.writeheader()
        w.writerows(rows)
    tmp.replace(paths[0])
    tmp = paths[1].with_suffix(".json.part")
    tmp.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(paths[1])
    return rows, paths


def _plan(certs: list[Watched], parts: int) -> list[tuple[str, list[Watched]]]:
    """The chunk tasks: each programme's certificates in at most `parts` chunks of 2,000 or more."""
    by_program: dict[str, list[Watched]] = defaultdict(list)
    for c in certs:
        by_program[c.program].append(c)
    return [(program, part) for program, group in sorted(by_program.items())
            for part in chunks(group, parts=parts, min_size=2000)]


@flow(name="recheck")
def recheck_flow(as_of: dt.date | None = None, parts: int = 4) -> dict:
    """Recheck every certified business as of a date (default today): suspend on a new veto,
    warn on a complaint spike or a low reconciliation rate (suspend when it persists to the
    next recheck), note expiry, flag what a reviewer may reinstate; notify and republish."""
    from flows.application import deliver_pending
    from flows.certstore import DbStatusStore, publish_lists
    from registry.db import begin_write
    from registry.monitoring import finish, start, watched
    from registry.settings import get_settings

    as_of = as_of or calendar.today()
    with begin_write(registry()) as session:
        previous = start(session, as_of)
        certs = watched(session, as_of)
    plan = _plan(certs, parts)
    counts: Counter = Counter()
    for program, part in plan:
        counts.update(recheck_chunk(program, part, as_of, previous))
    if counts["suspend"] or counts["expire"]:
        with registry()() as session:
            publish_lists(DbStatusStore(session))
    delivered = deliver_pending()
    with begin_write(registry()) as session:
        rows, paths = _worklist(session, as_of, get_settings().out_path / "rechecks" / as_of.isoformat())
        summary = {
            "as_of": as_of.isoformat(), "previous": previous.isoformat() if previous else None,
            "certificates": len(certs), "tasks": len(plan),
            "actions": dict(sorted(Counter(r["action"] for r in rows if r["action"] != "noted").items())),
            "checks": dict(sorted(Counter(r["check_id"] for r in rows).items())),
            "delivered": delivered, "worklist": [str(p) for p in paths],
        }
        finish(session, as_of, summary)
    return summary | {"findings": rows}


def daily_deployment():
    """The recheck as a deployment on a daily schedule (served by `assured serve`)."""
    from prefect.schedules import Cron

    return recheck_flow.to_deployment("recheck-daily", schedule=Cron("30 2 * * *", timezone="Asia/Shanghai"),
                                      description="Daily recheck of every certified business (动态管理)")


def _certificate(session: Session, number: str):
    from registry.applications import WorkflowError
    from registry.workflow_models import Certificate

    cert = session.scalar(select(Certificate).where((Certificate.number == number) | (Certificate.number_zh == number)))
    if cert is None or cert.status == "reserved":
        raise WorkflowError(f"certificate {number}: no issued certificate with this number")
    return cert


def standing(session: Session, cert, on: dt.date) -> Decision:
    """A recheck of one certificate as of `on` (nothing stored): what stands against it now."""
    from checks.assess import assess
    from checks.policy import load_policy
    from registry.evidence import evidence_for

    policy = load_policy(cert.program)
    a = assess(evidence_for(session, cert.uscc, on, cert.program, policy), policy)
    return decide("suspended", cert.valid_until, a, policy.at(on))


def reviewer_change(number: str, to: str, reviewer: str, reason: str | None, note: str, on: dt.date) -> dict:
    """suspend / revoke / reinstate by a reviewer: checked against the reviewer registry (revocation
    needs a final-stage reviewer and confirms a suspension; reinstatement needs every event cleared),
    then status change, audit, notice to the business and republished status lists."""
    from certificates.status import FINAL, REASONS
    from flows.application import deliver_pending
    from flows.certstore import DbStatusStore, publish_lists
    from flows.common import stages
    from flows.notices import status_notice
    from registry.applications import WorkflowError
    from registry.db import begin_write
    from registry.monitoring import acting_reviewer
    from registry.settings import get_settings

    settings = get_settings()
    with begin_write(registry()) as session:
        cert = _certificate(session, number)
        if cert.status in FINAL:
            what = "revocation is final" if cert.status == "revoked" else "a renewed certificate replaced it"
            raise WorkflowError(f"certificate {cert.number} is {cert.status}: {what}")
        acting_reviewer(session, reviewer, cert.uscc, stage=stages()[-1] if to == "revoked" else None)
        if to == "revoked" and cert.status != "suspended":
            raise WorkflowError(f"certificate {cert.number} is {cert.status}: revocation confirms a suspension "
                                f"(suspend it first)")
        if to == "valid":
            if on > cert.valid_until:
                raise WorkflowError(f"certificate {cert.number} expired on {cert.valid_until}: apply for renewal")
            now = standing(session, cert, on)
            blocking = [f for f in now.findings if f.kind in ("veto", "warning")]
            if blocking:
                raise WorkflowError(f"certificate {cert.number} cannot be reinstated on {on}: " + "; ".join(
                    f"{f.check_id} {f.reason_en}" for f in blocking))
        default = {"valid": "review_cleared", "suspended": "reviewer_decision"}
        if reason in REASONS:
            code = reason
        else:
            if to != "valid" and not (reason or "").strip():
                raise WorkflowError(f"--reason: say why (a reason code such as {', '.join(list(REASONS)[1:4])}, "
                                    f"or words)")
            code = default.get(to) or session.scalar(select(CertificateStatusChange.reason_code).where(
                CertificateStatusChange.certificate_id == cert.id).order_by(CertificateStatusChange.id.desc()).limit(1))
            note = "; ".join(x for x in ((reason or "").strip(), note.strip()) if x)
        record = DbStatusStore(session, f"reviewer:{reviewer}").change(cert.number, to, code, on, note)
        path = status_notice(session, cert, to, code, on, settings, note=note)
        publish_lists(DbStatusStore(session))
        result = {"number": cert.number, "status": record.state, "reason": code, "note": note, "on": on.isoformat(),
                  "notice": str(path)}
    result["delivered"] = deliver_pending.fn()
    return result
