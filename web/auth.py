"""Who is asking: the session cookie (or `Authorization: Bearer` for scripts), the CSRF check on
every state-changing request, and the mapping of the registry's refusals to HTTP answers.

The cookie is HttpOnly and SameSite=Strict, Secure when the public address is https. The CSRF
token is derived from the session token (`registry.accounts.csrf_token`) and must come back in
the `X-CSRF-Token` header (API) or the form's `csrf` field (pages).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from checks.errors import AssuredError, Kind
from registry.accounts import SignedIn, csrf_token, needs_touch, resolve_session, touch_session
from registry.db import begin_write, open_registry
from registry.portal import BUSINESS
from registry.settings import Settings, get_settings

COOKIE = "assured_session"
PORTAL_COOKIE = "assured_portal"  # a business's session (the portal), apart from the staff's
STATUS = {
    Kind.bad_input: 400,
    Kind.refused: 403,
    Kind.not_found: 404,
    Kind.conflict: 409,
    Kind.unavailable: 503,
    Kind.rate_limited: 429,
    Kind.too_large: 413,
    Kind.unsupported: 415,
}


@dataclass(frozen=True)
class Registry:
    """The registry the web app works on: one session factory, opened once."""

    settings: Settings

    @property
    def factory(self) -> sessionmaker[Session]:
        return open_registry(self.settings.db_url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.factory() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        with begin_write(self.factory) as session:
            yield session


def registry() -> Registry:
    return Registry(get_settings())


def request_token(request: Request, cookie: str = COOKIE) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get(cookie)


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def signed_in(request: Request, cookie: str = COOKIE) -> SignedIn | None:
    """The request's signed-in account, or None. Moves the idle clock on at most once a minute.
    A business's session counts only where `cookie` is the portal's, and a staff session only
    where it is not: neither can act through the other's pages."""
    token = request_token(request, cookie)
    if not token:
        return None
    reg = registry()
    with reg.read() as session:
        who = resolve_session(session, token, reg.settings)
        if who is not None:
            session.expunge(who.account)
    if who is not None and (who.account.role == BUSINESS) != (cookie == PORTAL_COOKIE):
        return None
    if who is not None and needs_touch(who):
        with reg.write() as session:
            touch_session(session, who)
    return who


def require(request: Request) -> SignedIn:
    """The API's rule: no session, 401; a one-time password not yet changed, 403."""
    who = signed_in(request)
    if who is None:
        raise HTTPException(401, "sign in first (POST /api/login)")
    if who.account.must_change_password and request.url.path != "/api/password":
        raise HTTPException(403, "the one-time password must be changed first (POST /api/password)")
    return who


def csrf_matches(who: SignedIn, offered: str | None) -> bool:
    return bool(offered) and hmac.compare_digest(csrf_token(who.token), offered or "")


def require_csrf(who: SignedIn, offered: str | None) -> None:
    if not csrf_matches(who, offered):
        raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token header or csrf form field)")


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def set_form_token(response: Response, token: str, cookie: str, path: str) -> None:
    """The CSRF token of a sign-in form, where there is no session yet: a random value in a
    cookie scoped to the form's path, which the form sends back (double submit)."""
    response.set_cookie(cookie, token, max_age=3600, httponly=True, samesite="strict", path=path)


def check_form_token(request: Request, cookie: str, offered: str) -> None:
    expected = request.cookies.get(cookie, "")
    if not (offered and expected and hmac.compare_digest(offered, expected)):
        raise HTTPException(403, "登录表单已失效，请重新打开登录页 (missing or wrong CSRF token)")


def set_cookie(response: Response, token: str, settings: Settings, cookie: str = COOKIE) -> None:
    response.set_cookie(
        cookie,
        token,
        max_age=int(settings.session_max_hours * 3600),
        httponly=True,
        samesite="strict",
        secure=(settings.public_url or "").startswith("https://"),
        path="/",
    )


def clear_cookie(response: Response, cookie: str = COOKIE) -> None:
    response.delete_cookie(cookie, path="/", httponly=True, samesite="strict")


def http_error(exc: AssuredError) -> HTTPException:
    """A registry refusal as an HTTP answer naming the rule: 403 refused, 404 not found, 409 conflict."""
    return HTTPException(STATUS[exc.kind], str(exc))
