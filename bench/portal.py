"""The business portal under load: 200 signed-in business sessions on 127.0.0.1, each submitting
one online application at once (bounded: one each) to `assured web` (one process), on SQLite and
on PostgreSQL. The answer comes after the `application` flow has stored the assessment, so the
submit latency is the time to a stored assessment. Prefect is warm: one application is
submitted and assessed before the timed ones. On PostgreSQL the Prefect server keeps its own
data on PostgreSQL too, as in production. Target: median <= 1 s.

The baseline measured in the same run is one application submitted alone (the same call with
nothing else running): the ratio says what the 200 at once cost beyond one.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from bench import Figure, prefect_server
from bench.workbench import ingest_businesses, on_both_backends, records, serve

SESSIONS = 200
BODY = {
    "program": "model_unit",
    "return_days": 15,
    "commitments": ["displayed", "advance_compensation", "first_inquiry_responsibility", "service_station"],
    "accept": True,
}


def _prepare(home: Path, url: str, folder: Path) -> list[str]:
    os.environ.update(ASSURED_HOME=str(home), ASSURED_DATABASE_URL=url)
    from registry.db import open_registry
    from registry.settings import get_settings

    get_settings.cache_clear()
    ingest_businesses(open_registry(url), folder)
    return [line.split('"uscc": "', 1)[1][:18] for line in (folder / "registrations.jsonl").open(encoding="utf-8")]


async def _signed_in(base: str, outbox: Path, uscc: str):
    import httpx

    client = httpx.AsyncClient(base_url=base, timeout=600, limits=httpx.Limits(keepalive_expiry=4))
    (await client.post("/api/portal/code", json={"uscc": uscc})).raise_for_status()
    [latest] = sorted((outbox / uscc).glob("portal-code-*.txt"))[-1:]
    code = re.search(r"验证码为 (\d{6})", latest.read_text(encoding="utf-8")).group(1)  # type: ignore[union-attr]
    response = await client.post("/api/portal/login", json={"uscc": uscc, "code": code})
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf"]
    return client


async def _submit(client) -> float:
    started = time.perf_counter()
    response = await client.post("/api/portal/applications", json=BODY)
    if response.status_code != 201 or response.json()["status"] == "submitted":  # deferred: not assessed
        raise RuntimeError(f"submit: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


async def _load(base: str, outbox: Path, codes: list[str]) -> tuple[list[float], float, float]:
    warm, alone, *rest = codes
    clients = [await _signed_in(base, outbox, u) for u in (warm, alone, *rest[:SESSIONS])]
    try:
        await _submit(clients[0])  # Prefect's first run: not timed
        single = await _submit(clients[1])
        started = time.perf_counter()
        times = await asyncio.gather(*(_submit(c) for c in clients[2:]))
        wall = time.perf_counter() - started
    finally:
        for c in clients:
            await c.aclose()
    return list(times), wall, single


def _prefect_database(url: str) -> dict[str, str]:
    """On PostgreSQL, the Prefect server's own database beside the registry's, as in production
    (README, deployment); its default SQLite database answers a burst of overlapping flow runs'
    writes with 503 "database is locked", and the client waits 2 s before it tries again."""
    if not url.startswith("postgresql"):
        return {}
    from sqlalchemy import create_engine, text

    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("CREATE DATABASE bench_portal_prefect"))
    prefect = url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql+asyncpg") + "/bench_portal_prefect"
    return {"PREFECT_API_DATABASE_CONNECTION_URL": prefect}


def _measure(backend: str, home: Path, url: str, codes: list[str]) -> list[Figure]:
    with prefect_server(home, **_prefect_database(url)) as api:
        server, base = serve(home, url, ASSURED_PORTAL_CODES_PER_CLIENT="100000", PREFECT_API_URL=api)
        try:
            times, wall, single = asyncio.run(_load(base, home / "outbox", codes))
        finally:
            server.terminate()
            server.wait(30)
    median = statistics.median(times)
    return [
        Figure(
            f"{backend}: submit to stored assessment, median of {len(times)} at once", median, "s", "<= 1", median <= 1
        ),
        Figure("  99th percentile", statistics.quantiles(times, n=100)[98], "s"),
        Figure("  throughput", len(times) / wall, "apps/s"),
        Figure("  one application alone (baseline)", single, "s"),
        Figure("  median / one alone", median / single, "x"),
    ]


def run(quick: bool) -> list[Figure]:
    tmp = Path(tempfile.mkdtemp(prefix="assured-bench-portal-"))
    folder = records(tmp / "records", SESSIONS + 2)
    return on_both_backends(
        tmp, "bench_portal", lambda backend, home, url: _measure(backend, home, url, _prepare(home, url, folder))
    )
