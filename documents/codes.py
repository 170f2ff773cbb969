"""Code tables for what the public reads: a GB/T 2260 region code as its name (420114 → 武汉市蔡甸区),
from the table shipped in `documents/data/` (its source and licence in the README there). A code
the table lacks prints as the code itself, never as a guessed name."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")


@cache
def _regions() -> dict[str, str]:
    with (DATA / "gbt2260_hubei.csv").open(encoding="utf-8", newline="") as f:
        return {row["code"]: row["full_name"] for row in csv.DictReader(f)}


def region_name(code: str | None) -> str:
    """武汉市蔡甸区 for 420114; the code itself when the table does not hold it; "" for none."""
    if not code:
        return ""
    return _regions().get(code, code)
