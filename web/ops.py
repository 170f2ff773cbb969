"""What a bureau's monitoring watches: `/healthz` (database reachable, signing keys loaded; 200 or 503)
and `/metrics` in the Prometheus text format — requests by route template and status, latency,
verification outcomes by code, sign-in failures, uploads refused.

Each app has its own CollectorRegistry (several apps in one process, as in the tests, do not
collide). `Observe` times every request and labels it by the matched route's template; routes
report their own events (`verified`, `sign_in_failed`) to the app handling the request through a
context variable the middleware sets.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from certificates import keys
from certificates.verify import Report
from checks.errors import AssuredError
from registry.doctor import database
from registry.settings import get_settings

REFUSED_UPLOAD = {413: "too_large", 415: "wrong_type"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's collectors, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "assured_http_requests",
            "HTTP requests by route template, method and status code",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "assured_http_request_duration_seconds",
            "Time from request to the end of the response, by route template",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.verifications = Counter(
            "assured_verifications",
            "Certificate verifications by outcome code (the first failing step's, or VALID)",
            ["code"],
            registry=self.registry,
        )
        self.sign_in_failures = Counter(
            "assured_sign_in_failures", "Failed sign-ins (wrong password, unknown name, locked)", registry=self.registry
        )
        self.uploads_refused = Counter(
            "assured_uploads_refused", "Request bodies refused, by reason", ["reason"], registry=self.registry
        )


_current: ContextVar[Metrics | None] = ContextVar("assured_metrics", default=None)


def verified(report: Report | None) -> None:
    """Count one verification's outcome on the app handling the request (no-op outside one): the
    first failing step's code, VALID, or NOT_FOUND for a number the registry does not know."""
    metrics = _current.get()
    if metrics is not None:
        failed = report.failed() if report is not None else []
        code = "NOT_FOUND" if report is None else failed[0].code if failed else "VALID"
        metrics.verifications.labels(code).inc()


def sign_in_failed() -> None:
    metrics = _current.get()
    if metrics is not None:
        metrics.sign_in_failures.inc()


class Observe:
    """Times each HTTP request and counts it by the template of the route that matched it."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _current.set(self.metrics)
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            _current.reset(token)
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
            if status in REFUSED_UPLOAD:
                self.metrics.uploads_refused.labels(REFUSED_UPLOAD[status]).inc()


def router(metrics: Metrics, keys_folder: Path) -> APIRouter:
    app = APIRouter()

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """Only yes or no per check: the page is public, so it names no path or address (`assured
        doctor` on the machine says what is wrong)."""
        try:
            keys_ok = bool(keys.load(keys_folder).keys)
        except AssuredError:
            keys_ok = False
        checks = {"database": database(get_settings()).ok, "keys": keys_ok}
        ok = all(checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503)

    @app.get("/metrics")
    def metrics_text() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app
