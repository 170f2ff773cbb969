"""Screening a region: set-based evidence in a handful of chunk tasks, one row per business.

The population is split into a few USCC ranges (`registry.evidence.partition`), one
task each (never one task per business). Each task streams its range through
`registry.evidence.screening_chunks` — the same rows `evidence_batch` reads — decided by
`checks.columnar.Kernel`, which agrees with `assess` business by business without
building Evidence or reasons; it writes its rows to a part file and returns counts; the
flow joins the parts in order and summarises.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.settings import PREFECT_API_URL
from prefect.task_runners import ThreadPoolTaskRunner

from checks import calendar
from checks.columnar import Kernel
from checks.extras import require
from checks.policy import load_policy
from checks.programmes import Programme
from documents.csvfile import csv_text
from documents.files import write_atomic
from documents.opendata import screening_header, screening_readme
from flows.common import registry
from registry.evidence import partition, screening_chunks
from registry.settings import get_settings

FIELDS = ("uscc", "region_code", "industry_code", "verdict", "score", "bonus", "vetoes", "failed", "missing")
# Progress reporting: the CLI sets a callback; tasks call it with the number of businesses done.
progress: Callable[[int], None] | None = None


@dataclass
class Summary:
    businesses: int = 0
    verdicts: Counter = field(default_factory=Counter)
    vetoes: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    missing: Counter = field(default_factory=Counter)
    scores: Counter = field(default_factory=Counter)

    def add(self, other: Summary) -> None:
        self.businesses += other.businesses
        for name in ("verdicts", "vetoes", "failed", "missing", "scores"):
            getattr(self, name).update(getattr(other, name))

    def to_json(self) -> dict:
        return {
            "businesses": self.businesses,
            "verdicts": dict(sorted(self.verdicts.items())),
            "top_vetoes": self.vetoes.most_common(7),
            "top_failed_checks": self.failed.most_common(10),
            "top_missing": self.missing.most_common(5),
            "score_distribution": {f"{b}-{b + 9}": self.scores[b] for b in range(0, 101, 10) if self.scores[b]},
        }


@task(cache_policy=NO_CACHE)
def screen_range(
    program: str, as_of: dt.date, region: str | None, after: str | None, upto: str | None, part: str
) -> Summary:
    policy = load_policy(program)
    kernel = Kernel(policy, as_of)
    write = _csv_lines if Path(part).suffix == ".csv" else _jsonl_lines
    masks: Counter = Counter()
    raw_scores: Counter = Counter()  # per distinct score, bucketed at the end
    summary = Summary()
    with open(part, "w", encoding="utf-8", newline="") as fh, registry()() as session:
        for chunk in screening_chunks(session, as_of, program, policy, region_prefix=region, after=after, upto=upto):
            results = kernel.run(chunk)
            fh.write(write(chunk.registrations, results, kernel.checks))
            # C-speed tallies per chunk
            summary.verdicts.update([r[0] for r in results])
            raw_scores.update([r[1] for r in results])
            masks.update([r[3] for r in results])
            summary.businesses += len(results)
            if progress:
                progress(len(results))
    for score, n in raw_scores.items():
        summary.scores[min(int(score) // 10 * 10, 100)] += n
    for mask, n in masks.items():
        for name, ids in zip(("vetoes", "failed", "missing"), kernel.checks(mask)):
            counter = getattr(summary, name)
            for cid in ids:
                counter[cid] += n
    return summary


# a cell needing quotes, or one beginning like a formula (cells joined with NUL between them)
_NEEDS_CARE = re.compile(r'[,"\r\n]|(?:^|\x00)[=+\-@\t]').search


def _csv_lines(registrations: Sequence[tuple], results: Sequence[tuple], checks: Callable[[int], tuple]) -> str:
    """A chunk's CSV rows, byte for byte what `documents.csvfile.csv_text` writes (RFC 4180 minimal
    quoting, CRLF, formula-like cells neutralised), built by joining strings when no business
    field of the chunk needs quoting or neutralising (checked on the chunk at once); each mask's
    id cells are joined once. Otherwise `csv_text` writes it."""
    tails = {mask: ["|".join(ids) for ids in checks(mask)] for mask in {r[3] for r in results}}
    if _NEEDS_CARE("\x00".join([f"{reg[0]}\x00{reg[4]}\x00{reg[5]}" for reg in registrations])) or any(
        _NEEDS_CARE("\x00".join(t)) for t in tails.values()
    ):
        return csv_text(
            (reg[0], reg[4], reg[5], verdict, score, bonus, *tails[mask])
            for reg, (verdict, score, bonus, mask) in zip(registrations, results)
        )
    tails = {mask: ",".join(t) for mask, t in tails.items()}
    return "".join(
        [
            f"{reg[0]},{reg[4]},{reg[5]},{verdict},{score!r},{bonus!r},{tails[mask]}\r\n"
            for reg, (verdict, score, bonus, mask) in zip(registrations, results)
        ]
    )


def _jsonl_lines(registrations: Sequence[tuple], results: Sequence[tuple], checks: Callable[[int], tuple]) -> str:
    return "".join(
        json.dumps(
            dict(zip(FIELDS, (reg[0], reg[4], reg[5], verdict, score, bonus, *(list(ids) for ids in checks(mask))))),
            ensure_ascii=False,
        )
        + "\n"
        for reg, (verdict, score, bonus, mask) in zip(registrations, results)
    )


@task(cache_policy=NO_CACHE)
def plan(parts: int, region: str | None) -> list[tuple[str | None, str | None]]:
    with registry()() as session:
        return partition(session, parts, region)


@task(cache_policy=NO_CACHE)
def output_file(program: str, as_of: dt.date, out: str | None) -> str:
    """`out`, or `<out>/screening/<programme>-<date>.csv` under the instance's output folder; its
    folder is made."""
    target = Path(out) if out else get_settings().out_path / "screening" / f"{program}-{as_of.isoformat()}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    return str(target)


@task(cache_policy=NO_CACHE)
def join_parts(parts: list[str], out: str) -> str:
    target = Path(out)
    if target.suffix == ".csv":  # the README beside it, named after it (never over a folder's own README)
        write_atomic(target.with_name(f"{target.stem}.README.md"), screening_readme(target.name).encode("utf-8"))
    with target.open("w", encoding="utf-8", newline="") as fh:
        if target.suffix == ".csv":
            fh.write(screening_header())
        for part in parts:
            with open(part, encoding="utf-8", newline="") as src:
                for line in src:
                    fh.write(line)
            Path(part).unlink()
    return str(target)


def dask_runner(workers: int, address: str | None = None):
    """Chunk tasks on Dask: a local cluster of `workers` processes, or the cluster at `address`."""
    # optional and heavy (dask, distributed): imported only when asked for
    prefect_dask = require("prefect_dask", "dask", "Screening on Dask")
    if address:
        return prefect_dask.DaskTaskRunner(address=address)
    cluster = {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
        "env": {"PREFECT_API_URL": _api_url()},
    }
    return prefect_dask.DaskTaskRunner(cluster_kwargs=cluster)


def _api_url() -> str:
    """The Prefect API this process reports to, for the local cluster's worker processes: the
    configured one (possibly set in-process only, as the test harness does), else this
    process's temporary server, started now if need be. Left to themselves, workers without
    a configured API would each start a temporary server of their own before their first task
    (many seconds each, and their task runs would not show in the flow's server)."""
    if api := PREFECT_API_URL.value():
        return api
    from prefect.server.api.server import SubprocessASGIServer  # the server's app (heavy): only when started

    server = SubprocessASGIServer()  # the one instance `get_client` starts and reuses
    server.start()
    return server.api_url


# One process runs the chunk tasks one after another: run side by side in threads they only
# contend for the interpreter lock (measured on 1M businesses: 85 s with 4 threads, 66 s in
# one). Spreading them is the Dask runner's job.
@flow(name="screen", task_runner=ThreadPoolTaskRunner(max_workers=1))
def screen_flow(
    program: Programme,
    as_of: dt.date | None = None,
    out: str | None = None,
    region: str | None = None,
    parts: int = 4,
) -> dict:
    """Assess every business (of a region) under the programme's policy as of a date (default today);
    rows to `out` (.csv/.jsonl; default `<out>/screening/<programme>-<date>.csv`). Run with
    `screen_flow.with_options(task_runner=dask_runner(n))` to spread the chunks over processes."""
    as_of = as_of or calendar.today()
    out = output_file(program, as_of, out)
    ranges = plan(parts, region)
    stem, suffix = out.rsplit(".", 1)
    part_files = [f"{stem}.part{i}.{suffix}" for i in range(len(ranges))]
    futures = [
        screen_range.submit(program, as_of, region, after, upto, part)
        for (after, upto), part in zip(ranges, part_files)
    ]
    summary = Summary()
    for f in futures:
        summary.add(f.result())
    path = join_parts(part_files, out)
    return {
        "program": program,
        "as_of": as_of.isoformat(),
        "region": region,
        "out": path,
        "tasks": len(ranges),
        **summary.to_json(),
    }
