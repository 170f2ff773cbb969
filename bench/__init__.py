"""Benchmarks. `make bench` (python -m bench [NAME ...] [--quick]) runs them and prints ratios.

Each module `bench/<name>.py` has `run(quick: bool) -> list[Figure]`; a Figure is one
measured line. Ratios are always taken against a baseline measured in the same run.
"""

from __future__ import annotations

import dataclasses
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.prefect_server import prefect_server  # noqa: F401  (the benches' own server)


@dataclasses.dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    def line(self) -> str:
        verdict = {True: "meets target", False: "MISSES target", None: ""}[self.ok]
        target = f"(target {self.target})" if self.target else ""
        return f"{self.name:<58} {self.value:>14,.2f} {self.unit:<10} {target} {verdict}".rstrip()


@contextmanager
def timed() -> Iterator[Callable[[], float]]:
    """`with timed() as elapsed:` … `elapsed()` gives seconds (final once the block ends)."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def peak_rss_mib(children: bool = False) -> float:
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def run_cli_json(home: Path, url: str, args: list[str], log: Path, api: str | None = None) -> tuple[dict, float, float]:
    """`python -m flows ARGS` (ending in --json) in a child process with its own home and database,
    reporting to the Prefect server at `api` (`prefect_server`) or, without one, to a temporary one it
    starts itself (start-up included): (parsed output, wall seconds, child peak RSS MiB)."""
    import json

    env = dict(os.environ, ASSURED_HOME=str(home), ASSURED_DATABASE_URL=url)
    for key in [k for k in env if k.startswith("PREFECT_")]:
        del env[key]
    if api:
        env["PREFECT_API_URL"] = api
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "600"  # a fresh Prefect home migrates first
    errors = log.with_suffix(".err")
    with log.open("w+b") as fh, errors.open("w+b") as err_fh, timed() as elapsed:
        child = subprocess.Popen([sys.executable, "-m", "flows", *args], stdout=fh, stderr=err_fh, env=env)
        _, status, usage = os.wait4(child.pid, 0)  # files, not pipes: a full pipe would stall it
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{args[0]} failed: {errors.read_text(encoding='utf-8', errors='replace').strip()[-800:]}")
    return json.loads(log.read_text(encoding="utf-8")), elapsed(), usage.ru_maxrss / 1024
