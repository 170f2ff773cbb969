"""The reviewers' workbench pages (审核工作台, `/review/...`): sign-in, the worklist, one
application with its decision form, bulk approval and the supervisors' dashboard.

Plain HTML forms (no JavaScript) rendered by Jinja2 with autoescape on. The pages call what the
JSON API calls (`web.api.sign_in`, `claim_or_release`, `decide`) and the registry's read models;
they hold no SQL and no rules. Every page needs a signed-in session (else a redirect to the
sign-in page) and a changed one-time password (else a redirect to the password page); every POST
carries the session's CSRF token in the form field `csrf` (else 403). What is outside the
account's scope is a 404 page, as for a number that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import UploadFile as StarletteUpload

from checks import calendar
from checks.errors import AssuredError, Kind
from registry import workbench
from registry.accounts import SignedIn, change_password, end_session
from registry.inspections import MAX_PHOTOS
from web import sso
from web.api import (
    InspectionBody,
    claim_or_release,
    decide,
    inspection_photo,
    record_inspection,
    reviewer_document,
    sign_in,
)
from web.auth import (
    STATUS,
    check_form_token,
    clear_cookie,
    client_of,
    csrf_matches,
    new_form_token,
    registry,
    set_cookie,
    set_form_token,
    signed_in,
)
from web.pages import (
    CHECK_KIND,
    DECISION_ZH,
    KIND_ZH,
    NOTICES,
    RESULT_ZH,
    STAGE_ZH,
    PageRoute,
    Redirect,
    address,
    bars,
    commitments,
    outcome,
    render,
    safe_back,
    segments,
    with_notice,
)
from web.portal_api import read_bounded

LOGIN_COOKIE = "assured_login_csrf"  # the sign-in form's own CSRF token (there is no session yet)
MAX_BULK = 200  # applications one bulk approval takes

router = APIRouter(prefix="/review", route_class=PageRoute, include_in_schema=False)


# -- who is asking -----------------------------------------------------------------------------


def gate(request: Request, *, password_page: bool = False) -> SignedIn:
    """The signed-in account; else to the sign-in page. An account with a one-time password is
    sent to the password page from every other page."""
    who = signed_in(request)
    if who is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise Redirect("/review/login?" + urlencode({"next": back}) if request.method == "GET" else "/review/login")
    request.state.who = who
    if who.account.must_change_password and not password_page:
        raise Redirect("/review/password")
    return who


def check_csrf(who: SignedIn, offered: str | None) -> None:
    if not csrf_matches(who, offered):
        raise HTTPException(403, "表单已失效或缺少安全令牌，请返回上一页刷新后重试 (missing or wrong CSRF token)")


def may_see_dashboard(who: SignedIn) -> bool:
    return who.account.role in ("supervisor", "admin")


# -- signing in and out ------------------------------------------------------------------------


def login_form(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    token = new_form_token()
    settings = registry().settings
    response = render(
        request,
        "login.html",
        status,
        login_csrf=token,
        attempts=settings.lockout_attempts,
        sso=sso.configured(settings),
        **context,
    )
    set_form_token(response, token, LOGIN_COOKIE, "/review/login")
    return response


@router.get("/login")
def login_page(request: Request, next: str = "", notice: str = "") -> Response:
    who = signed_in(request)
    if who is not None:
        raise Redirect("/review/password" if who.account.must_change_password else safe_back(next, "/review"))
    return login_form(request, next=safe_back(next, ""), notice=NOTICES.get(notice))


@router.post("/login")
def login_submit(
    request: Request,
    username: str = Form("", max_length=200),
    password: str = Form("", max_length=1000),
    csrf: str = Form("", max_length=200),
    next: str = Form("", max_length=2000),
) -> Response:
    check_form_token(request, LOGIN_COOKIE, csrf)
    back = safe_back(next, "")
    errors = {}
    if not username.strip():
        errors["username"] = "请输入用户名"
    if not password:
        errors["password"] = "请输入密码"
    if errors:
        return login_form(request, 400, errors=errors, username=username, next=back)
    who, error = sign_in(username.strip(), password, client_of(request))
    if error is not None or not isinstance(who, SignedIn):
        locked = error is not None and error.locked_until is not None
        return login_form(request, 423 if locked else 401, failure=str(error), username=username, next=back)
    target = "/review/password" if who.account.must_change_password else (back or "/review")
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, who.token, registry().settings)
    response.delete_cookie(LOGIN_COOKIE, path="/review/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
    who = gate(request, password_page=True)
    check_csrf(who, csrf)
    with registry().write() as session:
        end_session(session, who.token)
    response = RedirectResponse("/review/login?notice=signed_out", status_code=303)
    clear_cookie(response)
    return response


@router.get("/password")
def password_page(request: Request) -> Response:
    who = gate(request, password_page=True)
    return render(request, "password.html", forced=who.account.must_change_password, min_length=_min_length())


@router.post("/password")
def password_submit(
    request: Request,
    csrf: str = Form("", max_length=200),
    current: str = Form("", max_length=1000),
    new: str = Form("", max_length=1000),
    confirm: str = Form("", max_length=1000),
) -> Response:
    who = gate(request, password_page=True)
    check_csrf(who, csrf)
    errors = {}
    if not current:
        errors["current"] = "请输入当前密码"
    if not new:
        errors["new"] = "请输入新密码"
    elif new != confirm:
        errors["confirm"] = "两次输入的新密码不一致"
    status = 400
    if not errors:
        reg = registry()
        try:
            with reg.write() as session:
                change_password(session, session.merge(who.account), current, new, reg.settings)
        except AssuredError as exc:
            field = "current" if exc.kind == Kind.refused else "new"
            errors[field], status = str(exc), STATUS[exc.kind]
    if errors:
        forced = who.account.must_change_password
        return render(request, "password.html", status, forced=forced, min_length=_min_length(), errors=errors)
    raise Redirect("/review?notice=password")


def _min_length() -> int:
    return registry().settings.password_min_length


# -- the worklist ------------------------------------------------------------------------------


@router.get("")
def worklist_page(
    request: Request,
    program: str = "",
    overdue: bool = False,
    mine: bool = False,
    sort: str = "due",
    notice: str = "",
    decided: int | None = None,
    result: str = "",
    stage: str = "",
    offset: int = 0,
) -> Response:
    who = gate(request)
    filters = workbench.Filters(program=program or None, overdue=overdue, mine=mine, sort=sort)
    with registry().read() as session:
        page = workbench.worklist(session, who.account, filters, limit=workbench.PAGE_SIZE, offset=max(0, offset))
    done = None
    if decided is not None and result in DECISION_ZH:
        done = f"申请 {decided} 已{DECISION_ZH[result]}" + (
            f"，转入{STAGE_ZH[stage]}审核。" if result == "approve" and stage in STAGE_ZH else "。"
        )
    return render(
        request,
        "worklist.html",
        items=[item | {"selectable": _selectable(who, item)} for item in page.items],
        page=page,
        page_link=lambda at: address(request.url.path, _with_offset(request.url.query, at)),
        filters=filters,
        filtered=bool(program or overdue or mine),
        back=address(request.url.path, request.url.query),
        notice=done or NOTICES.get(notice),
    )


def _with_offset(query: str, offset: int) -> str:
    """The worklist's query string with `offset` replaced (filters and sort kept)."""
    kept = [(k, v) for k, v in parse_qsl(query) if k != "offset"]
    return urlencode(kept + ([("offset", str(offset))] if offset else []))


def _selectable(who: SignedIn, item: dict) -> bool:
    """Whether the row offers a checkbox for bulk approval (the flow still checks every rule)."""
    holder = item["claimed_by"]
    return (
        item["status"] == "in_review"
        and item["stage"] == who.account.stage
        and not item["tied"]
        and holder in (None, who.account.username)
    )


# -- one application ---------------------------------------------------------------------------


def _detail(who: SignedIn, app_id: int) -> dict:
    with registry().read() as session:
        return workbench.application_detail(session, who.account, app_id)


def application_page(request: Request, who: SignedIn, app_id: int, status: int = 200, **context: Any) -> HTMLResponse:
    detail = _detail(who, app_id)
    outcomes = (detail.get("assessment") or {}).get("outcomes", [])
    groups = []
    for kind in ("veto", "scored", "bonus"):
        rows = [outcome(o) for o in outcomes if CHECK_KIND.get(o["id"], "scored") == kind]
        if rows:
            groups.append({"kind": kind, "title": KIND_ZH[kind], "rows": rows})
    failed = [r for g in groups if g["kind"] != "bonus" for r in g["rows"] if r["status"] != "pass"]
    return render(
        request,
        "application.html",
        status,
        app=detail,
        groups=groups,
        failed=failed,
        mine=detail["claimed_by"] == who.account.username,
        commitments=commitments(detail.get("commitments") or {}),
        next_stage=_next_stage(detail.get("stage")),
        **context,
    )


def _next_stage(stage: str | None) -> str | None:
    stages = list(registry().settings.review_stages)
    return stages[stages.index(stage) + 1] if stage in stages and stage != stages[-1] else None


@router.get("/applications/{app_id}/documents/{doc_id}")
def application_document(request: Request, app_id: int, doc_id: int) -> Response:
    """A document the business attached, for a reviewer who may see the application."""
    who = gate(request)
    return reviewer_document(who, app_id, doc_id)


@router.get("/applications/{app_id}")
def application_view(request: Request, app_id: int, notice: str = "") -> Response:
    who = gate(request)
    return application_page(request, who, app_id, notice=NOTICES.get(notice))


@router.post("/applications/{app_id}/decision")
def decision_submit(
    request: Request,
    app_id: int,
    csrf: str = Form("", max_length=200),
    decision: str = Form("", max_length=20),
    comment: str = Form("", max_length=4000),
) -> Response:
    who = gate(request)
    check_csrf(who, csrf)
    entered = {"decision": decision, "comment": comment}
    if decision not in DECISION_ZH:
        errors = {"decision": "请选择审核结论：通过、不予通过或退回补正"}
        return application_page(request, who, app_id, 400, errors=errors, entered=entered)
    try:
        result = decide(who, app_id, decision, comment)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        errors = {"decision_rule": str(exc.detail)}
        if decision != "approve" and not comment.strip():
            errors["comment"] = "不予通过或退回补正时，请填写意见说明理由"
        return application_page(request, who, app_id, exc.status_code, errors=errors, entered=entered)
    query = {"decided": app_id, "result": decision} | ({"stage": result["stage"]} if result.get("stage") else {})
    raise Redirect("/review?" + urlencode(query))


def inspection_page(request: Request, who: SignedIn, app_id: int, status: int = 200, **context: Any) -> HTMLResponse:
    detail = _detail(who, app_id)
    return render(
        request,
        "inspection.html",
        status,
        app=detail,
        today=calendar.today().isoformat(),
        max_photos=MAX_PHOTOS,
        max_mib=registry().settings.upload_max_mib,
        **context,
    )


@router.get("/applications/{app_id}/inspection")
def inspection_form(request: Request, app_id: int) -> Response:
    who = gate(request)
    return inspection_page(request, who, app_id)


@router.post("/applications/{app_id}/inspection")
async def inspection_submit(request: Request, app_id: int) -> Response:
    """The inspection form (multipart: a result and a note per checklist item, the date, the
    conclusion and photos); the body is bounded by the Guard before it is parsed."""
    who = await run_in_threadpool(gate, request)
    form = await request.form(max_files=MAX_PHOTOS, max_fields=400)
    csrf = form.get("csrf")
    check_csrf(who, csrf if isinstance(csrf, str) else None)
    detail = await run_in_threadpool(_detail, who, app_id)
    entered = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    items = {}
    for item in detail["inspection"]["items"]:
        result = entered.get(f"result-{item['id']}", "")
        if result not in RESULT_ZH:
            errors[f"result-{item['id']}"] = f"请选择“{item['title_zh']}”的验收结果"
        items[item["id"]] = {"result": result, "note": entered.get(f"note-{item['id']}", "")[:2000]}
    conclusion = entered.get("conclusion", "")
    if conclusion not in ("pass", "fail"):
        errors["conclusion"] = "请选择验收结论：通过或不通过"
    try:
        day = dt.date.fromisoformat(entered.get("inspected_on", ""))
    except ValueError:
        errors["inspected_on"] = "请填写验收日期（年-月-日）"
    photos = []
    limit = int(registry().settings.upload_max_mib * 1024 * 1024)
    for upload in form.getlist("photos"):
        if isinstance(upload, StarletteUpload) and upload.filename:
            photos.append(await read_bounded(upload, limit))
    if errors:
        return await run_in_threadpool(inspection_page, request, who, app_id, 400, errors=errors, entered=entered)
    body = InspectionBody(inspected_on=day, items=items, conclusion=conclusion)
    try:
        await run_in_threadpool(record_inspection, who, app_id, body, photos)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        errors = {"rule": str(exc.detail)}
        return await run_in_threadpool(
            inspection_page, request, who, app_id, exc.status_code, errors=errors, entered=entered
        )
    raise Redirect(f"/review/applications/{app_id}?notice=inspected")


@router.get("/applications/{app_id}/inspection/photos/{sha256}")
def inspection_photo_page(request: Request, app_id: int, sha256: str) -> Response:
    return inspection_photo(gate(request), app_id, sha256)


@router.post("/applications/{app_id}/claim")
def claim_submit(request: Request, app_id: int, csrf: str = Form("", max_length=200), back: str = Form("")) -> Response:
    who = gate(request)
    check_csrf(who, csrf)
    claim_or_release(app_id, request, csrf, release=False)
    raise Redirect(with_notice(safe_back(back, f"/review/applications/{app_id}"), "claimed"))


@router.post("/applications/{app_id}/release")
def release_submit(
    request: Request,
    app_id: int,
    csrf: str = Form("", max_length=200),
    back: str = Form(""),
    to: str = Form("", max_length=80),
) -> Response:
    who = gate(request)
    check_csrf(who, csrf)
    claim_or_release(app_id, request, csrf, release=True, to=to.strip() or None)
    raise Redirect(with_notice(safe_back(back, f"/review/applications/{app_id}"), "released"))


# -- bulk approval -------------------------------------------------------------------------------


@router.get("/bulk")
def bulk_confirm(request: Request, id: list[int] = Query([])) -> Response:
    """The confirmation page: the selected applications as the worklist shows them."""
    who = gate(request)
    wanted = list(dict.fromkeys(id))
    if not wanted:
        return render(request, "error.html", 400, title="请先选择申请", message="请在待办列表中勾选要批量通过的申请。")
    if len(wanted) > MAX_BULK:
        raise HTTPException(400, f"一次最多批量通过 {MAX_BULK} 件申请 (at most {MAX_BULK} at once)")
    with registry().read() as session:
        page = workbench.worklist(session, who.account, limit=MAX_BULK, ids=wanted)
        items = {i["application_id"]: i for i in page.items}
    found = [items[i] for i in wanted if i in items]
    missing = [i for i in wanted if i not in items]
    return render(request, "bulk_confirm.html", items=found, missing=missing)


@router.post("/bulk")
def bulk_run(request: Request, csrf: str = Form("", max_length=200), id: list[int] = Form([])) -> Response:
    """Approve each confirmed application through the review-decision flow; one result per application."""
    who = gate(request)
    check_csrf(who, csrf)
    wanted = list(dict.fromkeys(id))[:MAX_BULK]
    if not wanted:
        raise HTTPException(400, "没有选择任何申请")
    results = []
    for app_id in wanted:
        try:
            outcome = decide(who, app_id, "approve", "")
            results.append({"application_id": app_id, "ok": True, **outcome})
        except HTTPException as exc:
            results.append({"application_id": app_id, "ok": False, "code": exc.status_code, "message": exc.detail})
    return render(request, "bulk_done.html", results=results, approved=sum(r["ok"] for r in results))


# -- the supervisors' dashboard ----------------------------------------------------------------


@router.get("/dashboard")
def dashboard_page(request: Request) -> Response:
    who = gate(request)
    if not may_see_dashboard(who):
        raise HTTPException(404)
    with registry().read() as session:
        figures = workbench.dashboard(session, who.account)
    order = {stage: i for i, stage in enumerate(registry().settings.review_stages)}
    by_stage = sorted(figures["backlog"], key=lambda b: (order.get(b["stage"], len(order)), b["region"]))
    backlog = bars([(f"{STAGE_ZH.get(b['stage'], b['stage'])} · {b['region']}", b["count"]) for b in by_stage])
    in_stage = sorted(figures["time_in_stage"].items(), key=lambda st: order.get(st[0], len(order)))
    timing = bars(
        [
            (f"{STAGE_ZH.get(stage, stage)} {label}", t[key] or 0)
            for stage, t in in_stage
            for key, label in (("median", "中位数"), ("p90", "90 分位"))
        ]
    )
    top = max((d["total"] for d in figures["decisions"]), default=0) or 1
    decisions = [
        d | {"segments": segments(d, top)}
        for d in sorted(figures["decisions"], key=lambda d: (-d["total"], d["reviewer"]))
    ]
    return render(
        request,
        "dashboard.html",
        figures=figures,
        backlog=backlog,
        timing=timing,
        in_stage=in_stage,
        decisions=decisions,
    )


@router.get("/{rest:path}")
def not_a_page(request: Request, rest: str) -> Response:
    gate(request)
    if not rest:
        raise Redirect("/review")
    raise HTTPException(404)
