"""`assured publish` for a whole province: wall time and peak memory.

Uses the cached, ingested province of bench/out/ (1,000,000 businesses, ≈3M complaints; quick:
50,000), copied to a temporary folder first so the shared cache is neither migrated nor written.
Runs `assured publish --json` in a child process (the real Prefect flow) reporting to a Prefect
server started for the run, as the daily deployment reports to the bureau's (a command run without
one starts a temporary server first: ≈ 10 s more), and takes the child's own peak RSS from `os.wait4`.

Baseline, in the same run: the two bare SQL aggregations the publish is built on (the
industry x city x category x month cube and the per-business counts), run in this process.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from bench import Figure, prefect_server, run_cli_json, timed
from bench.province import AS_OF, province


def run(quick: bool) -> list[Figure]:
    from checks.disclosures.figures import Period
    from registry import disclosures as R
    from registry.db import make_engine, session_factory

    businesses = 50_000 if quick else 1_000_000
    _, cached = province(businesses)
    with tempfile.TemporaryDirectory(dir=Path(__file__).with_name("out")) as tmp:
        folder = Path(tmp)
        db = folder / "assured.db"
        with timed() as copy_time:
            shutil.copyfile(cached.split("///", 1)[1], db)
        url = f"sqlite:///{db}"
        period = Period(dt.date.fromisoformat(AS_OF))
        with session_factory(url)() as session, timed() as sql_time:
            cube = R.complaint_cube(session, period)
            enterprises = R.enterprise_counts(session, period, 10)
        make_engine(url).dispose()
        with prefect_server(folder) as api:
            summary, seconds, rss = run_cli_json(
                folder / "home",
                url,
                ["publish", "--out", str(folder / "out"), "--as-of", AS_OF, "--json"],
                folder / "publish.json",
                api,
            )
        sizes = sum(p.stat().st_size for p in (folder / "out").rglob("*") if p.is_file())
    c, t = summary["counts"], summary["totals"]
    assert c["enterprises"] == len(enterprises) and t["received"] == sum(
        r[4] for r in cube if period.months[0] <= r[3] <= period.months[-1]
    )
    full = not quick
    return [
        Figure(f"province: {businesses:,} businesses, complaints in the 12 months", t["received"], "complaints"),
        Figure("copying the cached registry (not part of publish)", copy_time(), "s"),
        Figure("publish wall time (child process, a running Prefect server)", seconds, "s"),
        Figure(
            "publish peak RSS (child ru_maxrss)", rss, "MiB", "< 1024 MiB" if full else "", rss < 1024 if full else None
        ),
        Figure("baseline: bare SQL cube + per-business counts", sql_time(), "s"),
        Figure(
            "publish time / bare SQL time",
            seconds / sql_time(),
            "x",
            "<= 1.5" if full else "",
            seconds / sql_time() <= 1.5 if full else None,
        ),
        Figure("red list / black list entries", c["red_list"] + c["black_list"], "entries"),
        Figure("enterprises disclosed (>= 10 complaints)", c["enterprises"], "businesses"),
        Figure("files written", len(summary["files"]), "files"),
        Figure("bytes written", sizes / 2**20, "MiB"),
    ]
