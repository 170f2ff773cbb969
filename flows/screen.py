"""Screening a region: set-based evidence in a handful of chunk tasks, one row per business.

The population is split into a few USCC ranges (`registry.evidence.partition`), one
task each (never one task per business). Each task streams its range through
`registry.evidence.screening_batch` — the same rows `evidence_batch` reads, decided by
`checks.columnar.Kernel`, which agrees with `assess` business by business without
building Evidence or reasons — writes its rows to a part file and returns counts; the
flow joins the parts in order and summarises.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.common import registry

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
def screen_range(program: str, as_of: dt.date, region: str | None, after: str | None, upto: str | None,
                 part: str) -> Summary:
    from checks.policy import load_policy
    from registry.evidence import screening_batch

    policy = load_policy(program)
    csv_out = Path(part).suffix == ".csv"
    # per distinct (veto, failed, missing) triple: its row cells, and how many businesses had it
    cells: dict[tuple, tuple] = {}
    triples: Counter = Counter()
    summary = Summary()
    verdicts, scores = summary.verdicts, summary.scores
    with open(part, "w", encoding="utf-8", newline="") as fh, registry()() as session:
        write = csv.writer(fh).writerows if csv_out else None
        for chunk in screening_batch(session, as_of, program, policy, region_prefix=region, after=after,
                                     upto=upto):
            rows = []
            for s in chunk:
                key = (s.vetoes, s.failed, s.missing)
                got = cells.get(key)
                if got is None:
                    got = cells[key] = tuple("|".join(ids) for ids in key) if csv_out else tuple(list(i) for i in key)
                triples[key] += 1
                verdicts[s.verdict] += 1
                scores[min(int(s.score) // 10 * 10, 100)] += 1
                rows.append((s.uscc, s.region_code, s.industry_code, s.verdict, s.score, s.bonus, *got))
            if write is not None:
                write(rows)
            else:
                fh.writelines(json.dumps(dict(zip(FIELDS, row)), ensure_ascii=False) + "\n" for row in rows)
            summary.businesses += len(rows)
            if progress:
                progress(len(rows))
    for (vetoes, failed, missing), n in triples.items():
        for name, ids in (("vetoes", vetoes), ("failed", failed), ("missing", missing)):
            counter = getattr(summary, name)
            for cid in ids:
                counter[cid] += n
    return summary


@task(cache_policy=NO_CACHE)
def plan(parts: int, region: str | None) -> list[tuple[str | None, str | None]]:
    from registry.evidence import partition

    with registry()() as session:
        return partition(session, parts, region)


@task(cache_policy=NO_CACHE)
def join_parts(parts: list[str], out: str) -> str:
    target = Path(out)
    with target.open("w", encoding="utf-8", newline="") as fh:
        if target.suffix == ".csv":
            csv.writer(fh).writerow(FIELDS)
        for part in parts:
            with open(part, encoding="utf-8", newline="") as src:
                for line in src:
                    fh.write(line)
            Path(part).unlink()
    return str(target)


def dask_runner(workers: int, address: str | None = None):
    """Chunk tasks on Dask: a local cluster of `workers` processes, or the cluster at `address`."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    cluster = {"n_workers": workers, "threads_per_worker": 1, "processes": True, "dashboard_address": None,
               "env": {"PREFECT_API_URL": _api_url()}}
    return DaskTaskRunner(cluster_kwargs=cluster)


def _api_url() -> str:
    """The Prefect API this process reports to, for the local cluster's worker processes: the
    configured one (possibly set in-process only, as the test harness does), else this
    process's temporary server, started now if need be. Left to themselves, workers without
    a configured API would each start a temporary server of their own before their first task
    (many seconds each, and their task runs would not show in the flow's server)."""
    from prefect.settings import PREFECT_API_URL

    if api := PREFECT_API_URL.value():
        return api
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the one instance `get_client` starts and reuses
    server.start()
    return server.api_url


@flow(name="screen")
def screen_flow(program: Literal["model_unit", "seven_day_return"], as_of: dt.date, out: str,
                region: str | None = None, parts: int = 4) -> dict:
    """Assess every business (of a region) under the programme's policy; rows to `out` (.csv/.jsonl).
    Run with `screen_flow.with_options(task_runner=dask_runner(n))` to spread the chunks over processes."""
    ranges = plan(parts, region)
    stem, suffix = out.rsplit(".", 1)
    part_files = [f"{stem}.part{i}.{suffix}" for i in range(len(ranges))]
    futures = [screen_range.submit(program, as_of, region, after, upto, part)
               for (after, upto), part in zip(ranges, part_files)]
    summary = Summary()
    for f in futures:
        summary.add(f.result())
    path = join_parts(part_files, out)
    return {"program": program, "as_of": as_of.isoformat(), "region": region, "out": path,
            "tasks": len(ranges), **summary.to_json()}
