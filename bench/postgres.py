"""PostgreSQL: ingest rows/s against SQLite on the same file, and screening single-process
against Dask with 2 workers on the same PostgreSQL registry (a server started for the run)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import Figure, timed
from bench.province import AS_OF, generated


def _ingest(url: str, folder: Path, env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "flows", "ingest", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**env, "ASSURED_DATABASE_URL": url},
    )


def _screen(url: str, out: Path, env: dict, *extra: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flows", "screen", "--as-of", AS_OF, "--out", str(out), "--json", *extra],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**env, "ASSURED_DATABASE_URL": url},
    )


def run(quick: bool) -> list[Figure]:
    from tests.support.pgserver import PgUnavailable, create_database, start

    businesses = 20_000 if quick else 200_000
    folder = generated(businesses)
    tmp = Path(tempfile.mkdtemp(prefix="assured-bench-pg-"))
    env = {**os.environ, "ASSURED_HOME": str(tmp)}
    try:
        server = start()
    except PgUnavailable as exc:
        return [Figure(f"PostgreSQL unavailable: {exc}", 0, "")]
    try:
        rows = sum(1 for f in folder.glob("*.jsonl") if f.stem != "applications" for _ in f.open(encoding="utf-8"))
        sqlite_url = f"sqlite:///{tmp / 'bench.db'}"
        pg_url = create_database(server, "bench")
        with timed() as sqlite_t:
            _ingest(sqlite_url, folder, env)
        with timed() as pg_t:
            _ingest(pg_url, folder, env)
        with timed() as single_t:
            _screen(pg_url, tmp / "single.csv", env, "--parallel", "none")
        with timed() as dask_t:
            _screen(pg_url, tmp / "dask.csv", env, "--parallel", "dask", "--workers", "2")
        same = (tmp / "single.csv").read_bytes() == (tmp / "dask.csv").read_bytes()
    finally:
        server.stop()
    return [
        Figure(f"rows ingested ({businesses:,} businesses, whole province)", rows, "rows"),
        Figure("ingest into SQLite (process wall time)", rows / sqlite_t(), "rows/s"),
        Figure("ingest into PostgreSQL (COPY)", rows / pg_t(), "rows/s"),
        Figure("screening on PostgreSQL, single process (incl. start-up)", single_t(), "s"),
        Figure("screening on PostgreSQL, Dask 2 workers (incl. start-up)", dask_t(), "s"),
        Figure("single / Dask", single_t() / dask_t(), "x"),
        Figure("Dask rows identical to single-process rows", float(same), "bool", "1", same),
    ]
