"""Crash drills: `ASSURED_FAILPOINTS=issue.after_reserve,…` ends the process abruptly (as a
kill would) when execution reaches a named point. Unset in normal operation."""

from __future__ import annotations

import os


def hit(name: str) -> None:
    points = os.environ.get("ASSURED_FAILPOINTS")
    if points and name in points.split(","):
        os._exit(137)
