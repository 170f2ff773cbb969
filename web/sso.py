"""Single sign-on with the bureau's identity provider (OpenID Connect, authorization code with
PKCE), when `ASSURED_OIDC_ISSUER` is set; password sign-in stays beside it.

`/review/login/sso` sends the browser to the provider with a fresh state, nonce and PKCE
verifier (kept in a short-lived HttpOnly cookie); `/review/login/sso/callback` checks the state,
exchanges the code, verifies the ID token (signature against the provider's keys, issuer,
audience, expiry, nonce), maps the username claim to an account (`account_for_sso`) and opens
the same kind of session as a password sign-in.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time

import requests
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from checks.errors import AssuredError, Kind
from checks.extras import require
from registry.accounts import SignInError, account_for_sso, open_session
from registry.settings import Settings
from web.auth import client_of, registry, set_cookie
from web.pages import error_page, render

router = APIRouter(prefix="/review/login/sso")
FLOW_COOKIE = "assured_sso"
FLOW_SECONDS = 600


class SsoError(AssuredError):
    kind = Kind.refused


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _provider(settings: Settings) -> dict:
    url = (settings.oidc_issuer or "").rstrip("/") + "/.well-known/openid-configuration"
    try:
        meta = requests.get(url, timeout=settings.http_timeout).json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoError(f"identity provider unavailable ({url}): {exc}", kind=Kind.unavailable) from None
    if meta.get("issuer", "").rstrip("/") != (settings.oidc_issuer or "").rstrip("/"):
        raise SsoError(f"identity provider at {url} names another issuer: {meta.get('issuer')!r}")
    return meta


def _callback_url(request: Request, settings: Settings) -> str:
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    return base + router.prefix + "/callback"


def _refused(request: Request, message: str, status: int = 403) -> HTMLResponse:
    return error_page(request, status, message)


@router.get("")
def start(request: Request) -> Response:
    settings = registry().settings
    if not configured(settings):
        return _refused(request, "未配置统一身份认证 (single sign-on is not configured)", 404)
    try:
        oauth = require("authlib.integrations.requests_client", "oidc", "single sign-on")
        meta = _provider(settings)
    except AssuredError as exc:
        return _refused(request, str(exc), 503 if exc.kind == Kind.unavailable else 403)
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(24)
    client = oauth.OAuth2Session(
        settings.oidc_client_id,
        scope="openid profile email",
        redirect_uri=_callback_url(request, settings),
        code_challenge_method="S256",
    )
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    response = RedirectResponse(url, 302)
    flow = json.dumps({"state": state, "nonce": nonce, "verifier": verifier, "at": int(time.time())})
    # Lax, not Strict: the provider's redirect back is a cross-site navigation
    response.set_cookie(FLOW_COOKIE, flow, max_age=FLOW_SECONDS, httponly=True, samesite="lax", path=router.prefix)
    return response


def _verified_claims(settings: Settings, meta: dict, id_token: str, nonce: str) -> dict:
    jwt = require("joserfc.jwt", "oidc", "single sign-on")
    jwk = require("joserfc.jwk", "oidc", "single sign-on")
    errors = require("joserfc.errors", "oidc", "single sign-on")
    try:
        keys = jwk.KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=settings.http_timeout).json())
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": meta["issuer"]},
            aud={"essential": True, "value": settings.oidc_client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (errors.JoseError, requests.RequestException, ValueError, KeyError) as exc:
        raise SsoError(f"ID token refused: {type(exc).__name__}: {exc}") from None
    return token.claims


@router.get("/callback")
def callback(request: Request, code: str = "", state: str = "") -> Response:
    reg = registry()
    settings = reg.settings
    if not configured(settings):
        return _refused(request, "未配置统一身份认证 (single sign-on is not configured)", 404)
    try:
        flow = json.loads(request.cookies.get(FLOW_COOKIE) or "{}")
    except ValueError:
        flow = {}
    if (
        not code
        or not flow.get("state")
        or not hmac.compare_digest(str(flow["state"]), state)
        or time.time() - flow.get("at", 0) > FLOW_SECONDS
    ):
        return _refused(request, "登录请求已失效或不匹配，请重新登录 (sign-in request expired or does not match)", 400)
    try:
        oauth = require("authlib.integrations.requests_client", "oidc", "single sign-on")
        authlib_errors = require("authlib.common.errors", "oidc", "single sign-on")
    except AssuredError as exc:
        return _refused(request, str(exc), 503)
    try:
        meta = _provider(settings)
        client = oauth.OAuth2Session(
            settings.oidc_client_id,
            settings.oidc_client_secret,
            redirect_uri=_callback_url(request, settings),
            token_endpoint_auth_method="client_secret_post" if settings.oidc_client_secret else "none",
        )
        tokens = client.fetch_token(
            meta["token_endpoint"], code=code, code_verifier=flow["verifier"], timeout=settings.http_timeout
        )
        claims = _verified_claims(settings, meta, tokens.get("id_token", ""), flow["nonce"])
        username = str(claims.get(settings.oidc_username_claim) or "")
        with reg.write() as session:
            account = account_for_sso(session, username, str(claims["sub"]), client_of(request))
            who = open_session(session, account, settings, kind="web", client=client_of(request))
    except SignInError as exc:
        return _refused(request, str(exc))
    except AssuredError as exc:
        return _refused(request, str(exc), 503 if exc.kind == Kind.unavailable else 403)
    except (authlib_errors.AuthlibBaseError, requests.RequestException, KeyError, ValueError) as exc:
        return _refused(request, f"统一身份认证失败 (single sign-on failed): {type(exc).__name__}")
    # A page, not a redirect: the session cookie is SameSite=Strict and the navigation that
    # brought the browser here started at the provider, so the next request must start here.
    response = render(request, "sso_done.html")
    set_cookie(response, who.token, settings)
    response.delete_cookie(FLOW_COOKIE, path=router.prefix)
    return response
