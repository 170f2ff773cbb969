"""Ingest of generated complaints into SQLite against raw sqlite3 executemany of the same rows.

Baseline: read the same file, json.loads each line, executemany the column tuples into
the same freshly migrated schema (all its indexes) — no validation, no upsert logic.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from bench import Figure, timed
from bench.province import generated


def _fresh_db(path: Path) -> str:
    from registry.db import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    return url


def _raw(path: Path, db: Path, kind) -> int:
    cols = list(kind.fields)
    sql = f"INSERT INTO {kind.model.__tablename__} ({', '.join(cols)}, row_hash) VALUES ({', '.join('?' * (len(cols) + 1))})"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    with path.open(encoding="utf-8") as fh:
        rows = []
        n = 0
        for line in fh:
            d = json.loads(line)
            rows.append(tuple(d[c] for c in cols) + (0,))
            if len(rows) >= 5000:
                con.executemany(sql, rows)
                n += len(rows)
                rows = []
        con.executemany(sql, rows)
        n += len(rows)
    con.commit()
    con.close()
    return n


def run(quick: bool) -> list[Figure]:
    from registry.db import session_factory
    from registry.ingest import ingest_file
    from registry.records import KINDS

    kind = KINDS["complaints"]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        src = generated(20_000 if quick else 300_000) / "complaints.jsonl"
        raw_db = tmpdir / "raw.db"
        _fresh_db(raw_db)
        with timed() as raw_t:
            n = _raw(src, raw_db, kind)
        url = _fresh_db(tmpdir / "ours.db")
        factory = session_factory(url)
        with timed() as ours_t:
            with factory.begin() as session:
                counts = ingest_file(session, src, kind)
        with timed() as again_t:
            with factory.begin() as session:
                again = ingest_file(session, src, kind)
    assert counts.stored == n and again.unchanged == n, (counts, again, n)
    ratio = ours_t() / raw_t()
    return [
        Figure(f"complaint rows ingested ({n:,})", n, "rows"),
        Figure("raw sqlite3 executemany (json.loads, no validation)", n / raw_t(), "rows/s"),
        Figure(
            "assured ingest, first load (validated, upsert)",
            n / ours_t(),
            "rows/s",
            ">= 100,000",
            n / ours_t() >= 100_000,
        ),
        Figure("assured ingest time / raw executemany time", ratio, "x", "<= 1.5", ratio <= 1.5),
        Figure("assured re-ingest of the same file (all unchanged)", n / again_t(), "rows/s"),
    ]
