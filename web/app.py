"""The one ASGI app `assured web` serves: the public verification site, the reviewers' workbench
(`/review`, `/api`) and the static files they share, behind the headers and the body limit every
response and request gets.

Pages and the JSON API call the functions in `registry/` and the flows; neither holds SQL or rules.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.settings import get_settings
from web import api, ops, portal, portal_api, public, sso, workbench

STATIC = Path(__file__).parent / "static"
MAX_BODY = 6 * 1024 * 1024  # the largest request any route takes: a certificate PDF of 5 MB and its form
FORM_OVERHEAD = 64 * 1024  # an upload's multipart framing and its note, beyond the file itself
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class Guard:
    """Security headers on every response; a request body larger than `limit` is refused with 413
    before the route reads it — by its Content-Length, or while it streams in when it has none."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY, uploads: int = MAX_BODY) -> None:
        self.app, self.default, self.uploads = app, limit, uploads

    def limit_for(self, path: str) -> int:
        """A business's document upload, and an inspection with its photos, may be larger than any
        other body."""
        uploading = (path.startswith(("/api/portal/", "/portal/")) and path.endswith("/documents")) or (
            path.startswith("/review/applications/") and path.endswith("/inspection")
        )
        return self.uploads if uploading else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        seen = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        try:
            await self.app(scope, bounded_receive, with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(send, limit)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    body = f"request body larger than {limit} bytes".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
            + HEADERS,
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(certificates_folder: Path, keys_folder: Path) -> FastAPI:
    """`certificates_folder` holds the published status lists; `keys_folder` the key ring."""
    app = FastAPI(title="放心消费", docs_url=None, redoc_url=None, openapi_url=None)
    metrics = ops.Metrics()
    app.state.metrics = metrics
    app.include_router(ops.router(metrics, keys_folder))
    app.include_router(public.router(certificates_folder, keys_folder))
    app.include_router(api.router)
    app.include_router(sso.router)
    app.include_router(portal_api.router)
    app.include_router(portal.router)
    app.include_router(workbench.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    upload_max = int(get_settings().upload_max_mib * 1024 * 1024)
    app.add_middleware(Guard, uploads=max(MAX_BODY, upload_max + FORM_OVERHEAD))
    app.add_middleware(ops.Observe, metrics=metrics)  # outermost: it sees the Guard's refusals too
    return app
