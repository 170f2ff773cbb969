"""Single sign-on through a real OpenID Connect provider on 127.0.0.1: the code flow with PKCE
opens a workbench session for the account the provider names; a forged state, audience or
nonce, an unknown account and a second identity claiming a bound account are refused."""

from __future__ import annotations

import pytest
import requests
from fastapi.testclient import TestClient

from registry.settings import get_settings
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, Provider, serve


@pytest.fixture
def provider(monkeypatch, accounts):
    idp = Provider()
    server = serve(idp)
    monkeypatch.setenv("ASSURED_OIDC_ISSUER", idp.issuer)
    monkeypatch.setenv("ASSURED_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("ASSURED_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    get_settings.cache_clear()
    yield idp
    server.should_exit = True


def sign_in(client: TestClient, state: str | None = None):
    """Our start → the provider's authorize → our callback, as a browser would follow them."""
    start = client.get("/review/login/sso", follow_redirects=False)
    assert start.status_code == 302, start.text
    back = requests.get(start.headers["location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302
    callback = back.headers["location"].replace("http://testserver", "")
    if state is not None:
        callback = callback.split("&state=")[0] + f"&state={state}"
    return client.get(callback, follow_redirects=False)


def test_the_provider_signs_a_reviewer_in_and_the_session_works(client, provider):
    done = sign_in(client)
    assert done.status_code == 200 and 'href="/review"' in done.text
    cookie = done.headers["set-cookie"].lower()
    assert "assured_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/api/worklist").status_code == 200


def test_a_forged_state_is_refused(client, provider):
    refused = sign_in(client, state="forged")
    assert refused.status_code == 400 and client.get("/api/worklist").status_code == 401


@pytest.mark.parametrize(
    ("bend", "value"), [("audience", "another-client"), ("nonce", "replayed")], ids=["wrong audience", "wrong nonce"]
)
def test_an_id_token_for_someone_else_is_refused(client, provider, bend, value):
    setattr(provider, bend, value)
    refused = sign_in(client)
    assert refused.status_code == 403 and "ID token refused" in refused.text
    assert client.get("/api/worklist").status_code == 401


def test_an_identity_without_an_account_is_refused(client, provider):
    provider.user = "stranger"
    refused = sign_in(client)
    assert refused.status_code == 403 and "未在本系统开通" in refused.text


def test_once_bound_an_account_refuses_another_identity_with_its_username(client, provider):
    assert sign_in(client).status_code == 200
    provider.subject = "someone-else-renamed"
    other = TestClient(client.app)
    assert sign_in(other).status_code == 403
    assert other.get("/api/worklist").status_code == 401


def test_without_the_setting_single_sign_on_is_404(client, accounts):
    assert client.get("/review/login/sso", follow_redirects=False).status_code == 404
