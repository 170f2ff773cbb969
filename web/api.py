"""The workbench's JSON API (`/api/...`): the same sessions and the same registry functions and
flows as the pages. 401 without a session, 403 for a CSRF or review-rule refusal (the body names
the rule), 404 for what is outside the account's scope, 409 for a conflict."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Header, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from certificates.data import CertificateNumber, NumberError
from certificates.status import CertificateState
from checks import calendar
from checks.errors import AssuredError, Kind
from flows.recheck import reviewer_change
from flows.review import Decision, after_inspection, review_decision
from registry import inspections, workbench
from registry.accounts import SignedIn, SignInError, authenticate, change_password, end_session, open_session
from registry.announcements import resolve_objection
from registry.uploads import document_of, media_type, path_of, store_photo
from registry.workflow_models import Application
from web import ops
from web.auth import (
    clear_cookie,
    client_of,
    http_error,
    registry,
    require,
    require_csrf,
    set_cookie,
)
from web.portal_api import document_response

router = APIRouter(prefix="/api")


class Login(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class PasswordChange(BaseModel):
    old: str = Field(max_length=1000)
    new: str = Field(max_length=1000)


class DecisionBody(BaseModel):
    decision: Literal["approve", "reject", "return"]
    comment: str = Field("", max_length=4000)


class InspectionItemBody(BaseModel):
    result: Literal["pass", "fail", "not_applicable"]
    note: str = Field("", max_length=2000)


class InspectionBody(BaseModel):
    inspected_on: dt.date | None = None  # default today
    items: dict[str, InspectionItemBody] = Field(max_length=200)
    conclusion: Literal["pass", "fail"]


class StatusChange(BaseModel):
    to: Literal["suspended", "revoked", "valid"]
    reason: str | None = Field(None, max_length=400)
    note: str = Field("", max_length=4000)


class Ruling(BaseModel):
    ruling: Literal["uphold", "dismiss"]
    comment: str = Field(max_length=4000)


def sign_in(username: str, password: str, client: str) -> tuple[SignedIn | None, SignInError | None]:
    """Check the password and open a session; failures are committed (they count toward the lock)."""
    reg = registry()
    with reg.write() as session:
        try:
            account = authenticate(session, username, password, reg.settings, client=client)
        except SignInError as exc:
            ops.sign_in_failed()
            return None, exc
        who = open_session(session, account, reg.settings, kind="web", client=client)
        session.expunge(account)
        return who, None


@router.post("/login")
def login(body: Login, request: Request) -> Response:
    who, error = sign_in(body.username, body.password, client_of(request))
    if error is not None:
        status = 423 if error.locked_until else 401
        return JSONResponse({"error": str(error)}, status)
    response = JSONResponse(
        {"csrf": who.csrf, "username": who.account.username, "must_change_password": who.account.must_change_password}
    )
    set_cookie(response, who.token, registry().settings)
    return response


@router.post("/logout")
def logout(request: Request, x_csrf_token: str | None = Header(None)) -> Response:
    who = require(request)
    require_csrf(who, x_csrf_token)
    with registry().write() as session:
        end_session(session, who.token)
    response = JSONResponse({"signed_out": True})
    clear_cookie(response)
    return response


@router.post("/password")
def password(body: PasswordChange, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    who = require(request)
    require_csrf(who, x_csrf_token)
    reg = registry()
    try:
        with reg.write() as session:
            change_password(session, session.merge(who.account), body.old, body.new, reg.settings)
    except AssuredError as exc:
        raise http_error(exc) from None
    return {"changed": True}


@router.get("/worklist")
def worklist(
    request: Request,
    program: str | None = None,
    overdue: bool = False,
    mine: bool = False,
    sort: str = "due",
    limit: int = workbench.PAGE_SIZE,
    offset: int = 0,
) -> dict:
    """A page of the worklist; `next_offset` is where the next page starts (null on the last)."""
    who = require(request)
    try:
        filters = workbench.Filters(program=program, overdue=overdue, mine=mine, sort=sort)
        with registry().read() as session:
            page = workbench.worklist(session, who.account, filters, limit=limit, offset=offset)
    except AssuredError as exc:
        raise http_error(exc) from None
    keys = ("application_id", "uscc", "program", "stage", "status", "score", "due_on", "overdue", "claimed_by")
    return {
        "items": [{k: item[k] for k in keys} | {"business": item["business"]} for item in page.items],
        "total": page.total,
        "next_offset": page.next_offset,
    }


@router.get("/applications/{app_id}")
def application(app_id: int, request: Request) -> dict:
    who = require(request)
    try:
        with registry().read() as session:
            return workbench.application_detail(session, who.account, app_id)
    except AssuredError as exc:
        raise http_error(exc) from None


def reviewer_document(who: SignedIn, app_id: int, doc_id: int) -> FileResponse:
    """A document of an application in the account's scope; 404 outside it, as for the application."""
    reg = registry()
    try:
        with reg.read() as session:
            workbench.visible(session, who.account, app_id)
            doc = document_of(session, app_id, doc_id)
    except AssuredError as exc:
        raise http_error(exc) from None
    return document_response(doc, reg.settings)


@router.get("/applications/{app_id}/documents/{doc_id}")
def application_document(app_id: int, doc_id: int, request: Request) -> FileResponse:
    return reviewer_document(require(request), app_id, doc_id)


def claim_or_release(app_id: int, request: Request, csrf: str | None, release: bool, to: str | None = None) -> dict:
    who = require(request)
    require_csrf(who, csrf)
    try:
        with registry().write() as session:
            account = session.merge(who.account)
            if release:
                app = workbench.release(session, account, app_id, who.session_id, to)
            else:
                app = workbench.claim(session, account, app_id, who.session_id)
            holder = account.username if app.claimed_by_id == account.id else to
            return {"status": app.status, "stage": app.stage, "claimed_by": holder}
    except AssuredError as exc:
        raise http_error(exc) from None


@router.post("/applications/{app_id}/claim")
def claim(app_id: int, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    return claim_or_release(app_id, request, x_csrf_token, release=False)


@router.post("/applications/{app_id}/release")
def release(app_id: int, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    return claim_or_release(app_id, request, x_csrf_token, release=True)


def record_inspection(who: SignedIn, app_id: int, body: InspectionBody, photos: list[bytes]) -> dict:
    """评价验收 as the signed-in reviewer: scope first (404), then photos stored (content-addressed,
    without metadata) and the inspection recorded with every rule checked."""
    reg = registry()
    today = calendar.today()
    try:
        with reg.read() as session:
            workbench.visible(session, who.account, app_id)
        digests = [store_photo(data, reg.settings)[0] for data in photos]
        items = {k: v.model_dump() for k, v in body.items.items()}
        with reg.write() as session:
            row = inspections.record(
                session,
                app_id,
                who.account.username,
                body.inspected_on or today,
                items,
                body.conclusion,
                digests,
                today,
            )
            status = after_inspection(session, app_id, row.inspected_on, f"account:{who.account.username}")
            app = session.get(Application, app_id)
            return {
                "inspection": row.inspection_id,
                "conclusion": row.conclusion,
                "photos": digests,
                "status": status,
                "stage": app.stage if app else None,
            }
    except AssuredError as exc:  # a field the body got wrong is 422, naming it, as FastAPI's own
        raise (HTTPException(422, str(exc)) if exc.kind == Kind.bad_input else http_error(exc)) from None


@router.post("/applications/{app_id}/inspection", status_code=201)
def inspection(app_id: int, body: InspectionBody, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    who = require(request)
    require_csrf(who, x_csrf_token)
    return record_inspection(who, app_id, body, [])


def inspection_photo(who: SignedIn, app_id: int, sha256: str) -> FileResponse:
    """A photo of the application's inspection, for a reviewer who may see the application."""
    reg = registry()
    try:
        with reg.read() as session:
            app = workbench.visible(session, who.account, app_id)
            known = inspections.has_photo(session, app, sha256)
    except AssuredError as exc:
        raise http_error(exc) from None
    path = path_of(reg.settings, sha256)
    if not known or not path.is_file():
        raise HTTPException(404, "no such photo")
    with path.open("rb") as fh:
        kind, _ = media_type(fh.read(16))
    return FileResponse(
        path, media_type=kind, headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    )


@router.get("/applications/{app_id}/inspection/photos/{sha256}")
def inspection_photo_api(app_id: int, sha256: str, request: Request) -> FileResponse:
    return inspection_photo(require(request), app_id, sha256)


def decide(who, app_id: int, decision: str, comment: str) -> dict:
    """One decision as the signed-in account: scope first (404), then the `review-decision` flow."""
    try:
        with registry().read() as session:
            workbench.visible(session, who.account, app_id)
        result = review_decision(
            Decision(
                application_id=app_id,
                reviewer=who.account.username,
                session_id=who.session_id,
                decision=decision,
                comment=comment,
            )
        )
    except AssuredError as exc:
        raise http_error(exc) from None
    return {"status": result["status"], "stage": result["stage"]}


@router.post("/applications/{app_id}/decision")
def decision(app_id: int, body: DecisionBody, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    who = require(request)
    require_csrf(who, x_csrf_token)
    return decide(who, app_id, body.decision, body.comment)


@router.post("/certificates/{number}/status")
def certificate_status(
    number: str, body: StatusChange, request: Request, x_csrf_token: str | None = Header(None)
) -> dict:
    """Suspend, revoke (confirms a suspension; final stage) or reinstate, as the signed-in reviewer."""
    who = require(request)
    require_csrf(who, x_csrf_token)
    try:
        ascii_number = CertificateNumber.parse(number).ascii
    except NumberError:
        raise HTTPException(404, f"certificate {number}: no such certificate") from None
    try:
        result = reviewer_change(
            ascii_number,
            CertificateState(body.to),
            who.account.username,
            body.reason,
            body.note,
            calendar.today(),
            who.session_id,
        )
    except AssuredError as exc:
        raise http_error(exc) from None
    return {"number": result["number"], "status": result["status"], "reason": result["reason"]}


@router.post("/objections/{objection_id}/ruling")
def objection_ruling(
    objection_id: int, body: Ruling, request: Request, x_csrf_token: str | None = Header(None)
) -> dict:
    """Uphold (back to the first review stage) or dismiss an objection, as a final-stage reviewer."""
    who = require(request)
    require_csrf(who, x_csrf_token)
    reg = registry()
    try:
        with reg.write() as session:
            obj = resolve_objection(
                session,
                objection_id,
                body.ruling == "uphold",
                who.account.username,
                body.comment,
                tuple(reg.settings.review_stages),
                who.session_id,
            )
            return {"objection": obj.id, "status": obj.status}
    except AssuredError as exc:
        raise http_error(exc) from None
