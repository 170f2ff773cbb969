"""Workflow commands: apply, applications, review, deadlines, announce, object, objections, audit.
Deciding (review, objection rulings) needs a signed-in account (`assured login`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from checks import calendar
from checks.errors import Kind
from checks.policy import PROGRAMS
from flows.commands.common import date_option, emit_json, fail, signed_in
from registry.announcements import file_objection, resolve_objection
from registry.applications import online_row, processable_ids, submit_rows
from registry.audit import ChainReport, verify_anchored
from registry.db import begin_write, open_registry
from registry.ingest import read_rows
from registry.queries import application_history, application_rows, objection_rows
from registry.records import APPLICATIONS
from registry.settings import get_settings
from registry.status_lists import status_folder
from registry.workflow_models import ApplicationStatus

APP_COLUMNS = ("id", "uscc", "program", "channel", "status", "stage", "verdict", "score", "certificate_number")

commands = typer.Typer()
applications = typer.Typer(name="applications", help="Applications and their history.", no_args_is_help=True)
objections = typer.Typer(name="objections", help="Objections filed during an announcement.", no_args_is_help=True)
audit = typer.Typer(name="audit", help="The hash-chained audit log.", no_args_is_help=True)
GROUPS = (applications, objections, audit)


def _factory():
    return open_registry(get_settings().db_url)


@commands.command()
def apply(
    file: Annotated[Path | None, typer.Argument(help="counter batch: applications .jsonl or .csv")] = None,
    uscc: Annotated[str | None, typer.Option(help="online: the applicant's USCC")] = None,
    program: Annotated[str | None, typer.Option(help="model_unit or seven_day_return")] = None,
    store_name: Annotated[str | None, typer.Option(help="store name (default: registered name)")] = None,
    email: Annotated[str | None, typer.Option(help="contact e-mail (default: registered)")] = None,
    return_days: Annotated[int | None, typer.Option(help="committed return period in days")] = None,
    commitment: Annotated[
        list[str] | None,
        typer.Option(
            help="commitments made: displayed, advance_compensation, first_inquiry_responsibility, "
            "service_station, returns_any_branch, refund_within_48h (repeat)"
        ),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="evaluation date YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Submit applications (online: --uscc/--program; counter batch: FILE), then assess them."""
    from flows.application import application_flow  # Prefect: only when applications are assessed

    day = date_option(as_of, "--as-of")
    actor = "counter" if file is not None else "online"
    with begin_write(_factory()) as session:
        if file is not None:
            if uscc or program:
                fail("give either a batch FILE or --uscc/--program, not both")
            if file.suffix not in (".jsonl", ".csv") or not file.is_file():
                fail(f"{file}: expected an applications .jsonl or .csv file")
            report = submit_rows(session, read_rows(file, APPLICATIONS), actor)
        else:
            if not (uscc and program):
                fail("online application needs --uscc and --program (or a batch FILE)")
            row = online_row(
                session, uscc, program, store_name, email, return_days, commitment or [], day or calendar.today()
            )
            report = submit_rows(session, [row], actor)
            if report.rejected:
                fail(report.rejected[0]["reason"])
    statuses = application_flow(report.accepted, day) if report.accepted else {}
    result = {
        "accepted": len(report.accepted),
        "rejected": len(report.rejected),
        "refusals": report.rejected,
        "applications": [{"id": i, "status": s} for i, s in statuses.items()],
    }
    if as_json:
        emit_json(result)
        return
    for r in report.rejected:
        typer.echo(f"refused: line {r['line']}: {r['reason']}", err=True)
    for i, s in statuses.items():
        typer.echo(f"application {i}: {s}")
    typer.echo(f"{len(report.accepted)} accepted, {len(report.rejected)} refused")


@commands.command()
def deadlines(
    as_of: Annotated[str | None, typer.Option(help="the day to judge deadlines by, YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Escalate overdue review stages: e-mail the holder and the stage's supervisors (once each)."""
    from flows.deadlines import deadlines_flow  # Prefect: only when the flow runs

    report = deadlines_flow(date_option(as_of, "--as-of"))
    if as_json:
        emit_json(report)
        return
    typer.echo(f"{report['overdue']} overdue, {len(report['escalated'])} escalated now")
    for app_id, names in report["notified"].items():
        typer.echo(f"application {app_id}: told {', '.join(names) or 'nobody (no holder, no supervisor)'}")


@commands.command()
def reminders(
    as_of: Annotated[str | None, typer.Option(help="the day to count from, YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Send renewal reminders 60 and 30 days before a certificate ends (each once)."""
    from flows.reminders import reminders_flow  # Prefect: only when the flow runs

    report = reminders_flow(date_option(as_of, "--as-of"))
    if as_json:
        emit_json(report)
        return
    for r in report["sent"]:
        typer.echo(f"{r['number']}: reminded, {r['days_before']} days before its end")
    typer.echo(f"{len(report['sent'])} reminders sent")


@applications.command("process")
def applications_process(
    as_of: Annotated[str | None, typer.Option(help="evaluation date YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-assess applications that wait for data, were returned or were left submitted (after new
    data arrives, or a crash), and write the reasons letters a crash left unwritten."""
    from flows.application import application_flow, owed_letters_flow  # Prefect: only when there is work
    from registry.notices import unlettered  # the documents' reportlab: not at every start

    with _factory()() as session:
        ids = processable_ids(session)
        owed = unlettered(session)
    statuses = application_flow(ids, date_option(as_of, "--as-of")) if ids else {}
    letters = owed_letters_flow() if owed else []
    if as_json:
        emit_json([{"id": i, "status": s} for i, s in statuses.items()])
    else:
        for i, s in statuses.items():
            typer.echo(f"application {i}: {s}")
        if letters:
            typer.echo(f"{len(letters)} reasons letters owed since a crash: written and queued")


@applications.command("list")
def applications_list(
    status: Annotated[str | None, typer.Option(help="only this status")] = None,
    program: Annotated[str | None, typer.Option(help="only this programme")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List applications with status, stage, verdict, score and certificate number."""
    with _factory()() as session:
        rows = application_rows(session, status=status, program=program)
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"applications ({len(rows)})")
    for col in APP_COLUMNS:
        table.add_column(col)
    for r in rows:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in APP_COLUMNS))
    Console().print(table)


@applications.command("show")
def applications_show(
    application_id: Annotated[int, typer.Argument(help="application number")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One application with its whole history: assessments, decisions, objections, certificate."""
    with _factory()() as session:
        info = application_history(session, application_id)
    if as_json:
        emit_json(info)
        return
    console = Console()
    console.print({k: v for k, v in info.items() if k not in ("history", "assessment", "risk_notice")})
    if info.get("assessment"):
        a = info["assessment"]
        console.print(f"assessment: {a['verdict']} score {a['score']} bonus {a['bonus']} (policy {a['policy']})")
    if info.get("risk_notice"):
        console.print(f"[yellow]{info['risk_notice']['zh']}[/]")
    table = Table(title="history")
    for col in ("at", "actor", "action", "reason"):
        table.add_column(col, overflow="fold")
    for h in info["history"]:
        table.add_row(h["at"], h["actor"], h["action"], h.get("reason") or "")
    console.print(table)


@commands.command()
def review(
    application_id: Annotated[int, typer.Argument(help="application number")],
    approve: Annotated[bool, typer.Option("--approve")] = False,
    reject: Annotated[bool, typer.Option("--reject")] = False,
    send_back: Annotated[bool, typer.Option("--return", help="return for re-examination")] = False,
    comment: Annotated[str, typer.Option(help="why (required to reject or return)")] = "",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Decide the current review stage of an application as the signed-in account (a
    `review-decision` flow run)."""
    from flows.review import Decision, review_decision  # Prefect: only when a decision runs

    chosen = [n for n, v in (("approve", approve), ("reject", reject), ("return", send_back)) if v]
    if len(chosen) != 1:
        fail("give exactly one of --approve, --reject, --return")
    who = signed_in()
    result = review_decision(
        Decision(
            application_id=application_id,
            reviewer=who.account.username,
            session_id=who.session_id,
            decision=chosen[0],
            comment=comment,
        )
    )
    if as_json:
        emit_json(result)
    else:
        stage = f" ({result['stage']} stage)" if result["stage"] else ""
        typer.echo(f"application {application_id}: {result['status']}{stage}")


@commands.command()
def inspect(
    application_id: Annotated[int, typer.Argument(help="application number")],
    failed: Annotated[list[str] | None, typer.Option("--fail", help="a checklist item found failing (repeat)")] = None,
    not_applicable: Annotated[
        list[str] | None, typer.Option("--na", help="a checklist item that does not apply (repeat)")
    ] = None,
    note: Annotated[list[str] | None, typer.Option(help="ITEM=TEXT: what was found (repeat)")] = None,
    photo: Annotated[list[Path] | None, typer.Option(help="a JPEG or PNG taken on site (repeat)")] = None,
    conclusion: Annotated[
        str | None, typer.Option(help="pass or fail (default: fail when a veto item failed, else pass)")
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="inspection date YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """评价验收: record the on-site inspection of an application in review, as the signed-in
    reviewer of its stage; every checklist item not named --fail or --na passed."""
    from flows.review import after_inspection  # Prefect: only when an inspection is recorded
    from registry import inspections
    from registry.uploads import store_photo
    from registry.workflow_models import Application

    who = signed_in()
    settings = get_settings()
    day = date_option(on, "--on") or calendar.today()
    notes: dict[str, str] = {}
    for n in note or []:
        item, sep, text = n.partition("=")
        if not sep:
            fail(f"--note: {n!r} is not ITEM=TEXT")
        notes[item.strip()] = text.strip()
    photos = []
    for path in photo or []:
        try:
            data = path.read_bytes()
        except OSError as exc:
            fail(f"--photo: {path}: {exc.strerror}")
        photos.append(store_photo(data, settings)[0])
    with begin_write(_factory()) as session:
        app = session.get(Application, application_id)
        if app is None:
            fail(f"application {application_id}: no such application", Kind.not_found)
        program = app.program
        checklist = inspections.checklist(program, day)
        known = {i.id for i in checklist}
        for item in [*(failed or []), *(not_applicable or []), *notes]:
            if item not in known:
                fail(f"{item!r} is not an item of the {program} inspection checklist: {', '.join(sorted(known))}")
        results = {
            i.id: {
                "result": "fail"
                if i.id in (failed or [])
                else "not_applicable"
                if i.id in (not_applicable or [])
                else "pass",
                "note": notes.get(i.id, ""),
            }
            for i in checklist
        }
        vetoed = any(i.veto and results[i.id]["result"] == "fail" for i in checklist)
        chosen = conclusion or ("fail" if vetoed else "pass")
        row = inspections.record(
            session, application_id, who.account.username, day, results, chosen, photos, calendar.today()
        )
        status = after_inspection(session, application_id, day, f"account:{who.account.username}")
        out = {
            "application_id": application_id,
            "inspection": row.inspection_id,
            "conclusion": row.conclusion,
            "status": status,
        }
    if as_json:
        emit_json(out)
    else:
        typer.echo(
            f"application {application_id}: inspection {out['inspection']} recorded ({out['conclusion']}); "
            f"the application is {status}"
        )


@commands.command()
def announce(
    program: Annotated[str, typer.Option(help="model_unit or seven_day_return")] = "model_unit",
    on: Annotated[str | None, typer.Option("--on", help="publication date YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """公示: publish approved applications (PDF + CSV, personal data masked) with an objection window."""
    from flows.review import announce_flow  # Prefect and reportlab: only when an announcement runs

    if program not in PROGRAMS:
        fail(f"--program: {program!r} is not model_unit or seven_day_return")
    result = announce_flow(program, date_option(on, "--on"))
    if as_json:
        emit_json(result)
    else:
        typer.echo(
            f"announcement {result['announcement']}: {len(result['applications'])} {program} "
            f"applications until {result['window_ends_on']}\n  {result['pdf']}\n  {result['csv']}"
        )


@commands.command()
def object(
    application_id: Annotated[int, typer.Argument(help="application number")],
    reason: Annotated[str, typer.Option(help="what is objected to")],
    by: Annotated[str, typer.Option(help="who objects (may be anonymous)")] = "anonymous",
    on: Annotated[str | None, typer.Option("--on", help="filing date YYYY-MM-DD (default today)")] = None,
) -> None:
    """Record an objection to an announced application during its window."""
    with begin_write(_factory()) as session:
        obj = file_objection(session, application_id, reason, by, date_option(on, "--on") or calendar.today())
        typer.echo(f"objection {obj.id} recorded against application {application_id}")


@objections.command("list")
def objections_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List objections with their status."""
    with _factory()() as session:
        rows = objection_rows(session)
    if as_json:
        emit_json(rows)
    else:
        for r in rows:
            typer.echo(f"{r['id']:>4} application {r['application_id']:<6} {r['status']:<10} {r['reason']}")


@objections.command("resolve")
def objections_resolve(
    objection_id: Annotated[int, typer.Argument(help="objection number")],
    uphold: Annotated[bool, typer.Option("--uphold", help="send the application back to review")] = False,
    dismiss: Annotated[bool, typer.Option("--dismiss")] = False,
    comment: Annotated[str, typer.Option(help="the reasoning (required)")] = "",
) -> None:
    """Uphold (back to review) or dismiss an objection, as the signed-in final-stage reviewer."""
    if uphold == dismiss:
        fail("give exactly one of --uphold, --dismiss")
    who = signed_in()
    with begin_write(_factory()) as session:
        obj = resolve_objection(
            session,
            objection_id,
            uphold,
            who.account.username,
            comment,
            tuple(get_settings().review_stages),
            who.session_id,
        )
        typer.echo(f"objection {objection_id} {obj.status}")


@commands.command()
def issue(
    today: Annotated[str | None, typer.Option(help="issue date YYYY-MM-DD (default today)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Issue certificates for every issuable application (announcement window passed, no open
    objection) and deliver them; re-running repairs an interrupted issuance."""
    from flows.issuance import issue_flow  # Prefect and reportlab: only when certificates are issued

    results = issue_flow(date_option(today, "--today"))
    if as_json:
        emit_json(results)
        return
    for r in results:
        typer.echo(f"application {r['application_id']}: {r['number'] or '-'} ({r['status']})")
    typer.echo(f"{sum(r['status'] == ApplicationStatus.issued for r in results)} certificates issued")


@commands.command()
def serve(limit: Annotated[int, typer.Option(help="flow runs at once")] = 4) -> None:
    """Register and serve every deployment from this one process (local use; production runs
    `prefect deploy` and workers): start `prefect server start` first and set PREFECT_API_URL."""
    if not os.environ.get("PREFECT_API_URL"):
        fail(
            "no Prefect server: run `prefect server start` in another terminal, then "
            "PREFECT_API_URL=http://127.0.0.1:4200/api assured serve"
        )
    os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"
    # Prefect: only when serving, and imported after the logging level above is set
    from prefect import serve as prefect_serve

    from flows.deployments import bound_to_pool, deployments

    served = deployments()
    if bound := bound_to_pool(served):
        fail(
            f"refusing to serve over deployments bound to a work pool: {', '.join(bound)}; their workers run "
            "them (or remove them first with `prefect deployment delete NAME`)",
            Kind.refused,
        )
    prefect_serve(*served, limit=limit)


@audit.command("verify")
def audit_verify(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Check the audit chain and its signed checkpoints (beside the status lists); exit 1 naming the
    first edited, deleted or inserted entry, a truncation or a recomputed chain."""
    from certificates import keys  # cryptography, and reportlab through registry.certificates
    from registry.certificates import signed_checkpoints

    settings = get_settings()
    checkpoints: list[dict] = []
    forged: list[str] = []
    if (settings.keys_path / keys.INDEX).is_file():
        ring = keys.load(settings.keys_path)
        checkpoints, forged = signed_checkpoints(status_folder(settings), ring)
    with _factory()() as session:
        report = verify_anchored(session, checkpoints)
    if report.ok and forged:
        report = ChainReport(report.entries, False, forged[0])
    if as_json:
        emit_json(report.__dict__)
    elif report.ok:
        typer.echo(f"audit chain intact: {report.entries} entries")
    else:
        typer.echo(f"audit chain broken: {report.problem}", err=True)
    if not report.ok:
        raise typer.Exit(1)
