"""Workflow fixtures: hand-made businesses, reviewers, applications (the Prefect harness is in
tests/conftest.py, shared by every package)."""

from __future__ import annotations

import json
import os

import pytest

AS_OF = "2026-06-30"


def _uscc(n: int, region: str = "420102") -> str:
    from checks.uscc import make_uscc

    return make_uscc(region, f"MA{n:06d}")


def _registration(uscc: str, name: str, region: str = "420102") -> dict:
    return {
        "uscc": uscc,
        "name": name,
        "entity_type": "enterprise",
        "status": "active",
        "established_on": "2015-03-01",
        "region_code": region,
        "industry_code": "F5211",
        "address": "武汉市江岸区中山大道1号",
        "legal_representative": "张三",
        "contact_email": f"{uscc.lower()}@example.cn",
        "odr_enrolled_on": "2020-01-01",
    }


@pytest.fixture
def shops(cli, tmp_path):
    """Three hand-made businesses: `good` (eligible once it applies with commitments),
    `abnormal` (on the abnormal-operation list: V3 veto) and `unclassified` (no credit
    class yet: V4 pending). Returns their codes and the folder of their records."""
    good, abnormal, unclassified = _uscc(1), _uscc(2), _uscc(3, "420106")
    folder = tmp_path / "records"
    folder.mkdir()
    regs = [
        _registration(good, "武汉放心超市有限公司"),
        _registration(abnormal, "武汉异常商贸有限公司"),
        _registration(unclassified, "武汉新分类百货有限公司", "420106"),
    ]
    (folder / "registrations.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in regs), encoding="utf-8"
    )
    (folder / "credit_classes.jsonl").write_text(
        "".join(
            json.dumps({"uscc": u, "risk_class": "A", "classified_on": "2026-06-01"}) + "\n" for u in (good, abnormal)
        )
    )
    (folder / "credit_listings.jsonl").write_text(
        json.dumps(
            {
                "uscc": abnormal,
                "list": "abnormal_operations",
                "listed_on": "2026-02-01",
                "removed_on": None,
                "reason": "未按规定报送年度报告",
            },
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli("ingest", folder).code == 0
    return {"good": good, "abnormal": abnormal, "unclassified": unclassified, "folder": folder}


def apply_online(cli, uscc: str, program: str = "model_unit") -> dict:
    result = cli(
        "apply",
        "--uscc",
        uscc,
        "--program",
        program,
        "--return-days",
        15,
        "--commitment",
        "displayed",
        "--commitment",
        "advance_compensation",
        "--commitment",
        "first_inquiry_responsibility",
        "--commitment",
        "service_station",
        "--as-of",
        AS_OF,
        "--json",
    )
    assert result.code == 0, result.err
    [app] = result.json()["applications"]
    return app


@pytest.fixture
def subprocess_env(prefect_harness):
    """Environment for `python -m flows …` subprocesses: this test's settings and the harness's
    Prefect server (so they do not each start a server of their own)."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}


def inspect(cli, app_id: int, *args: str, name: str = "county-a") -> None:
    """The county reviewer's on-site inspection (评价验收) of the application: every item passes
    unless `args` say otherwise (`--fail ITEM`, `--na ITEM`)."""
    result = cli("inspect", app_id, "--as", name, *args)
    assert result.code == 0, result.err


def field_inspection(uscc: str, program: str, day: str, inspection_id: str) -> dict:
    """An `inspections` record as a field team's tablet exports it: every item of the checklist
    in force on `day` passed."""
    import datetime as dt

    from registry import inspections

    items = inspections.checklist(program, dt.date.fromisoformat(day))
    return {
        "inspection_id": inspection_id,
        "uscc": uscc,
        "program": program,
        "inspected_on": day,
        "inspector": "field-team-1",
        "items": {i.id: {"result": "pass", "note": ""} for i in items},
        "conclusion": "pass",
        "photos": [],
    }


def inspected(app_id: int, inspector: str = "county-a", on: str | None = None) -> int:
    """The application with a completed inspection concluding pass, recorded straight in the
    registry by `inspector` (every checklist item passes) today, or on `on` as if that were today
    (for an application submitted in a test's future)."""
    import datetime as dt

    from checks import calendar
    from registry import inspections
    from registry.db import begin_write, open_registry
    from registry.settings import get_settings
    from registry.workflow_models import Application

    today = dt.date.fromisoformat(on) if on else calendar.today()
    with begin_write(open_registry(get_settings().db_url)) as session:
        app = session.get(Application, app_id)
        items = {i.id: {"result": "pass", "note": ""} for i in inspections.checklist(app.program, today)}
        inspections.record(session, app_id, inspector, today, items, "pass", [], today)
    return app_id


def approve_all_stages(cli, app_id: int, inspected_on: str | None = None) -> None:
    if inspected_on:
        inspected(app_id, on=inspected_on)
    else:
        inspect(cli, app_id)
    for name in ("county-a", "city-a", "province-a"):
        result = cli("review", app_id, "--as", name, "--approve")
        assert result.code == 0, result.err


@pytest.fixture
def reviewers(cli):
    for name, stage, region in (
        ("county-a", "county", "420102"),
        ("county-b", "county", "420106"),
        ("city-a", "city", "4201"),
        ("province-a", "province", "42"),
    ):
        assert cli("accounts", "add", name, "--stage", stage, "--region", region).code == 0
