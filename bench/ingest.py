"""Ingest of generated complaints into SQLite and PostgreSQL against raw driver writes of the
same rows: a first load, a re-ingest of the same file and an update batch (10 % of rows changed).

Baselines, each in the same run on a freshly migrated schema (all its indexes):
- first load: read the file, json.loads each line, write the column tuples (SQLite:
  `sqlite3` executemany; PostgreSQL: psycopg COPY) — no validation, no upsert logic;
- re-ingest and update batch: the same, written over the loaded table by natural key
  (SQLite: executemany of INSERT … ON CONFLICT DO UPDATE; PostgreSQL: COPY into a temporary
  table and one INSERT … SELECT … ON CONFLICT DO UPDATE).
assured's figures are `ingest_file` in one transaction per file, as `assured ingest` runs it
(files this size take the bulk path: batch validation, and a re-ingest skips known lines).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import Figure, timed
from bench.province import generated

CHUNK = 5000
TARGET_RATE = 100_000
TARGET_RATIO = 1.5


def _tuples(path: Path, cols: list[str]):
    rows: list[tuple] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            rows.append(tuple(d[c] for c in cols) + (0,))
            if len(rows) >= CHUNK:
                yield rows
                rows = []
    if rows:
        yield rows


def _sqlite_raw(upsert: bool) -> Callable[[Path, str, object], int]:
    def write(path: Path, url: str, kind) -> int:
        cols = list(kind.fields)
        table = kind.model.__tablename__
        sql = f"INSERT INTO {table} ({', '.join(cols)}, row_hash) VALUES ({', '.join('?' * (len(cols) + 1))})"
        if upsert:
            sets = ", ".join(f"{c} = excluded.{c}" for c in [*cols, "row_hash"] if c not in kind.key)
            sql += f" ON CONFLICT ({', '.join(kind.key)}) DO UPDATE SET {sets}"
        con = sqlite3.connect(url.removeprefix("sqlite:///"))
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        n = 0
        for rows in _tuples(path, cols):
            con.executemany(sql, rows)
            n += len(rows)
        con.commit()
        con.close()
        return n

    return write


def _postgresql_raw(upsert: bool) -> Callable[[Path, str, object], int]:
    def write(path: Path, url: str, kind) -> int:
        import psycopg

        cols = [*kind.fields, "row_hash"]
        table = kind.model.__tablename__
        n = 0
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con, con.cursor() as cur:
            target = table
            if upsert:
                target = "raw_staging"
                cur.execute(f"CREATE TEMP TABLE raw_staging (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
            with cur.copy(f"COPY {target} ({', '.join(cols)}) FROM STDIN") as copy:
                for rows in _tuples(path, list(kind.fields)):
                    for row in rows:
                        copy.write_row(row)
                    n += len(rows)
            if upsert:
                sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c not in kind.key)
                cur.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM raw_staging "
                    f"ON CONFLICT ({', '.join(kind.key)}) DO UPDATE SET {sets}"
                )
        return n

    return write


def _update_batch(src: Path, out: Path) -> int:
    """`src` with every tenth row's amount raised by one yuan; returns the rows changed."""
    changed = 0
    with src.open(encoding="utf-8") as fh, out.open("w", encoding="utf-8") as dst:
        for n, line in enumerate(fh):
            if n % 10 == 0:
                rec = json.loads(line)
                rec["amount_yuan"] += 1
                line = json.dumps(rec, ensure_ascii=False) + "\n"
                changed += 1
            dst.write(line)
    return changed


@contextmanager
def _cpu() -> Iterator[Callable[[], float]]:
    """CPU seconds of this process and its reaped children (the validation worker) in the block:
    on a machine shared with other work, steadier than wall time."""

    def now() -> float:
        return sum(
            u.ru_utime + u.ru_stime for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        )

    start, end = now(), []
    yield lambda: (end[0] if end else now()) - start
    end.append(now())


def _backend(name: str, make_url: Callable[[str], str], src: Path, update: Path, changed: int) -> list[Figure]:
    from checks.policy import PROGRAMS, load_policy
    from registry.db import session_factory, upgrade
    from registry.ingest import ingest_file
    from registry.records import KINDS

    kind = KINDS["complaints"]
    for program in PROGRAMS:  # parsed once per process (≈ 0.3 s), as a long-running instance has them
        load_policy(program)
    raw_load, raw_upsert = (
        (_sqlite_raw(False), _sqlite_raw(True))
        if name == "SQLite"
        else (
            _postgresql_raw(False),
            _postgresql_raw(True),
        )
    )
    raw_url = make_url("raw")
    upgrade(raw_url)
    with timed() as raw_t, _cpu() as raw_cpu:
        n = raw_load(src, raw_url, kind)
    with timed() as raw_again_t:
        raw_upsert(src, raw_url, kind)
    with timed() as raw_update_t:
        raw_upsert(update, raw_url, kind)
    url = make_url("ours")
    upgrade(url)
    factory = session_factory(url)
    with timed() as first_t, _cpu() as first_cpu, factory.begin() as session:
        first = ingest_file(session, src, kind)
    with timed() as again_t, factory.begin() as session:
        again = ingest_file(session, src, kind)
    with timed() as update_t, factory.begin() as session:
        updated = ingest_file(session, update, kind)
    factory.kw["bind"].dispose()
    assert first.stored == n and again.unchanged == n, (first, again, n)
    assert (updated.updated, updated.unchanged) == (changed, n - changed), updated
    figures = [Figure(f"{name}: complaint rows per file ({n:,}; update batch {changed:,} changed)", n, "rows")]
    for label, ours, raw in (
        ("first load", first_t(), raw_t()),
        ("re-ingest, all unchanged", again_t(), raw_again_t()),
        ("update batch, 10 % changed", update_t(), raw_update_t()),
    ):
        baseline = "executemany" if name == "SQLite" else "COPY"
        if label != "first load":
            baseline = "upsert " + ("executemany" if name == "SQLite" else "COPY + merge")
        rate, ratio = n / ours, ours / raw
        figures += [
            Figure(f"{name} raw {baseline} ({label}, no validation)", n / raw, "rows/s"),
            Figure(f"{name} assured {label}", rate, "rows/s", f">= {TARGET_RATE:,}", rate >= TARGET_RATE),
            Figure(f"{name} assured / raw time ({label})", ratio, "x", f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO),
        ]
    if name == "SQLite":  # PostgreSQL's own work is in its server, not counted here
        figures.append(
            Figure("SQLite assured / raw CPU time (first load, incl. the worker)", first_cpu() / raw_cpu(), "x")
        )
    return figures


def run(quick: bool) -> list[Figure]:
    from tests.support.pgserver import PgUnavailable, create_database, start

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = generated(20_000 if quick else 300_000) / "complaints.jsonl"
        update = tmpdir / "complaints-update.jsonl"
        changed = _update_batch(src, update)
        figures = _backend("SQLite", lambda db: f"sqlite:///{tmpdir / db}.db", src, update, changed)
        try:
            server = start()
        except PgUnavailable as exc:
            return [*figures, Figure(f"PostgreSQL unavailable: {exc}", 0, "")]
        try:
            figures += _backend("PostgreSQL", lambda db: create_database(server, f"ingest_{db}"), src, update, changed)
        finally:
            server.stop()
    return figures
