"""Crash drills: `ASSURED_FAILPOINTS=issue.after_reserve,…` ends the process abruptly (as a
kill would) when execution reaches a named point; a point written `name:raise` raises
`FailpointError` there instead (a failure the process survives, such as a flow run that
fails). Unset in normal operation."""

from __future__ import annotations

import os

from checks.errors import AssuredError, Kind


class FailpointError(AssuredError):
    """Raised at a point named `name:raise` in ASSURED_FAILPOINTS: a drill's stand-in for an
    outside part that failed."""

    kind = Kind.unavailable


def hit(name: str) -> None:
    points = os.environ.get("ASSURED_FAILPOINTS")
    if not points:
        return
    named = points.split(",")
    if name in named:
        os._exit(137)
    if f"{name}:raise" in named:
        raise FailpointError(f"failpoint {name}")
