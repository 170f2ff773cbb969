"""Workbench fixtures: the hand-made businesses of tests/flows, accounts with known passwords,
a TestClient of the whole web app, and (for the pages) applications in review at the county
stage, one with a failed scoring check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.account_admin import add_account
from registry.db import begin_write, open_registry
from registry.settings import get_settings
from tests.flows.conftest import (  # noqa: F401  (fixtures shared with the flows' tests)
    AS_OF,
    _registration,
    _uscc,
    apply_online,
    field_inspection,
    inspected,
    shops,
)
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
    for name, role, stage, region in ACCOUNTS:
        make_account(name, stage, region, role, password=PASSWORD, email=f"{name}@bureau.example.cn")
    return [a[0] for a in ACCOUNTS]


@pytest.fixture
def process_mode(home, monkeypatch):
    """The portal assesses in a child process, as `assured web` does (see tests/conftest.py `home`)."""
    from web.portal_api import CHILD_RUNS

    monkeypatch.setenv("ASSURED_PORTAL_ASSESSOR", "process")
    get_settings.cache_clear()
    yield
    CHILD_RUNS.stop()
    get_settings.cache_clear()


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
    """The good shop's application, in review at the county stage (region 420102), inspected
    on site by county-a (every item passed)."""
    app = apply_online(cli, shops["good"])
    assert app["status"] == "in_review"
    return inspected(app["id"])


ALL_COMMITMENTS = ("displayed", "advance_compensation", "first_inquiry_responsibility", "service_station")


def make_account(username: str, stage: str | None, region: str, role: str = "reviewer", **kw) -> str | None:
    """An account made directly in the registry; returns its one-time password when none is given."""
    settings = get_settings()
    with begin_write(open_registry(settings.db_url)) as session:
        _, one_time = add_account(
            session,
            username,
            role=role,
            stage=stage,
            region_prefix=region,
            settings=settings,
            **kw,
        )
    return one_time


@pytest.fixture
def apps(cli, tmp_path) -> dict[str, int]:
    """Applications in review at the county stage, each inspected on site by the field team
    (an ingested inspections file; every item passed):
    `failed` (model unit, no complaint service station: that scoring check fails, the score still
    passes), `full` (model unit, every commitment), `seven` (seven-day return) in region 420102,
    and `elsewhere` in 420106."""
    codes = {"failed": _uscc(11), "full": _uscc(12), "seven": _uscc(13), "elsewhere": _uscc(14, "420106")}
    names = {
        "failed": "武汉江岸便民超市有限公司",
        "full": "武汉江岸放心百货有限公司",
        "seven": "武汉江岸七日电器商行",
        "elsewhere": "武汉硚口诚信药房有限公司",
    }
    folder = tmp_path / "web-records"
    folder.mkdir()
    regs = [_registration(codes[k], names[k], "420106" if k == "elsewhere" else "420102") for k in codes]
    _jsonl(folder / "registrations.jsonl", regs)
    _jsonl(
        folder / "credit_classes.jsonl",
        [{"uscc": u, "risk_class": "A", "classified_on": "2026-06-01"} for u in codes.values()],
    )
    assert cli("ingest", folder).code == 0

    def row(key: str, program: str, commitments) -> dict:
        return {
            "uscc": codes[key],
            "program": program,
            "channel": "offline",
            "submitted_on": AS_OF,
            "store_name": names[key],
            "contact_email": f"{codes[key].lower()}@example.cn",
            "commitments": {"return_days": 15, **{c: True for c in commitments}},
        }

    batch = tmp_path / "applications.jsonl"
    _jsonl(
        batch,
        [
            row("failed", "model_unit", ALL_COMMITMENTS[:3]),
            row("full", "model_unit", ALL_COMMITMENTS),
            row("seven", "seven_day_return", ALL_COMMITMENTS),
            row("elsewhere", "model_unit", ALL_COMMITMENTS),
        ],
    )
    result = cli("apply", batch, "--as-of", AS_OF, "--json")
    assert result.code == 0, result.err
    assert result.json()["rejected"] == 0, result.out
    ids = dict(zip(codes, (a["id"] for a in result.json()["applications"])))
    statuses = {a["id"]: a["status"] for a in result.json()["applications"]}
    assert all(s == "in_review" for s in statuses.values()), statuses
    programs = {"seven": "seven_day_return"}
    _jsonl(
        folder / "inspections.jsonl",
        [field_inspection(codes[k], programs.get(k, "model_unit"), AS_OF, f"YS-{k}") for k in codes],
    )
    assert cli("ingest", folder).code == 0
    return ids


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
