"""The reviewers' workbench under load: a county reviewer whose region holds 5,000 open
applications, 50 signed-in sessions on 127.0.0.1 against `assured web` (one process), on SQLite
and on PostgreSQL. Each session asks for the worklist page, the worklist API, an application
page and the application API.

Two loads, both bounded (a fixed number of requests per session):
- paced: each session waits a random think time (mean 2 s) between requests, as 50 reviewers
  at work would; the latency a reviewer sees. Targets: worklist <= 150 ms and application page
  <= 250 ms median.
- saturated: no think time, all 50 at once; the server's throughput and the queueing latency.
The baseline measured in the same run is a bare signed-in page: GET /review/password (the
session lookup and a template, no worklist query).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import Figure
from bench.province import AS_OF

PASSWORD = "长江大桥-Wuhan-1957"
SESSIONS = 50
REGION = "420102"
PATHS = {
    "worklist page": "/review",
    "worklist API": "/api/worklist",
    "application page": "/review/applications/{id}",
    "application API": "/api/applications/{id}",
    "bare page (baseline)": "/review/password",
}


def records(folder: Path, n: int) -> Path:
    """n businesses in the reviewer's region (and a tenth as many elsewhere), credit class A,
    and their applications (both programmes, every commitment)."""
    from checks.uscc import make_uscc

    folder.mkdir(parents=True)
    codes = [make_uscc(REGION if i % 11 else "420106", f"MB{i:06d}") for i in range(n + n // 10)]
    day = dt.date.fromisoformat(AS_OF)
    regs, credit, apps = [], [], []
    for i, uscc in enumerate(codes):
        regs.append(
            {
                "uscc": uscc,
                "name": f"武汉江岸第{i}商贸有限公司",
                "entity_type": "enterprise",
                "status": "active",
                "established_on": "2015-03-01",
                "region_code": uscc[2:8],
                "industry_code": "F5211",
                "address": f"武汉市江岸区中山大道{i}号",
                "legal_representative": "张三",
                "contact_email": f"shop{i}@example.cn",
                "odr_enrolled_on": "2020-01-01",
            }
        )
        credit.append({"uscc": uscc, "risk_class": "A", "classified_on": "2026-06-01"})
        apps.append(
            {
                "uscc": uscc,
                "program": ("model_unit", "seven_day_return")[i % 2],
                "channel": "offline",
                "submitted_on": (day - dt.timedelta(days=i % 20)).isoformat(),
                "store_name": f"江岸第{i}门店",
                "contact_email": f"shop{i}@example.cn",
                "commitments": {
                    "return_days": 15,
                    "displayed": True,
                    "advance_compensation": True,
                    "first_inquiry_responsibility": True,
                    "service_station": True,
                },
            }
        )
    for name, rows in (("registrations", regs), ("credit_classes", credit), ("applications", apps)):
        (folder / f"{name}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
    return folder


def ingest_businesses(factory, folder: Path) -> None:
    """The registrations and credit classes of `records(...)`, without the applications."""
    from registry.db import begin_write
    from registry.ingest import files_to_ingest, ingest_file

    for path, kind in files_to_ingest([folder / "registrations.jsonl", folder / "credit_classes.jsonl"]):
        with begin_write(factory) as session:
            ingest_file(session, path, kind)


def _prepare(home: Path, url: str, folder: Path) -> list[int]:
    """Ingest, submit and assess in this process (no Prefect), put every application in review at
    the county stage, a fifth of them overdue; the reviewer account. Returns the ids of the
    applications in the reviewer's region."""
    os.environ.update(ASSURED_HOME=str(home), ASSURED_DATABASE_URL=url)
    from sqlalchemy import select, update

    from registry.account_admin import add_account
    from registry.applications import assess_application, submit_rows
    from registry.db import begin_write, open_registry
    from registry.ingest import read_rows
    from registry.records import APPLICATIONS
    from registry.settings import get_settings
    from registry.workflow_models import Application

    get_settings.cache_clear()
    settings = get_settings()
    factory = open_registry(url)
    ingest_businesses(factory, folder)
    day = dt.date.fromisoformat(AS_OF)
    with begin_write(factory) as session:
        ids = submit_rows(session, read_rows(folder / "applications.jsonl", APPLICATIONS), "counter").accepted
    for start in range(0, len(ids), 500):
        with begin_write(factory) as session:
            for app_id in ids[start : start + 500]:
                assess_application(session, app_id, day, tuple(settings.review_stages))
    with begin_write(factory) as session:
        session.execute(update(Application).values(status="in_review", stage="county", stage_since=day, due_on=day))
        session.execute(update(Application).where(Application.id % 5 == 0).values(due_on=day - dt.timedelta(days=3)))
        add_account(
            session, "bench-county", role="reviewer", stage="county", region_prefix=REGION,
            settings=settings, password=PASSWORD,
        )  # fmt: skip
        return [a.id for a in session.scalars(select(Application)) if a.uscc[2:8] == REGION]


def serve(home: Path, url: str, **extra: str) -> tuple[subprocess.Popen, str]:
    """`assured web` in a child process on a free port of 127.0.0.1 (its log in `home`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, ASSURED_HOME=str(home), ASSURED_DATABASE_URL=url, **extra)
    server = subprocess.Popen(
        [sys.executable, "-m", "flows", "web", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(home / "web.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, base
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("assured web did not start within 60 s")


async def _load(base: str, ids: list[int], rounds: int, think: float) -> dict[str, list[float]]:
    import httpx

    # uvicorn closes a connection idle for 5 s: the clients let go of theirs after 4
    limits = httpx.Limits(keepalive_expiry=4)
    clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in range(SESSIONS)]
    for c in clients:  # sign-in is not measured (argon2 is meant to be slow)
        r = await c.post("/api/login", json={"username": "bench-county", "password": PASSWORD})
        r.raise_for_status()
    seen: dict[str, list[float]] = {k: [] for k in PATHS}
    rng = random.Random(1)

    async def session(c) -> None:
        for _ in range(rounds):
            for name, path in PATHS.items():
                if think:
                    await asyncio.sleep(rng.expovariate(1 / think))
                started = time.perf_counter()
                r = await c.get(path.format(id=rng.choice(ids)))
                seen[name].append(time.perf_counter() - started)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")

    try:
        await asyncio.gather(*(session(c) for c in clients))
    finally:
        for c in clients:
            await c.aclose()
    return seen


def _figures(backend: str, seen: dict[str, list[float]], load: str, elapsed: float) -> list[Figure]:
    targets = {"worklist page": 0.150, "worklist API": 0.150, "application page": 0.250, "application API": 0.250}
    out = []
    for name, times in seen.items():
        median = statistics.median(times)
        p99 = statistics.quantiles(times, n=100)[98]
        target = targets.get(name) if load == "paced" else None
        out.append(
            Figure(
                f"{backend} {load}: {name} median",
                median * 1000,
                "ms",
                f"<= {target * 1000:.0f}" if target else "",
                None if target is None else median <= target,
            )
        )
        out.append(Figure(f"  99th percentile (n={len(times)})", p99 * 1000, "ms"))
    requests = sum(len(t) for t in seen.values())
    out.append(Figure(f"  {backend} {load}: throughput", requests / elapsed, "req/s"))
    return out


def _measure(backend: str, home: Path, url: str, ids: list[int], quick: bool) -> list[Figure]:
    server, base = serve(home, url)
    figures = []
    try:
        for load, rounds, think in (("paced", 2 if quick else 5, 2.0), ("saturated", 2 if quick else 5, 0.0)):
            started = time.perf_counter()
            seen = asyncio.run(_load(base, ids, rounds, think))
            figures += _figures(backend, seen, load, time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(30)
    return figures


def on_both_backends(tmp: Path, name: str, measure: Callable[[str, Path, str], list[Figure]]) -> list[Figure]:
    """`measure(backend, home, url)` on a new SQLite file, then on a PostgreSQL server started for
    the run (a line saying why when it cannot start)."""
    from tests.support.pgserver import PgUnavailable, create_database, start

    home = tmp / "sqlite"
    home.mkdir()
    figures = measure("SQLite", home, f"sqlite:///{home / 'assured.db'}")
    try:
        server = start()
    except PgUnavailable as exc:
        return [*figures, Figure(f"PostgreSQL unavailable: {exc}", 0, "")]
    try:
        home = tmp / "postgresql"
        home.mkdir()
        return figures + measure("PostgreSQL", home, create_database(server, name))
    finally:
        server.stop()


def run(quick: bool) -> list[Figure]:
    n = 1_000 if quick else 5_000
    tmp = Path(tempfile.mkdtemp(prefix="assured-bench-wb-"))
    folder = records(tmp / "records", n)

    def measure(backend: str, home: Path, url: str) -> list[Figure]:
        return _measure(backend, home, url, _prepare(home, url, folder), quick)

    figures = [Figure(f"open applications in the reviewer's region ({REGION})", n, "apps")]
    return figures + on_both_backends(tmp, "bench_workbench", measure)
