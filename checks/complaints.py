"""Complaint figures over the policy's windows (投诉处理), as counts SQL can compute set-based.

One business's complaints (12315, ODR, 315 platform) reduce to a few counts over
the complaint window `(start, as_of]` (received dates). The definitions below are the
contract: `count_complaints` is the reference, and the registry's SQL must agree with it.

- Only `kind == "complaint"` counts as a complaint; consultations (咨询) and reports
  (举报) are counted apart and never enter a rate.
- `accepted` = received minus `not_accepted` (the reconciliation-rate denominator).
- `reconciled` (和解): status reconciled, closed on or before the as-of date (or no date).
- `closed_within_limit`: accepted, closed on or before the as-of date, at most
  `complaints.closed_within.days` days after receipt.
- `open_past_limit`: accepted complaints open longer than `handling.blacklist_days`
  days — until closed, or until the as-of date when not yet closed (V6).
- `received_recent`: complaints received in `(as_of - recheck.spike_window_days, as_of]`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from checks.calendar import add_months
from checks.policy import Resolved
from checks.trusted import trusted

COMPLAINT_PARAMETERS = (
    "complaints.window_months",
    "complaints.closed_within.days",
    "handling.blacklist_days",
    "recheck.spike_window_days",
)
# Open-past-limit complaints a business's evidence cites by id (the count is always whole).
CITED_IDS = 5


class ComplaintRow(NamedTuple):
    complaint_id: str
    kind: str
    status: str
    received_on: dt.date
    closed_on: dt.date | None


class ComplaintWindow(NamedTuple):
    start: dt.date  # exclusive
    as_of: dt.date  # inclusive
    recent_start: dt.date  # exclusive
    closed_within_days: int
    open_limit_days: int


class ComplaintCounts(NamedTuple):
    """The aggregate row, in the order SQL returns it; ids of open-past-limit complaints last."""

    received: int = 0
    not_accepted: int = 0
    reconciled: int = 0
    closed_within_limit: int = 0
    open_past_limit: int = 0
    consultations: int = 0
    reports: int = 0
    received_recent: int = 0
    open_past_limit_ids: tuple[str, ...] = ()


NO_COMPLAINTS = ComplaintCounts()


def complaint_window(as_of: dt.date, p: Resolved) -> ComplaintWindow:
    return ComplaintWindow(
        start=add_months(as_of, -p["complaints.window_months"]),
        as_of=as_of,
        recent_start=as_of - dt.timedelta(days=p["recheck.spike_window_days"]),
        closed_within_days=p["complaints.closed_within.days"],
        open_limit_days=p["handling.blacklist_days"],
    )


def count_complaints(rows: Iterable[ComplaintRow], w: ComplaintWindow) -> ComplaintCounts:
    """The reference definition of every figure (see the module docstring)."""
    received = not_accepted = reconciled = closed_within = open_past = consult = reports = recent = 0
    late_ids: list[str] = []
    for r in rows:
        if not (w.start < r.received_on <= w.as_of):
            continue
        if r.kind == "consultation":
            consult += 1
            continue
        if r.kind == "report":
            reports += 1
            continue
        received += 1
        recent += r.received_on > w.recent_start
        if r.status == "not_accepted":
            not_accepted += 1
            continue
        closed_on = r.closed_on if r.closed_on is not None and r.closed_on <= w.as_of else None
        if r.status == "reconciled" and (r.closed_on is None or closed_on is not None):
            reconciled += 1
        if closed_on is not None and (closed_on - r.received_on).days <= w.closed_within_days:
            closed_within += 1
        if ((closed_on if closed_on is not None else w.as_of) - r.received_on).days > w.open_limit_days:
            open_past += 1
            late_ids.append(r.complaint_id)
    return ComplaintCounts(
        received,
        not_accepted,
        reconciled,
        closed_within,
        open_past,
        consult,
        reports,
        recent,
        tuple(sorted(late_ids)[:CITED_IDS]),
    )


class ComplaintFigures(BaseModel):
    """One business's complaint figures over `(window_start, as_of]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    window_start: dt.date
    as_of: dt.date
    received: int
    not_accepted: int
    reconciled: int
    closed_within_limit: int
    open_past_limit: int
    open_past_limit_ids: tuple[str, ...]
    consultations: int
    reports: int
    received_recent: int

    @property
    def accepted(self) -> int:
        return self.received - self.not_accepted

    @property
    def reconciliation_rate(self) -> float | None:
        """和解率 = reconciled / (received − not_accepted); None without accepted complaints."""
        return self.reconciled / self.accepted if self.accepted else None

    @property
    def ref(self) -> str:
        return _window_ref(self.window_start, self.as_of)

    @property
    def refs(self) -> tuple[str, ...]:
        return (self.ref, *(f"complaint:{cid}" for cid in self.open_past_limit_ids))


@lru_cache(maxsize=64)  # one window per as-of date, shared by a whole screening
def _window_ref(start: dt.date, as_of: dt.date) -> str:
    return f"complaints:{start}..{as_of}"


def complaint_figures(counts: ComplaintCounts, w: ComplaintWindow) -> ComplaintFigures:
    return trusted(
        ComplaintFigures,
        window_start=w.start,
        as_of=w.as_of,
        received=counts.received,
        not_accepted=counts.not_accepted,
        reconciled=counts.reconciled,
        closed_within_limit=counts.closed_within_limit,
        open_past_limit=counts.open_past_limit,
        open_past_limit_ids=tuple(counts.open_past_limit_ids),
        consultations=counts.consultations,
        reports=counts.reports,
        received_recent=counts.received_recent,
    )
