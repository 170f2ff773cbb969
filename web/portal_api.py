"""The business portal's JSON API (`/api/portal/...`) and the functions the portal's pages share
with it. A business signs in with its USCC and a one-time code; its session (cookie
`assured_portal`, or Bearer) sees only its own applications, documents and certificates —
anything else is 404. Every state-changing call carries the CSRF token (`X-CSRF-Token`).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, File, Form, Header, HTTPException, Request, Response, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from prefect.context import SyncClientContext
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from checks import calendar
from checks.errors import AssuredError, Kind
from flows.application import application_flow, stored_listeners
from registry import portal, uploads
from registry.accounts import SignedIn, end_session, open_session
from registry.applications import online_row, submit_rows
from registry.models import Registration
from registry.settings import Settings
from registry.workflow_models import ApplicationDocument
from web.assess_process import ChildRuns
from web.auth import (
    PORTAL_COOKIE,
    clear_cookie,
    client_of,
    http_error,
    registry,
    require_csrf,
    set_cookie,
    signed_in,
)

router = APIRouter(prefix="/api/portal")
CHUNK = 64 * 1024
log = logging.getLogger("assured.portal")


class CodeRequest(BaseModel):
    uscc: str = Field(max_length=40)


class CodeLogin(BaseModel):
    uscc: str = Field(max_length=40)
    code: str = Field(max_length=12)


class OnlineApplication(BaseModel):
    program: str = Field(max_length=40)
    accept: bool = Field(False, description="the business read and accepts the commitment letter (承诺书)")
    store_name: str | None = Field(None, max_length=200)
    return_days: int | None = Field(None, ge=0, le=3650)
    commitments: list[str] = Field(default_factory=list, max_length=20)


def require_business(request: Request) -> tuple[SignedIn, str]:
    """The signed-in business and its USCC; 401 without a business session."""
    who = signed_in(request, PORTAL_COOKIE)
    uscc = portal.business_uscc(who.account) if who else None
    if who is None or uscc is None:
        raise HTTPException(401, "sign in first (POST /api/portal/code, then /api/portal/login)")
    return who, uscc


def ask_code(uscc: str, client: str) -> None:
    try:
        with registry().write() as session:
            portal.request_code(session, uscc, client, registry().settings)
    except AssuredError as exc:
        raise http_error(exc) from None


def redeem(uscc: str, code: str, client: str) -> SignedIn:
    """A business session for a right code; 401 for a wrong, used or expired one (the try is
    counted first, in its own transaction)."""
    reg = registry()
    try:
        with reg.write() as session:
            account = portal.redeem_code(session, uscc, code, client, reg.settings)
            who = None if account is None else open_session(session, account, reg.settings, client=client)
            if who is not None:
                session.expunge(who.account)
    except AssuredError as exc:
        raise http_error(exc) from None
    if who is None:
        raise HTTPException(401, "验证码不正确或已失效 (wrong or expired code)")
    return who


@dataclass
class Online:
    """An online application read and checked, its commitment letter rendered, waiting to be stored."""

    who: SignedIn
    uscc: str
    form: OnlineApplication
    day: dt.date
    letter: bytes


def prepare_online(who: SignedIn, uscc: str, form: OnlineApplication) -> Online:
    """The form's acceptance checked and the commitment letter the business accepts (rendered in
    a read, outside any write transaction, so the write lock is held only for short writes)."""
    day = calendar.today()
    if not form.accept:
        raise HTTPException(422, "accept: the commitment letter (承诺书) must be read and accepted")
    reg = registry()
    try:
        with reg.read() as session:
            letter = portal.commitment_letter(session, uscc, form.program, day, reg.settings)
    except AssuredError as exc:
        raise _refusal(exc) from None
    return Online(who, uscc, form, day, letter)


def _refusal(exc: AssuredError) -> HTTPException:
    return HTTPException(422, str(exc)) if exc.kind == Kind.bad_input else http_error(exc)


def _store(session: Session, online: Online) -> int:
    """Validate the online form as the counter batch is validated and store the application with
    the acceptance of its commitment letter (time, account, SHA-256); 422 naming the field."""
    form = online.form
    # read once: while it is referenced here the session's identity map hands the same row to
    # online_row and to submit, which would each read it again (≈ 0.2 ms a read)
    registration = session.get(Registration, online.uscc)  # noqa: F841
    try:
        row = online_row(
            session, online.uscc, form.program, form.store_name, None, form.return_days, form.commitments, online.day
        )
        report = submit_rows(session, [row], online.who.actor)
        if report.rejected:
            raise HTTPException(422, report.rejected[0]["reason"])
        [app_id] = report.accepted
        portal.accept_commitments(session, app_id, online.letter, online.who.actor)
    except AssuredError as exc:
        raise _refusal(exc) from None
    return app_id


def store_online(who: SignedIn, uscc: str, form: OnlineApplication) -> tuple[int, dt.date]:
    """One online application stored in its own transaction. Returns (application id, day)."""
    online = prepare_online(who, uscc, form)
    with registry().write() as session:
        return _store(session, online), online.day


def _gathered(waiting: queue.Queue, most: int, seconds: float) -> list:
    """The next item and those that arrive within `seconds` of it (at most `most`); [] when idle
    for 30 s (the worker ends; the next request starts one again)."""
    try:
        batch = [waiting.get(timeout=30)]
    except queue.Empty:
        return []
    deadline = time.monotonic() + seconds
    while len(batch) < most and (left := deadline - time.monotonic()) > 0:
        try:
            batch.append(waiting.get(timeout=left))
        except queue.Empty:
            break
    return batch


class Intake:
    """Online applications taken in turn, in the order they arrive, at most `in_hand` at a time
    (by default as many as one of the `Assessor`'s flow runs takes; `assured web` holds two
    runs' worth, so that one turn is prepared and stored while the one before is assessed).
    One thread of its own reads and checks each and renders its commitment letter, in arrival
    order (`take`). Those prepared together are stored in one write transaction, each in its
    own savepoint (a refused one is refused alone, with its reason), and each is answered with
    its application id once that transaction has committed; then each joins the `Assessor`.
    Storing never waits for Prefect. A turn ends with the answer (assessed, deferred, refused).

    Why turns: the web process's threads share one interpreter. Two hundred businesses prepared
    at once were all answered together, at the end, after everybody's letter; in turns the
    first are answered while the later ones wait, in their place, holding no thread."""

    def __init__(
        self, assessor: Assessor, most: int = 200, gather_seconds: float = 0.01, in_hand: int | None = None
    ) -> None:
        self.assessor, self.most, self.gather = assessor, most, gather_seconds
        self.waiting: queue.Queue[tuple[Online, Future, Future]] = queue.Queue()
        self.lock = threading.Lock()
        self.worker: threading.Thread | None = None
        self.turns = threading.BoundedSemaphore(in_hand or assessor.most)  # a turn: one flow run's worth
        self.unstored = 0  # applications in hand not yet stored or refused
        self.preparing = ThreadPoolExecutor(1, thread_name_prefix="portal-prepare")
        assessor.storing = self.storing

    def storing(self) -> bool:
        """Whether an application in hand is still on its way to being stored."""
        return self.unstored > 0

    def take(self, request: Request, x_csrf_token: str | None, form: OnlineApplication) -> Future:
        """In its turn: the request's application read, checked, its letter rendered and handed
        on to be stored. A future of `submit`'s two futures (or of the 401/403/422). Once taken,
        an application is stored even if its request is gone, and its turn ends with it."""
        return self.preparing.submit(contextvars.copy_context().run, self._take, request, x_csrf_token, form)

    def _take(self, request: Request, x_csrf_token: str | None, form: OnlineApplication) -> tuple[Future, Future]:
        who, uscc = require_business(request)  # 401/403 at once, without waiting for a turn
        require_csrf(who, x_csrf_token)
        self.turns.acquire()
        self._unstored(+1)
        try:
            online = prepare_online(who, uscc, form)
        except BaseException:
            self._unstored(-1)
            self.turns.release()
            raise
        return self._submit(online)

    def _unstored(self, change: int) -> None:
        with self.lock:
            self.unstored += change

    def _submit(self, online: Online) -> tuple[Future, Future]:
        """Futures of the application id once stored (or the refusal) and of its status once
        assessed ("submitted" when deferred; None when refused, and nobody waits for it)."""
        stored: Future = Future()
        assessed: Future = Future()
        assessed.add_done_callback(lambda _: self.turns.release())
        self.waiting.put((online, stored, assessed))
        with self.lock:
            if self.worker is None or not self.worker.is_alive():
                self.worker = _thread(self._run, "portal-intake")
        return stored, assessed

    def _run(self) -> None:
        while _working(self, self._batches):
            pass

    def _batches(self) -> None:
        while batch := _gathered(self.waiting, self.most, self.gather):
            done: list[tuple[Online, Future, Future, int]] = []
            refused: list[tuple[Future, Future, Exception]] = []
            try:
                with registry().write() as session:
                    for online, stored, assessed in batch:
                        try:
                            # no savepoint of its own: a refusal (422) comes before anything is
                            # written, and submit's insert has its own; any other error ends the
                            # whole transaction below
                            app_id = _store(session, online)
                        except HTTPException as exc:
                            refused.append((stored, assessed, exc))
                            continue
                        done.append((online, stored, assessed, app_id))
            except Exception as exc:  # the transaction itself: none of them is stored
                done, refused = [], [(stored, assessed, exc) for _, stored, assessed in batch]
            self._unstored(-len(batch))
            for stored, assessed, why in refused:
                stored.set_exception(why)
                assessed.set_result(None)
            for online, stored, assessed, app_id in done:
                stored.set_result(app_id)
                self.assessor.enqueue(app_id, online.day, assessed)


def _working(owner: Intake | Assessor, batches: Callable[[], None]) -> bool:
    """Run `batches` until idle; then True to go on if something arrived meanwhile, else the
    worker is let go (under the owner's lock, so a request that finds it gone starts another)."""
    batches()
    with owner.lock:
        if owner.waiting.empty():
            owner.worker = None
            return False
    return True


def _thread(target, name: str) -> threading.Thread:
    """A daemon thread running `target` in the caller's context (Prefect's settings, its API
    among them, are context variables)."""
    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,), name=name, daemon=True)
    thread.start()
    return thread


def submit_online(who: SignedIn, uscc: str, form: OnlineApplication) -> dict:
    """Store the online application, then assess it through the `application` flow (waiting in
    this thread). Returns {"application_id","status"}; 422 naming the field."""
    app_id, day = store_online(who, uscc, form)
    return {"application_id": app_id, "status": assess_now(app_id, day)}


class Assessor:
    """Assessments for requests, gathered into batches: each waiting application joins the next
    `application` flow run (one run for up to `most` applications), so a morning's rush costs a
    few flow runs, not one per business. A run waits until the applications the `Intake` has in
    hand are stored (at most `wait_seconds`), so a turn's applications share one. A request is
    answered as soon as its batch's assessments are stored (`flows.application.stored_listeners`),
    and the next batch starts then too, while the finished run's letters, delivery and engine
    bookkeeping go on in its own thread (at most `runs` such runs at once). Should a run fail
    before its assessments are stored, its applications stay submitted — stored, never lost —
    and `assured applications process` (or the business's next answer) assesses them.

    Each run goes to the child process of `web.assess_process` (`ASSURED_PORTAL_ASSESSOR=process`,
    the default), or runs in a thread here (`thread`).

    The runs of one worker share one Prefect client: each run would otherwise open its own, and
    load the CA certificates for it (≈ 30 ms of the interpreter a run, for a local server too)."""

    def __init__(self, most: int = 60, gather_seconds: float = 0.05, runs: int = 4, wait_seconds: float = 2) -> None:
        self.most, self.gather, self.wait_seconds = most, gather_seconds, wait_seconds
        self.waiting: queue.Queue[tuple[int, dt.date, Future]] = queue.Queue()
        self.lock = threading.Lock()
        self.worker: threading.Thread | None = None
        self.slots = runs
        self.runs = threading.BoundedSemaphore(runs)
        self.waiters: dict[int, list[Future]] = {}  # application id -> who waits for its assessment
        self.storing: Callable[[], bool] = lambda: False  # the Intake's: applications on their way
        stored_listeners.append(self._stored)

    def submit(self, app_id: int, day: dt.date) -> Future:
        """A future of the application's status once assessed ("submitted" when deferred)."""
        done: Future = Future()
        self.enqueue(app_id, day, done)
        return done

    def enqueue(self, app_id: int, day: dt.date, done: Future) -> None:
        self.waiting.put((app_id, day, done))
        with self.lock:
            if self.worker is None or not self.worker.is_alive():
                self.worker = _thread(self._run, "portal-assessor")

    def assess(self, app_id: int, day: dt.date) -> str:
        return self.submit(app_id, day).result()

    def _next(self) -> list[tuple[int, dt.date, Future]]:
        """The next batch: those gathered, and those of the Intake's turn still being stored."""
        batch = _gathered(self.waiting, self.most, self.gather)
        deadline = time.monotonic() + self.wait_seconds
        while batch and len(batch) < self.most and self.storing() and time.monotonic() < deadline:
            with suppress(queue.Empty):
                batch.append(self.waiting.get(timeout=0.005))
        return batch

    def _run(self) -> None:
        with SyncClientContext.get_or_create():
            while _working(self, self._batches):
                pass
            for _ in range(self.slots):  # runs still finishing hold the client: wait for them
                self.runs.acquire()
            for _ in range(self.slots):
                self.runs.release()

    def _batches(self) -> None:
        while batch := self._next():
            for day in {d for _, d, _ in batch}:
                items = [(i, f) for i, d, f in batch if d == day]
                with self.lock:
                    for app_id, done in items:
                        self.waiters.setdefault(app_id, []).append(done)
                self.runs.acquire()
                _thread(lambda items=items, day=day: self._one_run(items, day), "portal-flow-run")
                wait([f for _, f in items])  # stored (or deferred): the next batch may start

    def _stored(self, statuses: dict[int, str]) -> None:
        """Called by the flow's task as soon as a chunk's assessments are committed."""
        with self.lock:
            done = [(f, str(s)) for app_id, s in statuses.items() for f in self.waiters.pop(app_id, [])]
        for f, status in done:
            if not f.done():
                f.set_result(status)

    def _one_run(self, items: list[tuple[int, Future]], day: dt.date) -> None:
        ids = [i for i, _ in items]
        try:
            if registry().settings.portal_assessor == "process":
                CHILD_RUNS(ids, day)
            else:
                application_flow(ids, day)
        except Exception as exc:  # the engine or its server: the businesses still get their numbers
            deferred = [i for i, done in items if not done.done()]
            if deferred:
                log.warning("applications %s stored, assessment deferred: %s: %s", deferred, type(exc).__name__, exc)
            else:  # assessed and answered: what failed was the run's letters or its bookkeeping
                log.warning("applications %s assessed, their run failed after: %s: %s", ids, type(exc).__name__, exc)
        finally:
            self.runs.release()
            with self.lock:
                for app_id, done in items:
                    if done in self.waiters.get(app_id, []):
                        self.waiters[app_id].remove(done)
                        if not self.waiters[app_id]:
                            del self.waiters[app_id]
            for _, done in items:
                if not done.done():  # not assessed by this run: it stays submitted
                    done.set_result("submitted")


CHILD_RUNS = ChildRuns()
ASSESSOR = Assessor()
# two runs' worth in hand: one turn is prepared and stored here while the one before is assessed
INTAKE = Intake(ASSESSOR, in_hand=2 * ASSESSOR.most)


def assess_now(app_id: int, day: dt.date) -> str:
    return ASSESSOR.assess(app_id, day)


def application_view(uscc: str, app_id: int) -> dict:
    try:
        with registry().read() as session:
            app = portal.own_application(session, uscc, app_id)
            return {
                "application_id": app.id,
                "program": app.program,
                "store_name": app.store_name,
                "status": app.status,
                "stage": app.stage,
                "findings": portal.findings(session, app.id),
                "submitted_on": app.submitted_on.isoformat(),
                "commitments": app.commitments,
                "timeline": portal.timeline(session, app.id),
                "documents": uploads.documents_of(session, app.id),
                "can_answer": app.status in uploads.ANSWERABLE,
            }
    except AssuredError as exc:
        raise http_error(exc) from None


async def read_bounded(file: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refused with 413 as soon as they pass `limit` (the body as a whole is
    bounded by the Guard before it is parsed)."""
    parts, seen = [], 0
    while chunk := await file.read(CHUNK):
        seen += len(chunk)
        if seen > limit:
            raise HTTPException(413, f"file: more than {limit:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


def attach(who: SignedIn, uscc: str, app_id: int, data: bytes, filename: str, note: str, resubmit: bool) -> dict:
    """Store one document; with `resubmit`, send the application back to assessment."""
    reg = registry()
    try:
        with reg.write() as session:
            app = portal.own_application(session, uscc, app_id)
            stored = uploads.store(session, app, data, filename, note, who.actor, reg.settings)
            doc = {"id": stored.document.id, "sha256": stored.document.sha256, "new": stored.new}
    except AssuredError as exc:
        raise http_error(exc) from None
    return doc | {"status": assess_now(app_id, calendar.today()) if resubmit else None}


def document_response(doc: ApplicationDocument, settings: Settings) -> FileResponse:
    """A stored document, always as an attachment and never sniffed into something executable."""
    return FileResponse(
        uploads.path_of(settings, doc.sha256),
        media_type=doc.media_type,
        filename=doc.filename,
        content_disposition_type="attachment",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/code", status_code=202)
def code(body: CodeRequest, request: Request) -> dict:
    ask_code(body.uscc, client_of(request))
    return {"message": "如该统一社会信用代码已登记联系邮箱，验证码已发送至该邮箱，10 分钟内有效。"}


@router.post("/login")
def login(body: CodeLogin, request: Request) -> Response:
    who = redeem(body.uscc, body.code, client_of(request))
    response = JSONResponse({"csrf": who.csrf, "uscc": portal.business_uscc(who.account)})
    set_cookie(response, who.token, registry().settings, PORTAL_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, x_csrf_token: str | None = Header(None)) -> Response:
    who, _ = require_business(request)
    require_csrf(who, x_csrf_token)
    with registry().write() as session:
        end_session(session, who.token)
    response = JSONResponse({"signed_out": True})
    clear_cookie(response, PORTAL_COOKIE)
    return response


@router.get("/applications")
def applications(request: Request) -> dict:
    _, uscc = require_business(request)
    with registry().read() as session:
        apps = portal.applications(session, uscc)
        return {
            "items": [
                {
                    "application_id": a.id,
                    "program": a.program,
                    "status": a.status,
                    "stage": a.stage,
                    "submitted_on": a.submitted_on.isoformat(),
                }
                for a in apps
            ]
        }


@router.post("/applications", status_code=201)
async def apply(body: OnlineApplication, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    """Taken in turn and stored with those prepared with it (`Intake`), then assessed
    (`Assessor`); the waits hold no thread."""
    stored, assessed = await asyncio.wrap_future(INTAKE.take(request, x_csrf_token, body))
    app_id = await asyncio.wrap_future(stored)
    return {"application_id": app_id, "status": await asyncio.wrap_future(assessed)}


@router.get("/applications/{app_id}")
def application(app_id: int, request: Request) -> dict:
    _, uscc = require_business(request)
    return application_view(uscc, app_id)


@router.post("/applications/{app_id}/documents", status_code=201)
async def add_document(
    app_id: int,
    request: Request,
    file: UploadFile = File(...),
    note: str = Form("", max_length=2000),
    resubmit: str = Form("true", max_length=5),  # a bool form field that is absent reads as false
    x_csrf_token: str | None = Header(None),
) -> dict:
    who, uscc = await run_in_threadpool(require_business, request)
    require_csrf(who, x_csrf_token)
    data = await read_bounded(file, int(registry().settings.upload_max_mib * 1024 * 1024))
    again = resubmit.lower() not in ("false", "0", "no", "off")
    return await run_in_threadpool(attach, who, uscc, app_id, data, file.filename or "", note, again)


@router.get("/applications/{app_id}/documents/{doc_id}")
def get_document(app_id: int, doc_id: int, request: Request) -> FileResponse:
    _, uscc = require_business(request)
    reg = registry()
    try:
        with reg.read() as session:
            portal.own_application(session, uscc, app_id)
            doc = uploads.document_of(session, app_id, doc_id)
    except AssuredError as exc:
        raise http_error(exc) from None
    return document_response(doc, reg.settings)


@router.post("/applications/{app_id}/withdraw")
def withdraw(app_id: int, request: Request, x_csrf_token: str | None = Header(None)) -> dict:
    who, uscc = require_business(request)
    require_csrf(who, x_csrf_token)
    try:
        with registry().write() as session:
            app = portal.withdraw(session, uscc, app_id, who.actor)
            return {"application_id": app.id, "status": app.status}
    except AssuredError as exc:
        raise http_error(exc) from None


def letter_response(uscc: str, program: str) -> Response:
    reg = registry()
    try:
        with reg.read() as session:
            pdf = portal.commitment_letter(session, uscc, program, calendar.today(), reg.settings)
    except AssuredError as exc:
        raise http_error(exc) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="commitment-letter.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/letter")
def letter(request: Request, program: str = "model_unit") -> Response:
    """The commitment letter (承诺书) the business accepts when it applies."""
    _, uscc = require_business(request)
    return letter_response(uscc, program)


@router.get("/certificates")
def certificates(request: Request) -> dict:
    _, uscc = require_business(request)
    with registry().read() as session:
        return {"items": portal.certificates(session, uscc, calendar.today())}


@router.get("/certificates/{number}/{part}")
def certificate_file(number: str, part: str, request: Request) -> FileResponse:
    """The certificate PDF (`pdf`) or its signed twin (`twin`), as an attachment."""
    _, uscc = require_business(request)
    if part not in ("pdf", "twin"):
        raise HTTPException(404, "no such file")
    try:
        with registry().read() as session:
            cert = portal.own_certificate(session, uscc, number)
            path = cert.pdf_path if part == "pdf" else cert.twin_path
    except AssuredError as exc:
        raise http_error(exc) from None
    if not path or not Path(path).is_file():
        raise HTTPException(404, "no such file")
    media = "application/pdf" if part == "pdf" else "application/json"
    return FileResponse(path, media_type=media, filename=Path(path).name, content_disposition_type="attachment")
