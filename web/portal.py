"""The business portal's pages (`/portal`, 企业服务), phone first: sign in with the USCC and a
one-time code, apply online, follow the application, answer with documents, withdraw, download
certificates. Plain HTML forms over the same functions as `/api/portal` (web/portal_api.py);
every POST carries the session's CSRF token, the sign-in forms their own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from registry.accounts import SignedIn, end_session
from web.auth import (
    PORTAL_COOKIE,
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
from web.pages import CHECK_KIND, COMMITMENT_ZH, PageRoute, Redirect, render
from web.portal_api import (
    OnlineApplication,
    application_view,
    ask_code,
    attach,
    letter_response,
    read_bounded,
    redeem,
    require_business,
    submit_online,
)
from web.portal_api import applications as api_applications
from web.portal_api import certificate_file as api_certificate_file
from web.portal_api import certificates as api_certificates
from web.portal_api import get_document as api_get_document
from web.portal_api import withdraw as api_withdraw

LOGIN_COOKIE = "assured_portal_login"  # the sign-in forms' own CSRF token (no session yet)

# What each status means for the business, and what it can do next.
NEXT_STEP = {
    "submitted": "申请已提交，正在自动评估。",
    "pending_data": "评估所需的部分数据尚未齐全。请在下方补充材料，提交后将重新评估。",
    "in_review": "申请已通过自动评估，正在人工审核，请耐心等待。",
    "returned": "审核人员退回了申请，请按说明补充材料后重新提交。",
    "approved": "审核已通过，即将公示。",
    "announced": "正在公示，公示期满无异议即发放证书。",
    "issuable": "公示期满，证书即将发放。",
    "rejected": "申请未通过。原因见《申请审核结果告知书》（已发送至联系邮箱）；整改后可重新申请。",
    "issued": "证书已发放，可在“我的证书”中下载。",
    "withdrawn": "申请已撤回。",
}
CERT_ZH = {"valid": "有效", "suspended": "暂停", "revoked": "撤销", "expired": "已过期", "superseded": "已换发"}
COMMITMENT_WHY = {
    "displayed": "在经营场所显著位置公示放心消费承诺和标识。",
    "advance_compensation": "消费者权益受损时，先行赔付，再向责任方追偿。",
    "first_inquiry_responsibility": "第一位接待投诉的员工负责到底，不推诿。",
    "service_station": "设立消费投诉服务站，及时受理和处理投诉。",
    "returns_any_branch": "在任一门店均可办理退货。",
    "refund_within_48h": "退货后 48 小时内退款。",
}
# The steps of the timeline a business reads (staff-only steps such as claims are left out).
SHOWN = {
    "application.submitted": "提交申请",
    "application.commitments_accepted": "确认承诺书",
    "assessment.stored": "完成自动评估",
    "application.pending_data": "等待补充数据",
    "application.in_review": "进入审核",
    "application.returned": "退回补正",
    "application.approved": "审核通过",
    "application.announced": "公示",
    "application.issuable": "公示期满",
    "application.rejected": "不予通过",
    "application.issued": "发放证书",
    "application.withdrawn": "撤回申请",
    "application.document_added": "上传补充材料",
    "objection.filed": "收到公示异议",
    "objection.upheld": "异议成立，重新审核",
    "objection.dismissed": "异议不成立",
}


class PortalRoute(PageRoute):
    error_template = "portal_error.html"


router = APIRouter(prefix="/portal", route_class=PortalRoute, include_in_schema=False)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render(request, template, status, next_step=NEXT_STEP, cert_zh=CERT_ZH, **context)


def gate(request: Request) -> tuple[SignedIn, str]:
    """The signed-in business (the API's `require_business`); else to the sign-in page."""
    try:
        who, uscc = require_business(request)
    except HTTPException:
        raise Redirect("/portal/login") from None
    request.state.who = who
    return who, uscc


def check_csrf(who: Any, offered: str) -> None:
    if not csrf_matches(who, offered):
        raise HTTPException(403, "表单已失效，请返回上一页刷新后重试 (missing or wrong CSRF token)")


# -- signing in ------------------------------------------------------------------------------------


def login_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    token = new_form_token()
    response = page(
        request,
        "portal_login.html",
        status,
        login_csrf=token,
        minutes=registry().settings.portal_code_minutes,
        **context,
    )
    set_form_token(response, token, LOGIN_COOKIE, "/portal/login")
    return response


def check_login_csrf(request: Request, offered: str) -> None:
    check_form_token(request, LOGIN_COOKIE, offered)


@router.get("/login")
def login(request: Request) -> Response:
    if signed_in(request, PORTAL_COOKIE) is not None:
        raise Redirect("/portal")
    return login_page(request, step="uscc")


@router.post("/login/code")
def login_code(request: Request, uscc: str = Form("", max_length=40), csrf: str = Form("", max_length=200)) -> Response:
    check_login_csrf(request, csrf)
    uscc = uscc.strip().upper()
    try:
        ask_code(uscc, client_of(request))
    except HTTPException as exc:
        return login_page(request, exc.status_code, step="uscc", uscc=uscc, errors={"uscc": str(exc.detail)})
    return login_page(request, step="code", uscc=uscc)


@router.post("/login")
def login_submit(
    request: Request,
    uscc: str = Form("", max_length=40),
    code: str = Form("", max_length=12),
    csrf: str = Form("", max_length=200),
) -> Response:
    check_login_csrf(request, csrf)
    try:
        who = redeem(uscc, code, client_of(request))
    except HTTPException as exc:
        message = "验证码不正确或已失效，请重新输入或重新获取" if exc.status_code == 401 else str(exc.detail)
        return login_page(request, exc.status_code, step="code", uscc=uscc, errors={"code": message})
    response = RedirectResponse("/portal", status_code=303)
    set_cookie(response, who.token, registry().settings, PORTAL_COOKIE)
    response.delete_cookie(LOGIN_COOKIE, path="/portal/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("", max_length=200)) -> Response:
    who, _ = gate(request)
    check_csrf(who, csrf)
    with registry().write() as session:
        end_session(session, who.token)
    response = RedirectResponse("/portal/login", status_code=303)
    clear_cookie(response, PORTAL_COOKIE)
    return response


# -- the business's applications ----------------------------------------------------------------


NOTICES = {
    "submitted": "申请已提交。",
    "uploaded": "材料已上传，申请已重新提交评估。",
    "withdrawn": "申请已撤回。",
}


@router.get("")
def home(request: Request, notice: str = "") -> Response:
    gate(request)
    return page(
        request,
        "portal_home.html",
        applications=api_applications(request)["items"],
        certificates=api_certificates(request)["items"],
        notice=NOTICES.get(notice),
    )


def apply_form(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    items = [(k, COMMITMENT_ZH[k], COMMITMENT_WHY[k]) for k in COMMITMENT_WHY]
    return page(request, "portal_apply.html", status, commitment_items=items, **context)


@router.get("/apply")
def apply_page(request: Request, program: str = "model_unit") -> Response:
    gate(request)
    return apply_form(request, form={"program": program, "commitments": []})


@router.post("/apply")
def apply_submit(
    request: Request,
    csrf: str = Form("", max_length=200),
    program: str = Form("model_unit", max_length=40),
    store_name: str = Form("", max_length=200),
    return_days: str = Form("", max_length=6),
    commitments: list[str] = Form([]),
    accept: str = Form("", max_length=2),
) -> Response:
    who, uscc = gate(request)
    check_csrf(who, csrf)
    form = {"program": program, "store_name": store_name, "return_days": return_days, "commitments": commitments}
    errors = {}
    if not return_days.strip().isdigit() and return_days.strip():
        errors["return_days"] = f"退货期限“{return_days}”不是天数"
    if accept != "1":
        errors["accept"] = "请阅读并同意承诺书"
    if errors:
        return apply_form(request, 422, form=form, errors=errors)
    body = OnlineApplication(
        program=program,
        accept=True,
        store_name=store_name.strip() or None,
        return_days=int(return_days) if return_days.strip() else None,
        commitments=commitments[:20],
    )
    try:
        result = submit_online(who, uscc, body)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        field = str(exc.detail).split(":", 1)[0].split(" ", 1)[0].strip()
        key = field if field in ("program", "store_name", "return_days", "commitments") else "program"
        return apply_form(request, 422, form=form, errors={key: str(exc.detail)})
    raise Redirect(f"/portal/applications/{result['application_id']}?notice=submitted")


@router.get("/applications/{app_id}")
def application(request: Request, app_id: int, notice: str = "") -> Response:
    _, uscc = gate(request)
    app = application_view(uscc, app_id)
    steps = [s | {"text": SHOWN[s["action"]]} for s in app["timeline"] if s["action"] in SHOWN]
    wanted = ("missing",) if app["status"] == "pending_data" else ("fail", "veto")
    app["findings"] = [
        f for f in app["findings"] if f["status"] in wanted and CHECK_KIND.get(f["id"], "scored") != "bonus"
    ]
    settings = registry().settings
    return page(
        request,
        "portal_application.html",
        app=app,
        timeline=steps,
        max_mib=settings.upload_max_mib,
        max_files=settings.uploads_per_application,
        notice=NOTICES.get(notice),
    )


@router.post("/applications/{app_id}/documents")
async def upload(
    request: Request,
    app_id: int,
    file: UploadFile = File(...),
    note: str = Form("", max_length=2000),
    csrf: str = Form("", max_length=200),
) -> Response:
    who, uscc = await run_in_threadpool(gate, request)
    check_csrf(who, csrf)
    data = await read_bounded(file, int(registry().settings.upload_max_mib * 1024 * 1024))
    await run_in_threadpool(attach, who, uscc, app_id, data, file.filename or "", note, True)
    raise Redirect(f"/portal/applications/{app_id}?notice=uploaded")


@router.get("/applications/{app_id}/documents/{doc_id}")
def document(request: Request, app_id: int, doc_id: int) -> FileResponse:
    gate(request)
    return api_get_document(app_id, doc_id, request)


@router.post("/applications/{app_id}/withdraw")
def withdraw(
    request: Request, app_id: int, csrf: str = Form("", max_length=200), confirm: str = Form("", max_length=2)
) -> Response:
    who, _ = gate(request)
    check_csrf(who, csrf)
    if confirm != "1":
        raise HTTPException(400, "请勾选“确认撤回本申请”后再提交")
    api_withdraw(app_id, request, x_csrf_token=csrf)
    raise Redirect(f"/portal/applications/{app_id}?notice=withdrawn")


@router.get("/letter")
def letter(request: Request, program: str = "model_unit") -> Response:
    _, uscc = gate(request)
    return letter_response(uscc, program)


@router.get("/certificates/{number}/{part}")
def certificate(request: Request, number: str, part: str) -> FileResponse:
    gate(request)
    return api_certificate_file(number, part, request)
