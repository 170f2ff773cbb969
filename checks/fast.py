"""A check's screening part: what it decides from a business's raw rows, without Evidence.

Every check in `checks.vetoes` and `checks.scores` carries two functions side by side (one
check, several backends): the reference, which reads an `Evidence` and returns a `Result`
with its reasons, and the screening part declared here, which reads a `Business` (the raw
rows `checks.columnar.Kernel` screens a province from) and returns only the status and the
points. The tests hold the two to the same status and points, business by business.

A screening part names the `Business` fields its answer depends on: `key`, values it can be
remembered by (a field, or one count of `complaints` as `complaints.<ComplaintCounts field>`),
and `rows`, record lists that make each business its own case. A business whose `rows` are
all empty gets the answer remembered for its `key` values, so most businesses cost one
dictionary look-up per group of checks (see `Kernel`). Facts several parts derive from the
same rows (`kept_listings`, `judged_penalties`) are derived once per business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from checks.calendar import add_months, add_years
from checks.complaints import ComplaintCounts
from checks.evidence import Commitments, ShopRow, refused_within_commitment
from checks.inspections import Roles, roles
from checks.outcome import Status, pts
from checks.penalties import Judged, judge_penalty, lookback_start, penalty_kinds
from checks.policy import Params, Resolved


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
    complaints: Sequence[int]  # `ComplaintCounts` order without the ids (at least five); `NO_COUNTS`: none
    penalties: Sequence[Any] | None  # rows (uscc, *`PenaltyRow`) as the evidence filters keep them
    listings: Sequence[Any] | None  # rows (uscc, list, listed_on, removed_on, reason)
    commitments: Commitments | None  # of the application submitted on or before the as-of date
    inspection: frozenset[str] | None  # failed item ids of the latest completed inspection; None: none
    refused_returns: Sequence[Any] | None  # rows (uscc, *`ShopRow`) of mystery-shop visits
    ratings: tuple[int, int] | None  # (count, stars) over the satisfaction window; None: no rating
    derived: dict[str, Any]  # facts derived from the rows, once per business (the kernel gives each an empty dict)


FIELDS = Business._fields
ROW_FIELDS = frozenset({"penalties", "listings", "refused_returns"})
COUNTS = ComplaintCounts._fields[:8]  # the counts `Business.complaints` holds, in order
NO_COUNTS = (0,) * len(COUNTS)
# positions in `Business.complaints`
RECEIVED, NOT_ACCEPTED, RECONCILED, CLOSED_WITHIN_LIMIT, OPEN_PAST_LIMIT = (
    COUNTS.index(name) for name in ("received", "not_accepted", "reconciled", "closed_within_limit", "open_past_limit")
)
KEYS = frozenset(FIELDS[:-1]) | {f"complaints.{name}" for name in COUNTS}
# Key fields with a handful of values (a flag, an enumeration): the kernel answers the groups
# keyed on these alone by one remembered answer for all of them (a few dozen combinations).
FEW = frozenset({"code_ok", "entity_type", "status", "risk_class", "inspection"})


def key_position(name: str) -> tuple[int, int | None]:
    """(position in `Business`, position in `complaints` or None) of a key field."""
    field, _, count = name.partition(".")
    return FIELDS.index(field), (COUNTS.index(count) if count else None)


Quick = tuple[Status, float]
"""A screening part's answer: the check's status and its points (0 for a veto check)."""


Decide = Callable[[Business, Resolved], Quick]


class Fast(NamedTuple):
    """A check's screening part: `decide(business, resolved policy)` and the fields it reads.

    The contract the kernel relies on: for a business whose `rows` fields are all empty, the
    answer depends on nothing but the `key` fields (and the policy and date)."""

    decide: Decide
    key: tuple[str, ...]
    rows: tuple[str, ...]


def fast(*, key: Sequence[str] = (), rows: Sequence[str] = ()) -> Callable[[Decide], Fast]:
    """Declare a screening part reading the `key` and `rows` fields of `Business`."""
    unknown = (set(key) - KEYS) | (set(rows) - ROW_FIELDS)
    if unknown:
        raise ValueError(f"a screening part reads unknown Business fields: {sorted(unknown)}")

    def declare(decide: Decide) -> Fast:
        return Fast(decide, tuple(key), tuple(rows))

    return declare


PASSED: Quick = (Status.PASS, 0.0)
VETOED: Quick = (Status.VETO, 0.0)
MISSED: Quick = (Status.MISSING, 0.0)


def scored(points: float, top: float) -> Quick:
    """A scored item's answer: an item earning all its points passes (as `checks.scores` scores it)."""
    points = pts(points)
    return (Status.PASS if points >= float(top) else Status.FAIL), points


def _listings_since(r: Resolved) -> Any:
    return add_years(r.as_of, -r.values["compliance.abnormal_history.window_years"])


def kept_listings(b: Business, r: Resolved) -> tuple[set[str], set[str]]:
    """(lists the business is on as of the as-of date, lists it was on at any time in the
    abnormal-history window) over the listings `build_evidence` keeps: known on the as-of date
    and not removed before that window."""
    hit = b.derived.get("listings")
    if hit is None:
        as_of = r.as_of
        since = r.derived("listings since", _listings_since)
        current: set[str] = set()
        kept: set[str] = set()
        for _, name, listed_on, removed_on, _ in b.listings or ():
            if listed_on <= as_of and (removed_on is None or removed_on > since):
                kept.add(name)
                if removed_on is None or removed_on > as_of:
                    current.add(name)
        hit = b.derived["listings"] = (current, kept)
    return hit


def currently_listed(b: Business, r: Resolved) -> set[str]:
    """The lists the business is on as of the as-of date (of those `build_evidence` keeps)."""
    return kept_listings(b, r)[0]


def judged_penalties(b: Business, r: Resolved) -> list[tuple[Any, Judged]]:
    """(decided on, judgment) of each penalty `build_evidence` keeps (decided after the look-back
    start, on or before the as-of date)."""
    hit = b.derived.get("penalties")
    if hit is None:
        as_of = r.as_of
        since = r.derived("penalties since", _lookback_start)
        if b.status is None:
            natural_person = b.uscc[1:2] == "2"
        else:
            natural_person = b.entity_type in r.values["penalties.natural_person_entity_types"]
        hit = b.derived["penalties"] = [
            (
                decided,
                judge_penalty(
                    decided,
                    procedure,
                    penalty_kinds(kinds),
                    fine,
                    category,
                    repaired,
                    revoked,
                    as_of,
                    natural_person,
                    r,
                ),
            )
            for _, _, decided, procedure, kinds, fine, category, repaired, revoked in b.penalties or ()
            if since < decided <= as_of
        ]
    return hit


def checklist_roles(p: Params) -> Roles:
    """The roles of the items of the checklist in force (once per policy and date; both parts
    of a check read them)."""
    hit = p.memo.get("inspection.roles")
    if hit is None:
        hit = p.memo["inspection.roles"] = roles(p["inspection.checklist"])
    return hit


def counted_refusals(b: Business, r: Resolved) -> int:
    """How many of the business's mystery-shop visits `build_evidence` keeps as refused returns."""
    if not b.refused_returns:
        return 0
    since = r.derived("refused returns since", _refused_since)
    return sum(1 for row in b.refused_returns if refused_within_commitment(_shop(row), since, r.as_of))


def _shop(row: Any) -> ShopRow:
    return ShopRow(*row[1:])


def _refused_since(r: Resolved) -> Any:
    return add_months(r.as_of, -r.values["field.refused_return_months"])


def _lookback_start(r: Resolved) -> Any:
    return lookback_start(r.as_of, r)
