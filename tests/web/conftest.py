"""Workbench fixtures: the hand-made businesses of tests/flows, accounts with known passwords,
and a TestClient of the whole web app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.accounts import add_account
from registry.db import begin_write, open_registry
from registry.settings import get_settings
from tests.flows.conftest import apply_online, shops  # noqa: F401  (fixtures shared with the flows' tests)
from web.app import create_app

PASSWORD = "长江大桥-Wuhan-1957"
ACCOUNTS = (
    # username, role, stage, region
    ("county-a", "reviewer", "county", "420102"),
    ("county-b", "reviewer", "county", "420106"),
    ("county-c", "reviewer", "county", "4201"),
    ("city-a", "reviewer", "city", "4201"),
    ("province-a", "reviewer", "province", "42"),
    ("super-county", "supervisor", "county", "42"),
    ("admin", "admin", None, "42"),
)


@pytest.fixture
def accounts(home):
    s = get_settings()
    with begin_write(open_registry(s.db_url)) as session:
        for name, role, stage, region in ACCOUNTS:
            add_account(
                session,
                name,
                role=role,
                stage=stage,
                region_prefix=region,
                stages=tuple(s.review_stages),
                settings=s,
                password=PASSWORD,
                email=f"{name}@bureau.example.cn",
            )
    return [a[0] for a in ACCOUNTS]


@pytest.fixture
def client(home):
    s = get_settings()
    return TestClient(create_app(s.out_path / "certificates", s.keys_path))


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign `client` in; returns the CSRF token."""
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf"]


@pytest.fixture
def in_review(cli, shops, accounts):  # noqa: F811  (the shops fixture)
    """The good shop's application, in review at the county stage (region 420102)."""
    app = apply_online(cli, shops["good"])
    assert app["status"] == "in_review"
    return app["id"]
