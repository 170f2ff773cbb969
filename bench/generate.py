"""Generation of a synthetic province: wall time, rows/s and peak memory of the generating process.

The generator runs in a child process (`assured generate`), so its peak resident memory is
that child's own `ru_maxrss` (from `os.wait4`). Its CPU time is reported beside the wall
time, since other work on a 2-core machine stretches the latter. Baseline, in the same run:
writing the same number of lines per file with a trivial writer that repeats each file's
first line — the cost of the bytes alone, without drawing or formatting anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import Figure, timed

AS_OF = "2026-06-30"


def _generate(folder: Path, businesses: int, log: Path) -> tuple[dict, float, float, float]:
    """Run the generator in a child; return its manifest, wall seconds, CPU seconds and peak RSS in MiB."""
    cmd = [
        sys.executable,
        "-m",
        "flows",
        "generate",
        "--businesses",
        str(businesses),
        "--seed",
        "1",
        "--as-of",
        AS_OF,
        "--out",
        str(folder),
        "--json",
    ]
    with log.open("w+b") as out, timed() as elapsed:
        child = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage, not all children's
        child.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"generate failed ({child.returncode}): {text.strip()[-500:]}")
    return json.loads(text), elapsed(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _fixed_template(src: Path, dst: Path, manifest: dict) -> int:
    """Write as many lines per file as the generator did, each a copy of that file's first line."""
    dst.mkdir()
    total = 0
    for info in manifest["files"].values():
        with (src / info["file"]).open(encoding="utf-8") as fh:
            line = fh.readline() or "{}\n"
        with (dst / info["file"]).open("w", encoding="utf-8", buffering=1 << 20) as fh:
            write = fh.write
            for _ in range(info["rows"]):
                write(line)
        total += info["rows"]
    return total


def run(quick: bool) -> list[Figure]:
    businesses = 50_000 if quick else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        manifest, seconds, cpu, rss = _generate(tmpdir / "province", businesses, tmpdir / "generate.log")
        size = sum(p.stat().st_size for p in (tmpdir / "province").iterdir()) / 2**20
        with timed() as base:
            lines = _fixed_template(tmpdir / "province", tmpdir / "baseline", manifest)
    rows = sum(f["rows"] for f in manifest["files"].values())
    assert rows == lines
    complaints = manifest["files"]["complaints"]["rows"]
    full = not quick
    return [
        Figure(f"businesses generated ({rows:,} rows, {complaints:,} complaints)", businesses, "businesses"),
        Figure(
            "generation wall time (child process, incl. start-up)",
            seconds,
            "s",
            "< 300 s at 1M" if full else "",
            seconds < 300 if full else None,
        ),
        Figure("generation CPU time (child user+sys)", cpu, "s"),
        Figure("generation throughput", rows / seconds, "rows/s"),
        Figure("generation peak RSS (child ru_maxrss)", rss, "MiB", "< 300 MiB", rss < 300),
        Figure("output size", size, "MiB"),
        Figure("baseline: fixed-template writer, same lines", lines / base(), "rows/s"),
        Figure("generation time / fixed-template writer time", seconds / base(), "x"),
    ]
