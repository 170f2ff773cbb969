"""The main job, end to end on the embedded default (SQLite + Prefect's local server).

Each step is one call into the packages or one flow; `assured demo` runs them in
order on a fresh demo home and prints where everything is.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import Counter
from pathlib import Path

from rich.console import Console

from certificates.verify import verify_pdf
from checks.calendar import zh_date
from checks.programmes import Programme
from flows.application import application_flow
from flows.common import registry
from flows.issuance import issue_flow
from flows.publish import publish_flow
from flows.recheck import recheck_flow
from flows.review import Decision, announce_flow, review_batch
from registry import inspections, queries
from registry.account_admin import add_account
from registry.accounts import open_session
from registry.announcements import file_objection, resolve_objection
from registry.applications import online_row
from registry.applications import submit_rows as submit
from registry.certificates import DbStatusStore, issued_certificate, key_ring
from registry.db import begin_write, open_registry
from registry.ingest import files_to_ingest, ingest_file, read_rows
from registry.records import APPLICATIONS
from registry.settings import get_settings
from registry.synth import Params
from registry.synth import generate as write_province
from registry.workflow_models import Application, ApplicationStatus, WorkflowError

AS_OF = dt.date(2026, 6, 30)  # the day the generated province stands on
PUBLISHED = dt.date(2026, 7, 1)  # announcement day
REVIEWERS = (("县级审核员", "county"), ("市级审核员", "city"), ("省级审核员", "province"))


def fresh_home(base: Path) -> Path:
    """A clean demo home under the user's home (`<ASSURED_HOME>/demo`), reset on every run."""
    home = base / "demo"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ["ASSURED_HOME"] = str(home)
    os.environ.pop("ASSURED_DATABASE_URL", None)
    get_settings.cache_clear()
    return home


def _ingest(data: Path) -> list[dict]:
    """Into the demo's new registry, made here (`registry()` refuses one that is not there yet)."""
    out = []
    for path, kind in files_to_ingest([data]):
        with begin_write(open_registry(get_settings().db_url)) as session:
            out.append(ingest_file(session, path, kind).as_dict())
    return out


def _online_candidates(n: int) -> list[str]:
    """Low-risk registered businesses without an application: the online applicants."""
    with registry()() as session:
        return queries.online_candidates(session, n)


def _apply_online(usccs: list[str]) -> list[int]:
    commitments = [
        "displayed",
        "advance_compensation",
        "first_inquiry_responsibility",
        "service_station",
        "returns_any_branch",
    ]
    ids = []
    with begin_write(registry()) as session:
        for i, uscc in enumerate(usccs):
            program = Programme.SEVEN_DAY_RETURN if i % 2 else Programme.MODEL_UNIT
            row = online_row(session, uscc, program, None, None, 15 if i % 3 else 30, commitments, AS_OF)
            ids += submit(session, [row], "online").accepted
    return ids


def _verify(numbers: list[str], today: dt.date) -> list[dict]:
    ring = key_ring(get_settings())
    out = []
    with registry()() as session:
        store = DbStatusStore(session)
        for number in numbers:
            cert = issued_certificate(session, number)
            report = verify_pdf(
                Path(cert.pdf_path).read_bytes(), ring.verification_keys(), ring.issuer, store.get, today
            )
            out.append({"number": number, "valid": report.valid, "status": report.status})
    return out


def _inspect(ids: list[int], reviewer: str) -> dict[int, str]:
    """The county's on-site inspections: an application the generated field teams did not visit
    is inspected by `reviewer` (every item passes); those whose inspection failed, with why."""
    failed = {}
    with begin_write(registry()) as session:
        for app_id in ids:
            app = session.get(Application, app_id)
            found = inspections.inspection_of(session, app)
            if found is None or inspections.unanswered(found):
                items = {i.id: {"result": "pass", "note": ""} for i in inspections.checklist(app.program, AS_OF)}
                found = inspections.record(session, app_id, reviewer, AS_OF, items, "pass", [], AS_OF)
            if found.conclusion != "pass":
                titles = {i.id: i.title_zh for i in inspections.checklist(app.program, found.inspected_on)}
                bad = [titles.get(k, k) for k, v in inspections.items_of(found).items() if v["result"] == "fail"]
                failed[app_id] = f"{zh_date(found.inspected_on)} 评价验收未通过：{'；'.join(bad) or '验收结论为不通过'}"
    return failed


def run(businesses: int, seed: int, console: Console) -> dict:
    home = fresh_home(get_settings().home_path)
    settings = get_settings()
    stages = tuple(settings.review_stages)
    data = home / "data"
    step = lambda n, text: console.print(f"[bold cyan]{n:>2}.[/] {text}")  # noqa: E731

    step(1, f"generate a province of {businesses:,} businesses as of {AS_OF} → {data}")
    manifest = write_province(data, Params(businesses, seed, AS_OF, "jsonl", 0.002))
    step(2, f"ingest into {settings.db_url}")
    ingested = _ingest(data)
    step(3, "apply: the counter batch (applications.jsonl) and online applications")

    with begin_write(registry()) as session:
        batch = submit(session, read_rows(data / "applications.jsonl", APPLICATIONS), "counter")
    online = _apply_online(_online_candidates(max(0, 200 - len(batch.accepted))))
    step(4, f"assess {len(batch.accepted) + len(online)} applications (application flow)")
    statuses = application_flow(batch.accepted + online, AS_OF)
    step(5, "review: county (after the on-site inspection, 评价验收) → city → province")
    passwords, sessions = {}, {}
    with begin_write(registry()) as session:
        for name, stage in REVIEWERS:
            account, passwords[name] = add_account(
                session, name, role="reviewer", stage=stage, region_prefix="42", settings=settings
            )
            # the demo signs its reviewers in, so each decision names an account and a session
            sessions[name] = open_session(session, account, settings, kind="cli", client="demo").session_id
    for name, stage in REVIEWERS:
        with registry()() as session:
            ids = queries.application_ids(session, ApplicationStatus.in_review, stage)
        failed = _inspect(ids, name) if inspections.required("model_unit", stage, AS_OF) else {}
        decisions = [
            Decision(application_id=i, reviewer=name, session_id=sessions[name], decision="reject", comment=failed[i])
            if i in failed
            else Decision(application_id=i, reviewer=name, session_id=sessions[name], decision="approve")
            for i in ids
        ]
        if stage == "city" and len(decisions) > 3:  # one returned for re-examination, for the record
            decisions[0] = Decision(
                application_id=ids[0],
                reviewer=name,
                session_id=sessions[name],
                decision="return",
                comment="门店退货公示牌与承诺不一致，请核实后重新提交",
            )
        review_batch(decisions)
    step(6, f"announce (公示) on {PUBLISHED}")
    announcements = []
    for program in Programme:
        try:
            announcements.append(announce_flow(program, PUBLISHED))
        except WorkflowError as exc:
            console.print(f"    {exc}")
    step(7, "an objection is filed and dismissed after checking")
    objected = announcements[0]["applications"][0] if announcements else None
    if objected is not None:
        with begin_write(registry()) as session:
            obj = file_objection(
                session, objected, "门店曾拒绝七日内退货", "匿名消费者", PUBLISHED + dt.timedelta(days=1)
            )
        with begin_write(registry()) as session:
            resolve_objection(
                session, obj.id, False, REVIEWERS[2][0], "经现场核查，门店已按承诺办理退货，异议不成立", stages
            )
    window_end = max((dt.date.fromisoformat(a["window_ends_on"]) for a in announcements), default=PUBLISHED)
    today = window_end + dt.timedelta(days=1)
    step(8, f"the clock moves past the window ({window_end}): issue and deliver on {today}")
    issued = issue_flow(today)
    step(9, "verify a few certificates")
    checked = _verify([r["number"] for r in issued[:3]], today)
    step(10, f"recheck every certified business on {today} (dynamic management)")
    rechecked = recheck_flow(today)
    step(11, f"publish the disclosures (red and black lists, complaint statistics, letters) for {today}")
    published = publish_flow(str(settings.out_path / "disclosures" / today.isoformat()), today)
    with registry()() as session:
        counts = queries.status_counts(session)
    return {
        "home": str(home),
        "database": settings.db_url,
        "businesses": businesses,
        "rows": sum(f["rows"] for f in manifest["files"].values()),
        "ingest": ingested,
        "applications": dict(sorted(counts.items())),
        "assessed": dict(Counter(statuses.values())),
        "announcements": announcements,
        "issued": len([r for r in issued if r["status"] == ApplicationStatus.issued]),
        "verified": checked,
        "certificates": str(settings.out_path / "certificates"),
        "recheck": {k: rechecked[k] for k in ("certificates", "actions", "worklist")},
        "disclosures": {"out": published["out"], "counts": published["counts"]},
        "outbox": str(settings.outbox_path),
        "letters": str(settings.out_path / "letters"),
        "accounts": [{"username": n, "stage": st, "one_time_password": passwords[n]} for n, st in REVIEWERS],
    }
