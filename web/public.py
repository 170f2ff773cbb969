"""The public verification site (FastAPI): what a consumer sees after scanning a certificate's QR.

Pages show the business, programme, status and validity only: no personal data, and of a
suspension or revocation only its reason code and label, never the free-text note. Chinese, or
English with `?lang=en`. Uploads are verified in a worker thread with a time limit (the event
loop keeps answering other requests), each client may ask `verify_rate_per_minute` times a
minute, and each lookup of a certificate is counted (the number and the day, nothing else).
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from certificates import keys
from certificates.data import CertificateNumber, NumberError
from certificates.status import PURPOSES, REASONS
from certificates.verify import Report, Step, verify, verify_pdf
from checks import calendar
from checks.programmes import PROGRAMMES
from registry.certificates import status_store
from registry.db import begin_write, open_registry
from registry.lookups import count_lookup
from registry.settings import get_settings
from web import ops, public_page

MAX_UPLOAD = 5 * 1024 * 1024
# Uploads are verified one at a time in a thread of their own (pages run in Starlette's pool).
# Verification is pure Python and holds the interpreter: a second thread verified no faster and
# made each lookup beside it wait for the interpreter twice as long (under three uploaders of
# 3.8 MB, lookups' median 250-300 ms with two threads, 90-120 ms with one).
VERIFIERS = ThreadPoolExecutor(1, thread_name_prefix="verify")


class RateLimit:
    """At most `per_minute` requests per client address in any sliding minute."""

    def __init__(self) -> None:
        self.seen: dict[str, collections.deque] = {}
        self.lock = threading.Lock()

    def check(self, request: Request) -> None:
        per_minute = get_settings().verify_rate_per_minute
        client = request.client.host if request.client else "-"
        now = time.monotonic()
        with self.lock:
            if len(self.seen) > 10_000:  # forget idle clients
                self.seen = {c: q for c, q in self.seen.items() if q and now - q[-1] < 60}
            times = self.seen.setdefault(client, collections.deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= per_minute:
                wait = int(60 - (now - times[0])) + 1
                raise HTTPException(429, f"too many verifications: {per_minute} a minute", {"Retry-After": str(wait)})
            times.append(now)


def _lang(request: Request) -> str:
    return "en" if request.query_params.get("lang") == "en" else "zh"


def router(certificates_folder: Path, keys_folder: Path) -> APIRouter:
    """`certificates_folder` holds the published status lists; `keys_folder` the key ring; status and
    twins come from the registry (one read transaction per request)."""
    app = APIRouter()
    limit = RateLimit()

    def check(store, twin=None, pdf: bytes | None = None) -> Report:
        ring = keys.load(keys_folder)
        args = (ring.verification_keys(), ring.issuer, store.get, calendar.today())
        report = verify_pdf(pdf, *args) if pdf is not None else verify(twin, None, *args)
        ops.verified(report)
        return report

    def counted(number: str | None) -> None:
        if number:
            with begin_write(open_registry(get_settings().db_url)) as session:
                count_lookup(session, number, calendar.today())

    def by_number(number: str) -> tuple[str, dict | None, Report | None]:
        try:
            ascii_number = CertificateNumber.parse(number).ascii
        except NumberError:
            raise HTTPException(400, f"证书编号格式不正确 / not a certificate number: {number}") from None
        with status_store() as store:
            twin = store.credential(ascii_number)
            if twin is None:
                ops.verified(None)
            report = check(store, twin) if twin is not None else None
        if report is not None:
            counted(ascii_number)
        return ascii_number, twin, report

    def verify_upload_now(content: bytes) -> tuple[Report, dict | None]:
        with status_store() as store:
            report = check(store, pdf=content)
            twin = store.credential(report.number) if report.number else None
        counted(report.number if twin is not None else None)
        return report, twin

    async def verified(content: bytes) -> tuple[Report, dict | None]:
        """The upload verified in a worker thread, given up after `verify_timeout_seconds`."""
        # the request's context (its metrics) goes with it: executor threads do not inherit it
        job = asyncio.get_running_loop().run_in_executor(
            VERIFIERS, contextvars.copy_context().run, verify_upload_now, content
        )
        try:
            return await asyncio.wait_for(asyncio.shield(job), get_settings().verify_timeout_seconds)
        except TimeoutError:
            detail = f"verification took longer than {get_settings().verify_timeout_seconds:g} s"
            return Report(False, "invalid", None, (Step("format", False, "FORMAT_TOO_COMPLEX", detail),)), None

    def summary(twin: dict | None, report: Report) -> dict:
        subject = (twin or {}).get("credentialSubject", {})
        programme = subject.get("programme")
        status_step = next((s for s in report.steps if s.step == "status"), None)
        reason = None
        if status_step is not None and not status_step.ok and report.number:
            reason = _reason(report)
        return {
            "business": subject.get("name"),
            "store": subject.get("storeName"),
            "address": subject.get("address"),
            "programme": programme,
            "programme_title": PROGRAMMES[programme].title_zh if programme in PROGRAMMES else None,
            "number_zh": subject.get("certificateNumber"),
            "valid_from": str((twin or {}).get("validFrom", ""))[:10] or None,
            "valid_until": str((twin or {}).get("validUntil", ""))[:10] or None,
            "authority": (twin or {}).get("issuer", {}).get("name"),
            "reason": reason,
        }

    def _reason(report: Report) -> dict | None:
        with status_store() as store:
            record = store.get(report.number) if report.number else None
        if record is None or record.reason not in REASONS:
            return None
        zh, en = REASONS[record.reason]
        return {"code": record.reason, "zh": zh, "en": en}

    def chrome() -> tuple[str | None, str]:
        return get_settings().authority_phone, get_settings().authority_zh

    def page(twin: dict | None, report: Report | None, number: str, lang: str) -> HTMLResponse:
        if report is None:
            return HTMLResponse(public_page.not_found(lang, number, *chrome()), status_code=404)
        text = public_page.result(lang, summary(twin, report), report, str(calendar.today()), *chrome())
        return HTMLResponse(text)

    def error_page(request: Request, exc: HTTPException, number: str = "") -> HTMLResponse:
        """The HTML routes' refusals as a page in words; the JSON API keeps its JSON."""
        text = public_page.error(_lang(request), exc.status_code, number, *chrome())
        return HTMLResponse(text, status_code=exc.status_code, headers=exc.headers)

    def html_lookup(request: Request, number: str) -> HTMLResponse:
        try:
            limit.check(request)
            ascii_number, twin, report = by_number(number)
        except HTTPException as exc:
            return error_page(request, exc, number)
        return page(twin, report, ascii_number, _lang(request))

    def public_json(report: Report, twin: dict | None) -> dict:
        return report.as_json() | {"certificate": summary(twin, report)}

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        return HTMLResponse(public_page.index(_lang(request), *chrome()))

    @app.get("/go", response_class=HTMLResponse)
    def go(request: Request, number: str = "") -> HTMLResponse:
        return html_lookup(request, number)

    @app.get("/verify/{number}", response_class=HTMLResponse)
    def verify_page(request: Request, number: str) -> HTMLResponse:
        return html_lookup(request, number)

    @app.get("/api/verify/{number}")
    def verify_api(request: Request, number: str) -> JSONResponse:
        limit.check(request)
        ascii_number, twin, report = by_number(number)
        if report is None:
            return JSONResponse({"valid": False, "status": "unknown", "number": ascii_number, "steps": []}, 404)
        return JSONResponse(public_json(report, twin))

    async def read_upload(request: Request, file: UploadFile) -> bytes:
        limit.check(request)
        content = await file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise HTTPException(413, f"file larger than {MAX_UPLOAD} bytes")
        return content

    @app.post("/verify", response_class=HTMLResponse)
    async def verify_upload(request: Request, file: UploadFile = File(...)) -> HTMLResponse:
        try:
            content = await read_upload(request, file)
        except HTTPException as exc:
            return error_page(request, exc)
        report, twin = await verified(content)
        return page(twin, report, report.number or "", _lang(request))

    @app.post("/api/verify")
    async def verify_upload_api(request: Request, file: UploadFile = File(...)) -> JSONResponse:
        report, twin = await verified(await read_upload(request, file))
        return JSONResponse(public_json(report, twin))

    @app.get("/status/{name}")
    def status_list(name: str):
        if name not in PURPOSES:
            raise HTTPException(404, f"no status list {name!r}; lists: {', '.join(PURPOSES)}")
        path = certificates_folder / "status" / f"{name}.json"
        if not path.is_file():
            raise HTTPException(404, f"status list {name} not published yet")
        return FileResponse(path, media_type="application/vc+ld+json")

    @app.get("/issuer")
    def issuer() -> JSONResponse:
        ring = keys.load(keys_folder)
        return JSONResponse(
            {
                "id": ring.issuer,
                "assertionMethod": [
                    {
                        "id": k.id,
                        "type": "Multikey",
                        "controller": ring.issuer,
                        "publicKeyMultibase": k.public_multibase,
                    }
                    for k in ring.keys
                ],
            }
        )

    return app
