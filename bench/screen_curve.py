"""Screening at province scale: `bench.screen.measure` at several sizes, each in a fresh child
process (so each peak RSS is that size's own), a least-squares line per measure, and from it
the time for Hubei's 7,600,000 market entities on this machine and an estimate for 16 cores.

python -m bench screen-curve [--quick]; BENCH_CURVE_SIZES=250000,500000 picks the sizes
(default 250k, 500k, 1M, 2M; --quick 10k, 20k, 40k). Not in `make bench`'s default list: the
provinces take about 17 minutes to generate and ingest here, the curve itself about 10.

What is measured and what is assumed in the 16-core estimate:
- measured: per size, the one-process flow, the flow on 2 Dask workers (cluster start-up
  included), the bare aggregation, and the screening's parts alone — the chunk reads (SQL and
  row building, no kernel), the USCC partition plan (4 and 32 ranges) and the part-file join;
- Amdahl: the parallel fraction p from the 2-worker speed-up of the fitted slopes,
  S2 = b(one process) / b(dask), p = 2 (1 - 1/S2). On this shared 2-vCPU machine the flow's own
  process, Prefect's server and other sessions compete with the two workers, so p comes out low
  (S2 < 1 under load, p then clipped to 0): a pessimistic bound at best;
- serial parts: the plan for 32 ranges (2 per worker, as `assured screen --workers 16` cuts it),
  the join and the cluster start (a 2-worker cluster's, measured; 16 workers' assumed the same)
  stay serial, the rest of the one-process time is divided by 16.
  Assumed: 16 SQLite readers of one file in the page cache scale with the cores (each task
  reads its own USCC range on its own connection); nothing here measures that.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import Figure

HUBEI = 7_600_000  # Hubei's market entities
CORES = 16
SIZES = (250_000, 500_000, 1_000_000, 2_000_000)
QUICK = (10_000, 20_000, 40_000)


def sizes(quick: bool) -> list[int]:
    if env := os.environ.get("BENCH_CURVE_SIZES"):
        return [int(s.replace("_", "")) for s in env.split(",") if s.strip()]
    return list(QUICK if quick else SIZES)


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b x: (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def one_size(businesses: int) -> dict:
    """`measure(businesses)` in a fresh interpreter; its figures as a dict."""
    from bench.province import province

    province(businesses)  # generated and ingested here, outside the child's timings and peak
    with tempfile.TemporaryDirectory(prefix="assured-curve-") as tmp:
        out = Path(tmp) / "figures.json"
        log = Path(tmp) / "child.log"
        cmd = [sys.executable, "-m", "bench.screen_curve", "--one", str(businesses), str(out)]
        with log.open("wb") as fh:  # Prefect's and Dask's logs: shown only when the child fails
            done = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            tail = log.read_text(encoding="utf-8", errors="replace").strip()[-1500:]
            raise RuntimeError(f"screen-curve at {businesses:,} failed:\n{tail}")
        return json.loads(out.read_text(encoding="utf-8"))


def run(quick: bool) -> list[Figure]:
    ms = []
    figs: list[Figure] = []
    for n in sizes(quick):
        m = one_size(n)
        ms.append(m)
        one, par, bare = m["screen_s"], m["dask_s"], m["bare_s"]
        size = f"{n:,}:"
        figs += [
            Figure(f"{size} screening, one process", one, "s"),
            Figure(f"{size} screening, dask 2 workers (start-up included)", par, "s"),
            Figure(f"{size} bare SQL aggregation of complaints", bare, "s"),
            Figure(f"{size} one process / bare", one / bare, "x", "<= 2", one / bare <= 2),
            Figure(f"{size} dask 2 workers / bare", par / bare, "x", "<= 2", par / bare <= 2),
            Figure(f"{size} one process per business", one / n * 1e6, "us"),
            Figure(f"{size} peak RSS, one-process screening", m["peak_mib"], "MiB", "<= 1024", m["peak_mib"] <= 1024),
            Figure(f"{size} chunk reads alone (SQL + rows, no kernel)", m["reads_s"], "s"),
            Figure(f"{size} chunk reads / one process", m["reads_s"] / one * 100, "%"),
            Figure(f"{size} aggregation in USCC order (screening's plan)", m["bare_uscc_s"], "s"),
            Figure(f"{size} partition plan, 4 ranges", m["plan4_s"], "s"),
            Figure(f"{size} partition plan, 32 ranges", m["plan32_s"], "s"),
            Figure(f"{size} join of the part files", m["join_s"], "s"),
            Figure(f"{size} dask rows identical to one process", int(m["same"]), "bool", "1", bool(m["same"])),
            Figure(f"{size} dask cluster start + one empty task", m["dask_start_s"], "s"),
            Figure(f"{size} load average (1 min) after the dask run", m["load"], ""),
        ]
    if len(ms) < 2:
        return figs
    xs = [float(m["businesses"]) for m in ms]

    def line(key: str) -> tuple[float, float]:
        return fit(xs, [float(m[key]) for m in ms])

    (a1, b1), (a2, b2), (ab, bb) = line("screen_s"), line("dask_s"), line("bare_s")
    am, bm = line("peak_mib")
    (ar, br), (ap4, bp4), (ap32, bp32), (aj, bj) = line("reads_s"), line("plan4_s"), line("plan32_s"), line("join_s")

    def at(a: float, b: float, n: float = HUBEI) -> float:
        return a + b * n

    one_h, par_h, bare_h = at(a1, b1), at(a2, b2), at(ab, bb)
    start = sum(m["dask_start_s"] for m in ms) / len(ms)
    s2 = b1 / b2 if b1 > 0 and b2 > 0 else 1.0
    p = min(1.0, max(0.0, 2 * (1 - 1 / s2)))
    amdahl = start + b1 * HUBEI * ((1 - p) + p / CORES)
    # serial on 16 cores: the cluster's start (measured at each size; its mean), the 32-range plan, the join
    serial = start + at(ap32, bp32) + at(aj, bj)
    parallel = one_h - at(ap4, bp4) - at(aj, bj)
    split = serial + parallel / CORES
    figs += [
        Figure("fit one process: seconds = a + b N, a", a1, "s"),
        Figure("fit one process: b", b1 * 1e6, "us/biz"),
        Figure("fit dask 2 workers: a (start-up)", a2, "s"),
        Figure("fit dask 2 workers: b", b2 * 1e6, "us/biz"),
        Figure("fit bare aggregation: a", ab, "s"),
        Figure("fit bare aggregation: b", bb * 1e6, "us/biz"),
        Figure("fit chunk reads alone: b", br * 1e6, "us/biz"),
        Figure(f"{HUBEI:,} (Hubei), this machine: one process", one_h, "s"),
        Figure(f"{HUBEI:,} (Hubei), this machine: dask 2 workers", par_h, "s"),
        Figure(f"{HUBEI:,} (Hubei), this machine: bare aggregation", bare_h, "s"),
        Figure(f"{HUBEI:,} (Hubei): one process / bare", one_h / bare_h, "x", "<= 2", one_h / bare_h <= 2),
        Figure(
            f"{HUBEI:,} (Hubei): peak RSS, one process (fitted line)", at(am, bm), "MiB", "<= 1024", at(am, bm) <= 1024
        ),
        Figure(f"{HUBEI:,} (Hubei): chunk reads alone", at(ar, br), "s"),
        Figure(f"{HUBEI:,} (Hubei): partition plan, 32 ranges", at(ap32, bp32), "s"),
        Figure("2-worker speed-up of the slopes S2", s2, "x"),
        Figure("parallel fraction p = 2 (1 - 1/S2), clipped to [0, 1] (Amdahl)", p, ""),
        Figure("dask cluster start + one empty task, mean", start, "s"),
        Figure(f"{HUBEI:,} on {CORES} cores, Amdahl from S2 (pessimistic)", amdahl, "s"),
        Figure(f"{HUBEI:,} on {CORES} cores, measured serial parts + rest / {CORES}", split, "s"),
    ]
    return figs


def _child(businesses: int, out: str) -> None:
    from bench.screen import measure

    figures = measure(businesses, sample=0, costs=True)
    Path(out).write_text(json.dumps(figures), encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        _child(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("python -m bench screen-curve [--quick]")
