"""Benchmarks. `make bench` (python -m bench [NAME ...] [--quick]) runs them and prints ratios.

Each module `bench/<name>.py` has `run(quick: bool) -> list[Figure]`; a Figure is one
measured line. Ratios are always taken against a baseline measured in the same run.
"""
from __future__ import annotations

import dataclasses
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


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
