"""A check's screening part: what it decides from a business's raw rows, without Evidence.

Every check in `checks.vetoes` and `checks.scores` carries two functions side by side (one
check, several backends): the reference, which reads an `Evidence` and returns a `Result`
with its reasons, and the screening part declared here, which reads a `Business` (the raw
rows `checks.columnar.Kernel` screens a province from) and returns only the status and the
points. The tests hold the two to the same status and points, business by business.

A screening part names the `Business` fields its answer depends on: `key`, values it can be
remembered by, and `rows`, record lists that make each business its own case. A business
whose `rows` are all empty gets the answer remembered for its `key` values, so most
businesses cost one dictionary look-up per group of checks (see `Kernel`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from checks.calendar import add_years
from checks.complaints import ComplaintCounts
from checks.evidence import Commitments
from checks.outcome import Status, pts
from checks.penalties import Judged, judge_penalty, lookback_start, penalty_kinds
from checks.policy import Resolved


class Business(NamedTuple):
    """One business as screening reads it: its registration row (`checks.columnar.REGISTRATION`
    order; all None but `uscc` and `risk_class` without a registration) followed by its records."""

    uscc: str
    entity_type: str | None
    status: str | None  # None: no registration on file
    established_on: Any
    region_code: str | None
    industry_code: str | None
    odr_enrolled_on: Any
    risk_class: str | None  # of the latest credit class on or before the as-of date; None: none
    code_ok: bool  # the code passes GB 32100 or is on the audited override list
    complaints: Sequence[int] | None  # `ComplaintCounts` order without the ids (at least five), None: none
    penalties: Sequence[Any] | None  # rows (uscc, *`PenaltyRow`) as the evidence filters keep them
    listings: Sequence[Any] | None  # rows (uscc, list, listed_on, removed_on, reason)
    commitments: Commitments | None  # of the application submitted on or before the as-of date


FIELDS = Business._fields
ROW_FIELDS = frozenset({"penalties", "listings"})


Quick = tuple[Status, float]
"""A screening part's answer: the check's status and its points (0 for a veto check)."""


class Fast(NamedTuple):
    """A check's screening part: `decide(business, resolved policy)` and the fields it reads."""

    decide: Callable[[Business, Resolved], Quick]
    key: tuple[str, ...]
    rows: tuple[str, ...]


def fast(*, key: Sequence[str] = (), rows: Sequence[str] = ()) -> Callable[[Callable[[Business, Resolved], Quick]], Fast]:
    """Declare a screening part reading the `key` and `rows` fields of `Business`."""
    unknown = (set(key) - set(FIELDS)) | (set(rows) - ROW_FIELDS)
    if unknown:
        raise ValueError(f"a screening part reads unknown Business fields: {sorted(unknown)}")

    def declare(decide: Callable[[Business, Resolved], Quick]) -> Fast:
        return Fast(decide, tuple(key), tuple(rows))

    return declare


PASSED: Quick = (Status.PASS, 0.0)
VETOED: Quick = (Status.VETO, 0.0)
MISSED: Quick = (Status.MISSING, 0.0)


def scored(points: float, top: float) -> Quick:
    """A scored item's answer: an item earning all its points passes (as `checks.scores` scores it)."""
    points = pts(points)
    return (Status.PASS if points >= float(top) else Status.FAIL), points


def complaint_counts(b: Business) -> ComplaintCounts:
    """The business's complaint counts by name (all zero without complaints)."""
    return ComplaintCounts() if b.complaints is None else ComplaintCounts(*b.complaints[:8])


def kept_listings(b: Business, r: Resolved) -> list[tuple[str, bool]]:
    """(list, current on the as-of date) of each listing `build_evidence` keeps: known on the
    as-of date and not removed before the abnormal-history window."""
    as_of = r.as_of
    since = add_years(as_of, -r["compliance.abnormal_history.window_years"])
    return [(name, removed_on is None or removed_on > as_of)
            for _, name, listed_on, removed_on, _ in b.listings or ()
            if listed_on <= as_of and (removed_on is None or removed_on > since)]


def currently_listed(b: Business, r: Resolved, name: str) -> bool:
    return any(current and listed == name for listed, current in kept_listings(b, r))


def judged_penalties(b: Business, r: Resolved) -> list[tuple[Any, Judged]]:
    """(decided on, judgment) of each penalty `build_evidence` keeps (decided after the look-back
    start, on or before the as-of date)."""
    as_of = r.as_of
    since = lookback_start(as_of, r)
    if b.status is None:
        natural_person = b.uscc[1:2] == "2"
    else:
        natural_person = b.entity_type in r["penalties.natural_person_entity_types"]
    return [(decided, judge_penalty(decided, procedure, penalty_kinds(kinds), fine, category, repaired, revoked,
                                    as_of, natural_person, r))
            for _, _, decided, procedure, kinds, fine, category, repaired, revoked in b.penalties or ()
            if since < decided <= as_of]
