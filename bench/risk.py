"""Risk scan over a year of complaints: wall time, peak memory, the share spent in segmentation.

Builds a SQLite registry whose complaints received in the scan's range (the 30-day window and
the 12 months before it) number 3,000,000 (quick: 100,000): the synthetic generator's businesses
and complaints, with one emerging problem injected, written straight into the tables. Then runs
`assured risk-scan --json` in a child process (the real Prefect flow, ephemeral server start
included) and takes the child's own peak RSS from `os.wait4`.

Baseline, in the same run: streaming the same complaints out of SQLite with the scan's own
query (`registry.complaint_text`) and doing nothing with them — the cost of the rows alone.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from pathlib import Path

from bench import Figure, run_cli_json, timed
from registry.synth.province import FIELDS

AS_OF = dt.date(2026, 6, 30)
PHRASE = "闪退扣费"
# the generator's columns plus the ingest row hash
REG_COLUMNS = (*FIELDS["registrations"], "row_hash")
COMPLAINT_COLUMNS = (*FIELDS["complaints"], "row_hash")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def build(db: Path, complaints: int, first_day: dt.date) -> tuple[int, int]:
    """Write businesses until `complaints` complaints fall on or after `first_day`; (businesses, complaints)."""
    from registry.db import upgrade
    from registry.synth.emerging import Emerging
    from registry.synth.province import Province

    upgrade(f"sqlite:///{db}")
    regs: list[tuple] = []
    rows: list[tuple] = []
    first = first_day.isoformat()
    emit = {kind: (lambda values: None) for kind in FIELDS}
    emit["registrations"] = lambda v: regs.append((*v, 0))
    emit["complaints"] = lambda v: rows.append((*v, 0)) if v[4] >= first else None
    month = AS_OF.replace(day=1) - dt.timedelta(days=1)
    province = Province(7, AS_OF, emit, [Emerging.parse(f"{PHRASE}@{month:%Y-%m}", AS_OF)])
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    stored = businesses = 0
    while stored < complaints:
        for _ in range(2000):
            province.business(businesses)
            businesses += 1
        rows = rows[: complaints - stored]
        with conn:
            conn.executemany(_insert("registrations", REG_COLUMNS), regs)
            conn.executemany(_insert("complaints", COMPLAINT_COLUMNS), rows)
        stored += len(rows)
        regs.clear()
        rows.clear()
    conn.execute("ANALYZE")
    conn.close()
    return businesses, stored


def run(quick: bool) -> list[Figure]:
    from checks.risk.scan import ScanParams
    from registry.complaint_text import complaint_texts
    from registry.db import make_engine

    target = 100_000 if quick else 3_000_000
    params = ScanParams(AS_OF)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "assured.db"
        with timed() as build_time:
            businesses, complaints = build(db, target, params.baseline_start)
        url = f"sqlite:///{db}"
        with timed() as read_time:
            read = sum(len(part) for part in complaint_texts(make_engine(url), params.baseline_start, AS_OF))
        make_engine(url).dispose()
        report, seconds, rss = run_cli_json(
            folder / "home",
            url,
            ["risk-scan", "--as-of", AS_OF.isoformat(), "--out", str(folder / "out"), "--json"],
            folder / "scan.json",
        )
    stats = report["stats"]
    assert read == complaints == stats["window_read_rows"] + stats["baseline_rows"]
    # report_seconds covers the topics too
    analysed = (
        stats["discover_seconds"] + stats["analyse_seconds"] + stats["baseline_seconds"] + stats["report_seconds"]
    )
    rank = next((i + 1 for i, t in enumerate(report["emerging_terms"]) if t["term"] == PHRASE), 0)
    full = not quick
    return [
        Figure(f"complaints in the scan's 13 months ({businesses:,} businesses)", complaints, "complaints"),
        Figure("building the registry (generate + insert)", build_time(), "s"),
        Figure(
            "risk-scan wall time (child process, Prefect start incl.)",
            seconds,
            "s",
            "< 600 s" if full else "",
            seconds < 600 if full else None,
        ),
        Figure("risk-scan peak RSS (child ru_maxrss)", rss, "MiB", "< 4096 MiB", rss < 4096),
        Figure("  of which read + analyse window", stats["analyse_seconds"] + stats["discover_seconds"], "s"),
        Figure("  of which stream + count baseline", stats["baseline_seconds"], "s"),
        Figure("  of which terms, topics (TF-IDF + k-means), trends", stats["report_seconds"], "s"),
        Figure("    of which topics", stats["topic_seconds"], "s"),
        Figure("  of which inside jieba (segmentation)", stats["segment_seconds"], "s"),
        Figure("segmentation share of the analysis time", 100 * stats["segment_seconds"] / analysed, "%"),
        Figure("segmentation share of the wall time", 100 * stats["segment_seconds"] / seconds, "%"),
        Figure("distinct clauses segmented / clauses seen", 100 * stats["clauses_segmented"] / stats["clauses"], "%"),
        # Synthetic summaries repeat their clauses; real ones repeat fewer. What jieba would cost if none repeated:
        Figure("jieba time per distinct clause", 1e6 * stats["segment_seconds"] / stats["clauses_segmented"], "µs"),
        Figure(
            "projected jieba time if every clause were distinct",
            stats["segment_seconds"] / stats["clauses_segmented"] * stats["clauses"],
            "s",
        ),
        Figure("baseline: stream the same rows, nothing else", read_time(), "s"),
        Figure("risk-scan time / bare read time", seconds / read_time(), "x"),
        Figure(f"rank of the injected phrase {PHRASE} among emerging terms", rank, "rank", "1-5", 1 <= rank <= 5),
    ]
