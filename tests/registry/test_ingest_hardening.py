"""Ingest under contention, crashes and hostile rows: concurrent runs queue, a killed run leaves
no worker, duplicate keys and repeats are caught, dates, amounts and names are bounded."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certificates.data import lint_problems
from checks.calendar import today
from registry.db import make_engine
from registry.ingest import PARALLEL_FROM_BYTES
from registry.models import QuarantinedRow
from registry.settings import get_settings
from tests.conftest import BACKEND
from tests.support.certificates import make_data  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
USCC = "91420102MA4K00010N"


def _registration(**changes) -> dict:
    row = {
        "uscc": USCC,
        "name": "武汉市长江百货有限公司",
        "entity_type": "enterprise",
        "status": "active",
        "established_on": "2015-03-01",
        "region_code": "420102",
        "industry_code": "F5211",
        "address": "湖北省武汉市江岸区解放大道1号",
        "legal_representative": "张三",
        "contact_email": "shop@example.cn",
        "odr_enrolled_on": None,
    }
    return row | changes


def _complaint(n: int, **changes) -> dict:
    row = {
        "complaint_id": f"C{n:07d}",
        "uscc": USCC,
        "kind": "complaint",
        "channel": "12315",
        "received_on": "2026-03-01",
        "category": "质量",
        "status": "reconciled",
        "closed_on": "2026-03-05",
        "amount_yuan": 120.0,
        "recovered_yuan": 120.0,
        "text": "商品质量问题",
    }
    return row | changes


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _quarantined(kind: str | None = None) -> list[QuarantinedRow]:
    with make_engine(get_settings().db_url).connect() as conn:
        query = select(QuarantinedRow.line, QuarantinedRow.field, QuarantinedRow.reason).order_by(QuarantinedRow.line)
        return list(conn.execute(query.where(QuarantinedRow.kind == kind) if kind else query))


def _ingest(cli, *paths) -> dict:
    result = cli("ingest", *paths, "--json")
    assert result.code == 0, result.err
    return {r["kind"]: r for r in result.json()}


def test_a_second_row_with_the_same_key_is_quarantined_naming_the_line_of_the_first(cli, tmp_path):
    path = _write(
        tmp_path / "complaints.jsonl",
        [_complaint(1), _complaint(2), _complaint(1, text="再次提交"), _complaint(3)],
    )
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    counts = _ingest(cli, path)["complaints"]
    assert (counts["read"], counts["stored"], counts["quarantined"]) == (4, 3, 1)
    [(line, field, reason)] = _quarantined("complaints")
    assert (line, field) == (3, "complaint_id") and reason == "duplicate of line 1 (same complaint_id)"


def test_the_same_file_ingested_by_another_path_adds_no_quarantine_rows(cli, tmp_path):
    rows = [_complaint(1), _complaint(2, received_on="2026-02-30"), _complaint(1)]
    first = _write(tmp_path / "a" / "complaints.jsonl", rows)
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    _ingest(cli, first)
    assert len(_quarantined("complaints")) == 2
    second = tmp_path / "b" / "complaints-copy.jsonl"
    second.parent.mkdir()
    shutil.copyfile(first, second)
    again = _ingest(cli, second)["complaints"]
    assert (again["unchanged"], again["quarantined"]) == (1, 2)
    assert len(_quarantined("complaints")) == 2


@pytest.mark.parametrize(
    "changes, field, words",
    [
        ({"received_on": "9999-12-31", "closed_on": None}, "received_on", "after"),
        ({"received_on": "1948-12-31"}, "received_on", "before 1949-01-01"),
        ({"closed_on": (today() + dt.timedelta(days=2)).isoformat()}, "closed_on", "the day after the ingest date"),
        ({"amount_yuan": 1e308}, "amount_yuan", "above 1e+10"),
        ({"amount_yuan": "inf"}, "amount_yuan", "finite"),
    ],
    ids=[
        "a date in year 9999 is refused",
        "a date before 1949 is refused",
        "a date two days after the ingest date is refused",
        "an amount of 1e308 yuan is refused",
        "an infinite amount is refused",
    ],
)
def test_dates_and_amounts_out_of_bounds_are_quarantined(cli, tmp_path, changes, field, words):
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    counts = _ingest(cli, _write(tmp_path / "complaints.jsonl", [_complaint(1, **changes)]))["complaints"]
    assert counts["quarantined"] == 1
    [(_, got_field, reason)] = _quarantined("complaints")
    assert got_field == field and words in reason


def test_the_day_after_the_ingest_date_is_accepted_and_the_amount_ceiling_is_a_setting(cli, tmp_path, monkeypatch):
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    monkeypatch.setenv("ASSURED_MAX_AMOUNT_YUAN", "1000")
    get_settings.cache_clear()
    rows = [_complaint(1, received_on=tomorrow, closed_on=None, status="open"), _complaint(2, amount_yuan=1000.5)]
    counts = _ingest(cli, _write(tmp_path / "complaints.jsonl", rows))["complaints"]
    assert (counts["stored"], counts["quarantined"]) == (1, 1)
    [(line, field, reason)] = _quarantined("complaints")
    assert (line, field) == (2, "amount_yuan") and "above 1000" in reason


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": "武汉市长江\n百货有限公司"}, "name"),
        ({"name": "武汉市长江\r百货"}, "name"),
        ({"address": "解放大道\x071号"}, "address"),
        ({"name": "长江\u2028百货"}, "name"),
    ],
    ids=["a line feed in a name", "a carriage return in a name", "a bell in an address", "a line separator"],
)
def test_control_characters_in_names_and_addresses_are_refused_at_ingest(cli, tmp_path, changes, field):
    counts = _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration(**changes)]))["registrations"]
    assert counts["quarantined"] == 1
    [(_, got_field, reason)] = _quarantined("registrations")
    assert got_field == field and "control character U+" in reason


def test_a_store_name_with_a_control_character_is_refused_at_intake(cli, tmp_path):
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    result = cli(
        "apply", "--uscc", USCC, "--program", "seven_day_return", "--return-days", 15, "--store-name", "长江\x1b[31m店"
    )
    assert result.code == 2 and "store_name: " in result.err and "control character U+001B" in result.err


@pytest.mark.parametrize("field", ["business_name", "address", "store_name"])
def test_certificate_lint_refuses_a_control_character(make_data, field):  # noqa: F811 (fixture)
    data = make_data(programme="seven_day_return", **{field: "长江百货\r\n解放大道店"})
    [problem] = [p for p in lint_problems(data) if p.field == field]
    assert "control character U+000D" in problem.rule


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _big_complaints(path: Path, rows: int) -> Path:
    line = json.dumps(_complaint(0), ensure_ascii=False)
    with path.open("w", encoding="utf-8") as fh:
        for n in range(rows):
            fh.write(line.replace("C0000000", f"C{n:07d}") + "\n")
    return path


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads child processes from /proc (Linux)")
def test_a_kill_9_of_ingest_leaves_no_validation_worker_behind(cli, tmp_path):
    _ingest(cli, _write(tmp_path / "registrations.jsonl", [_registration()]))
    path = _big_complaints(tmp_path / "complaints.jsonl", 120_000)
    assert path.stat().st_size >= PARALLEL_FROM_BYTES  # large enough for the worker process
    proc = subprocess.Popen([sys.executable, "-m", "flows", "ingest", str(path)], cwd=ROOT, env=os.environ.copy())
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert workers, "the ingest finished or failed before its validation worker was seen"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)]


@pytest.mark.skipif(BACKEND != "sqlite", reason="the write lock queued here is SQLite's")
def test_two_concurrent_ingests_both_finish_with_correct_counts(generate, home):
    folder = generate(businesses=2500, seed=3)
    command = [sys.executable, "-m", "flows", "ingest", str(folder), "--json"]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode == 0, err.decode()
    first, second = ({r["kind"]: r for r in json.loads(out)} for out, _ in outputs)
    for kind, a in first.items():
        b = second[kind]
        assert a["read"] == b["read"] > 0
        assert a["stored"] + b["stored"] == a["read"] and a["unchanged"] + b["unchanged"] == a["read"]
        assert a["updated"] == b["updated"] == 0 and a["quarantined"] == b["quarantined"] == 0
    with make_engine(get_settings().db_url).connect() as conn:
        assert conn.scalar(select(func.count()).select_from(QuarantinedRow)) == 0
