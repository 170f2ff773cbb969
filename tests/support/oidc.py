"""A small, real OpenID Connect provider for the single sign-on tests: discovery, an authorize
endpoint that signs in `user` at once, a token endpoint checking the PKCE verifier, and its keys.
Served by uvicorn on 127.0.0.1; `audience`, `nonce` and `subject` can be bent to forge answers."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

CLIENT_ID, CLIENT_SECRET = "assured-workbench", "s3cret-of-the-client"


@dataclass
class Provider:
    user: str = "county-a"
    subject: str = "idp-user-0001"
    audience: str | None = None  # None: the client id
    nonce: str | None = None  # None: the nonce the client sent
    key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256", parameters={"kid": "k1"}))
    codes: dict = field(default_factory=dict)
    port: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }

        @app.get("/jwks")
        def jwks() -> dict:
            return KeySet([self.key]).as_dict(private=False)

        @app.get("/authorize")
        def authorize(request: Request):
            q = request.query_params
            if q.get("client_id") != CLIENT_ID or q.get("code_challenge_method") != "S256":
                raise HTTPException(400, "bad client or no PKCE")
            code = secrets.token_urlsafe(16)
            self.codes[code] = (q["nonce"], q["code_challenge"], q["redirect_uri"])
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}", 302)

        @app.post("/token")
        def token(
            code: str = Form(),
            code_verifier: str = Form(),
            redirect_uri: str = Form(),
            client_id: str = Form(),
            client_secret: str = Form(""),
        ) -> dict:
            nonce, challenge, redirect = self.codes.pop(code, (None, None, None))
            digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge is None or digest != challenge or redirect != redirect_uri:
                raise HTTPException(400, "invalid_grant")
            if client_id != CLIENT_ID or client_secret != CLIENT_SECRET:
                raise HTTPException(401, "invalid_client")
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": self.audience or CLIENT_ID,
                "sub": self.subject,
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce or nonce,
                "preferred_username": self.user,
            }
            id_token = jwt.encode({"alg": "ES256", "kid": "k1"}, claims, self.key)
            return {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}

        return app


def serve(provider: Provider):
    """Start the provider on a free port; returns the uvicorn server (set `should_exit` to stop)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        provider.port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(provider.app(), host="127.0.0.1", port=provider.port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.025)
    return server
