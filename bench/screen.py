"""Screening a generated province in SQLite, against (a) the bare SQL aggregation over the same
database and (b) one Prefect task per business on a 2,000-business sample, extrapolated.

Targets (docs/architecture.md): <= 2x (a), <= 1 GiB peak RSS, >= 50x faster than (b).
`measure` takes one size's figures; `bench/screen_curve.py` calls it once per size.
"""

from __future__ import annotations

import datetime as dt
import filecmp
import os
import shutil
import tempfile

from bench import Figure, peak_rss_mib, timed
from bench.province import AS_OF, province

SAMPLE = 2000


def measure(businesses: int, *, sample: int = SAMPLE, costs: bool = False) -> dict:
    """One size's raw figures (seconds, MiB), measured in this process: the screening flow in one
    process (its peak RSS taken right after it, so run it in a fresh process for a per-size peak),
    the bare aggregations, the flow on a local Dask cluster of 2 workers, and `sample` businesses
    as one Prefect task each (0: skipped). `costs`: also the screening's parts measured alone —
    the chunk reads without the kernel, the USCC partition plan for 4 and for 32 tasks, joining
    the part files, and a 2-worker local Dask cluster's start with one empty task."""
    _, url = province(businesses)
    tmp = tempfile.mkdtemp(prefix="assured-bench-")
    os.environ["ASSURED_DATABASE_URL"] = url
    os.environ["ASSURED_HOME"] = tmp
    from registry.settings import configure_prefect, get_settings

    get_settings.cache_clear()
    configure_prefect(get_settings())

    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE
    from prefect.task_runners import ThreadPoolTaskRunner
    from sqlalchemy import true

    from checks.assess import assess
    from checks.complaints import complaint_window
    from checks.policy import load_policy
    from flows.common import registry
    from flows.screen import dask_runner, join_parts, screen_flow
    from registry.evidence import complaint_counts_query, evidence_for, partition, screening_chunks
    from registry.models import Complaint, Registration

    as_of = dt.date.fromisoformat(AS_OF)
    policy = load_policy("model_unit")
    figures: dict = {"businesses": businesses}

    @flow
    def warm() -> int:
        return 1

    warm()  # the ephemeral server starts outside the timed parts

    with registry()() as session:  # opening upgrades the cached file's schema (once), untimed
        w = complaint_window(as_of, policy.at(as_of))
    # Every timing below starts from a warm page cache: read the file once first, or the first
    # query run would also pay for reading it from disk.
    with open(url.removeprefix("sqlite:///"), "rb") as fh:
        while fh.read(1 << 24):
            pass
    # Screening first, so that the process's peak RSS is the screening's own (the baselines
    # below hold a million rows in memory at once).
    out = os.path.join(tmp, "screen.csv")
    with timed() as screen_t:
        result = screen_flow("model_unit", as_of, out, None, 4)
    figures.update(screened=result["businesses"], tasks=result["tasks"], screen_s=screen_t(), peak_mib=peak_rss_mib())
    if costs:
        with registry()() as session:
            with timed() as reads_t:  # what the chunk tasks read, without deciding or writing
                read = sum(len(chunk.registrations) for chunk in screening_chunks(session, as_of, "model_unit"))
            assert read == result["businesses"]
            with timed() as plan4_t:
                partition(session, 4)
            with timed() as plan32_t:
                partition(session, 32)
        shutil.copyfile(out, f"{out}.part")  # the whole output as one part file (join_parts removes it)
        with timed() as join_t:
            joined = join_parts.fn([f"{out}.part"], f"{out}.joined.csv")
        os.remove(joined)
        figures.update(reads_s=reads_t(), plan4_s=plan4_t(), plan32_s=plan32_t(), join_s=join_t())
    with registry()() as session:
        with timed() as bare_t:
            rows = session.execute(complaint_counts_query(session, w, true())).all()
            codes = session.scalars(Registration.__table__.select().with_only_columns(Registration.uscc)).all()
        # The same aggregation walked in USCC order on the (uscc, received_on) index — the plan
        # screening's per-chunk counts use. Left to itself the planner picks the received_on
        # index and sorts the groups (a temporary B-tree) for the query above.
        with timed() as bare_uscc_t:
            in_order = session.execute(complaint_counts_query(session, w, Complaint.uscc.between(" ", "~"))).all()
        assert len(in_order) == len(rows)
        picked = list(codes[:: max(1, len(codes) // sample)][:sample]) if sample else []
    del rows, codes, in_order
    figures.update(bare_s=bare_t(), bare_uscc_s=bare_uscc_t())

    # the same flow with its chunk tasks on a local Dask cluster of 2 processes (both cores);
    # cluster start-up is inside the timing
    par_out = os.path.join(tmp, "screen-dask.csv")
    with timed() as par_t:
        screen_flow.with_options(task_runner=dask_runner(2))("model_unit", as_of, par_out, None, 4)
    figures.update(dask_s=par_t(), same=filecmp.cmp(out, par_out, shallow=False), load=os.getloadavg()[0])
    if costs:

        @task(cache_policy=NO_CACHE)
        def nothing() -> int:
            return 0

        @flow
        def idle() -> int:
            return nothing.submit().result()

        with timed() as start_t:  # a local cluster's start and one task: the fixed cost of Dask
            idle.with_options(task_runner=dask_runner(2))()
        figures.update(dask_start_s=start_t())
    for path in (out, par_out):  # 2M businesses write ≈ 0.2 GB each
        os.remove(path)
    if not picked:
        return figures

    @task(cache_policy=NO_CACHE)
    def one(uscc: str) -> str:
        with registry()() as session:
            return assess(evidence_for(session, uscc, as_of, "model_unit", policy), policy).verdict.value

    # Threads bounded below the registry's connection pool (15): left unbounded, Prefect runs all
    # 2,000 tasks at once and the last ones wait past the pool's 30 s checkout timeout.
    @flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
    def per_business(usccs: list[str]) -> int:
        return len([f.result() for f in one.map(usccs)])

    with timed() as per_t:
        per_business(picked)
    figures.update(sample=len(picked), per_business_s=per_t() * businesses / len(picked))
    return figures


def run(quick: bool) -> list[Figure]:
    businesses = int(os.environ.get("BENCH_SCREEN_BUSINESSES", 50_000 if quick else 1_000_000))
    m = measure(businesses)
    screen_s, bare_s, par_s, peak, same = m["screen_s"], m["bare_s"], m["dask_s"], m["peak_mib"], m["same"]
    ratio_bare = screen_s / bare_s
    ratio_par = par_s / bare_s
    speedup = m["per_business_s"] / screen_s
    return [
        Figure(f"businesses screened ({m['tasks']} chunk tasks)", m["screened"], "businesses"),
        Figure("(a) bare SQL aggregation of complaints (the planner's plan)", bare_s, "s"),
        Figure("(a') the same aggregation walked in USCC order (screening's plan)", m["bare_uscc_s"], "s"),
        Figure("screening flow, one process (rows + summary)", screen_s, "s"),
        Figure("screening per business, one process", screen_s / businesses * 1e6, "us"),
        Figure("screening / bare aggregation, one process", ratio_bare, "x", "<= 2", ratio_bare <= 2),
        Figure("screening / (a'), one process", screen_s / m["bare_uscc_s"], "x"),
        Figure("screening flow, --parallel dask 2 workers (start-up included)", par_s, "s"),
        Figure("screening / bare aggregation, dask 2 workers", ratio_par, "x", "<= 2", ratio_par <= 2),
        Figure("dask rows identical to the one-process rows", int(same), "bool", "1", same),
        Figure("peak RSS of the screening process (one-process run)", peak, "MiB", "<= 1024", peak <= 1024),
        Figure(f"(b) one Prefect task per business, {m['sample']:,} sample extrapolated", m["per_business_s"], "s"),
        Figure("speed-up over one task per business, one process", speedup, "x", ">= 50", speedup >= 50),
    ]
