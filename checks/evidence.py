"""Evidence: everything the checks read about one business as of one date.

Built from raw records by one pure function, `build_evidence`, whichever way the
records were fetched (one business, or a chunk of a region with complaints
aggregated in SQL). Every item keeps a reference to its source record so a reason
can cite it: `registration:USCC`, `penalty:DECISION_NO`, `listing:LIST:LISTED_ON`,
`credit_class:CLASSIFIED_ON`, `complaints:START..AS_OF`, `complaint:ID`,
`application:PROGRAM:SUBMITTED_ON`, `inspection:ID`, `mystery_shop:ID`, `ratings:START..AS_OF`.
Missing data stays missing (None), never a pass.

The field records (issue 16): the latest completed on-site inspection (评价验收) of the
business for the programme on or before the as-of date; the mystery shoppers' returns refused
within the committed period (暗访) in the `field.refused_return_months` before it; the count
and star total of consumer ratings over the `bonus.satisfaction.window_months` before it.

`basis` holds the policy values the evidence was built with (windows, publicity
rules): an assessment refuses evidence built under different ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from checks.calendar import add_months, add_years
from checks.complaints import (
    COMPLAINT_PARAMETERS,
    NO_COMPLAINTS,
    ComplaintCounts,
    ComplaintFigures,
    ComplaintWindow,
    complaint_figures,
    complaint_window,
)
from checks.penalties import PENALTY_PARAMETERS, Penalty, PenaltyRow, classify_penalty, lookback_start
from checks.policy import Policy, Resolved
from checks.trusted import trusted

LISTING_PARAMETERS = ("compliance.abnormal_history.window_years",)
FIELD_PARAMETERS = ("field.refused_return_months", "bonus.satisfaction.window_months")
EVIDENCE_PARAMETERS = PENALTY_PARAMETERS + COMPLAINT_PARAMETERS + LISTING_PARAMETERS + FIELD_PARAMETERS
COMPLETED = ("pass", "fail")  # an inspection's conclusion once it is complete


class RegistrationRow(NamedTuple):
    uscc: str
    name: str
    entity_type: str
    status: str
    established_on: dt.date
    region_code: str
    industry_code: str
    odr_enrolled_on: dt.date | None


class ListingRow(NamedTuple):
    list: str
    listed_on: dt.date
    removed_on: dt.date | None
    reason: str


class ClassRow(NamedTuple):
    risk_class: str
    classified_on: dt.date


class ApplicationRow(NamedTuple):
    program: str
    channel: str
    submitted_on: dt.date
    commitments: Mapping[str, Any]


class InspectionRow(NamedTuple):
    inspection_id: str
    inspected_on: dt.date
    conclusion: str
    items: str | Mapping[str, Any]  # {item id: {"result", "note"}}, or its JSON text as stored


class ShopRow(NamedTuple):
    shop_id: str
    visited_on: dt.date
    scenario: str
    outcome: str
    within_commitment: bool | None


class RatingCounts(NamedTuple):
    """Consumer ratings over the satisfaction window: how many, and their stars added up."""

    ratings: int
    stars: int


def item_results(items: str | Mapping[str, Any]) -> dict[str, str]:
    """An inspection's `items` (JSON text as stored, or the mapping) as {item id: result}."""
    parsed = json.loads(items) if isinstance(items, str) else items
    return {item: value["result"] for item, value in parsed.items()}


def refused_within_commitment(row: ShopRow | Any, since: dt.date, as_of: dt.date) -> bool:
    """A mystery shopper's return refused within the committed period, visited after `since`
    and on or before `as_of` (a visit exactly the window's months before no longer counts, as at
    the recheck); a refusal outside the commitment or with that unknown does not count."""
    return row.outcome == "refused" and row.within_commitment is True and since < row.visited_on <= as_of


class Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Registration(Fact):
    name: str
    entity_type: str
    status: str
    established_on: dt.date
    region_code: str
    industry_code: str
    odr_enrolled_on: dt.date | None


class Listing(Fact):
    list: str
    listed_on: dt.date
    removed_on: dt.date | None
    reason: str
    current: bool

    @property
    def ref(self) -> str:
        return f"listing:{self.list}:{self.listed_on}"


class CreditClass(Fact):
    risk_class: str
    classified_on: dt.date

    @property
    def ref(self) -> str:
        return f"credit_class:{self.classified_on}"


class Commitments(Fact):
    """承诺: the applicant's commitments (docs/architecture.md, `applications.commitments`, plus bonus items)."""

    return_days: int | None = None
    return_scope: str | None = None
    displayed: bool = False
    advance_compensation: bool = False  # 先行赔付
    first_inquiry_responsibility: bool = False  # 首问负责
    service_station: bool = False  # 投诉服务站
    returns_any_branch: bool = False
    refund_within_48h: bool = False


class Application(Fact):
    program: str
    channel: str
    submitted_on: dt.date
    commitments: Commitments

    @property
    def ref(self) -> str:
        return f"application:{self.program}:{self.submitted_on}"


class InspectedItem(Fact):
    id: str
    result: str  # pass | fail | not_applicable


class Inspection(Fact):
    """评价验收: the latest completed on-site inspection and each item's result."""

    inspection_id: str
    inspected_on: dt.date
    conclusion: str
    items: tuple[InspectedItem, ...]

    @property
    def ref(self) -> str:
        return f"inspection:{self.inspection_id}"

    def result_of(self, item_id: str) -> str | None:
        for x in self.items:
            if x.id == item_id:
                return x.result
        return None


class RefusedReturn(Fact):
    """暗访: a return a mystery shopper was refused within the committed period (no shopper code)."""

    shop_id: str
    visited_on: dt.date
    scenario: str

    @property
    def ref(self) -> str:
        return f"mystery_shop:{self.shop_id}"


class Ratings(Fact):
    """消费者评价: the ratings received after `window_start`, on or before `as_of`."""

    window_start: dt.date
    as_of: dt.date
    count: int
    stars: int

    @property
    def mean(self) -> float | None:
        return self.stars / self.count if self.count else None

    @property
    def ref(self) -> str:
        return f"ratings:{self.window_start}..{self.as_of}"


class Evidence(Fact):
    uscc: str
    program: str
    as_of: dt.date
    basis: dict[str, Any]
    uscc_overridden: bool
    registration: Registration | None
    penalties: tuple[Penalty, ...]
    listings: tuple[Listing, ...]
    credit_class: CreditClass | None
    complaints: ComplaintFigures
    application: Application | None
    inspection: Inspection | None = None
    refused_returns: tuple[RefusedReturn, ...] = ()
    ratings: Ratings | None = None

    @property
    def registration_ref(self) -> str:
        return f"registration:{self.uscc}"

    def sha256(self) -> str:
        """Hash of the canonical JSON form: equal evidence, equal hash."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


class _Context(NamedTuple):
    """What every business's evidence on one date under one policy shares."""

    basis: dict[str, Any]
    window: ComplaintWindow
    penalties_since: dt.date
    listings_since: dt.date
    natural_person_types: frozenset[str]
    refused_since: dt.date
    ratings_since: dt.date


def _context(p: Resolved) -> _Context:
    return _Context(
        basis=p.subset(EVIDENCE_PARAMETERS),
        window=complaint_window(p.as_of, p),
        penalties_since=lookback_start(p.as_of, p),
        listings_since=add_years(p.as_of, -p["compliance.abnormal_history.window_years"]),
        natural_person_types=frozenset(p["penalties.natural_person_entity_types"]),
        refused_since=add_months(p.as_of, -p["field.refused_return_months"]),
        ratings_since=add_months(p.as_of, -p["bonus.satisfaction.window_months"]),
    )


def field_windows(as_of: dt.date, policy: Policy) -> tuple[dt.date, dt.date]:
    """(refused returns counted after, ratings counted after) for evidence as of `as_of`."""
    ctx: _Context = policy.at(as_of).derived(_Context, _context)
    return ctx.refused_since, ctx.ratings_since


def latest_inspection(rows: Iterable[InspectionRow | Any], as_of: dt.date) -> InspectionRow | Any | None:
    """The latest completed inspection on or before `as_of` (ties: the highest id), or None."""
    return max(
        (r for r in rows if r.inspected_on <= as_of and r.conclusion in COMPLETED),
        key=lambda r: (r.inspected_on, r.inspection_id),
        default=None,
    )


def build_evidence(
    uscc: str,
    registration: RegistrationRow | None,
    penalties: Iterable[PenaltyRow],
    complaints: ComplaintCounts | None,
    listings: Iterable[ListingRow],
    classes: Iterable[ClassRow],
    application: ApplicationRow | None,
    as_of: dt.date,
    policy: Policy,
    *,
    uscc_overrides: frozenset[str] = frozenset(),
    inspections: Iterable[InspectionRow] = (),
    mystery_shops: Iterable[ShopRow] = (),
    ratings: RatingCounts | None = None,
) -> Evidence:
    """The evidence for one business on `as_of` under `policy` (its programme is `policy.id`).

    Rows may be NamedTuples above or database rows with the same attribute names;
    rows dated after `as_of` are ignored, so a past date sees only what was known
    then. `complaints` are the counts over `complaint_window(as_of, policy)` (None:
    no complaints at all); `application` is the business's application for this
    programme, if any; `inspections` its inspections for this programme (the latest
    completed one counts), `mystery_shops` its visits, `ratings` the counts over the
    satisfaction window (None: no rating).
    """
    p = policy.at(as_of)
    ctx: _Context = p.derived(_Context, _context)
    reg = None
    natural_person = uscc[1:2] == "2"  # GB 32100 position 2 under authority 9: individual business
    if registration is not None:
        reg = trusted(
            Registration,
            name=registration.name,
            entity_type=registration.entity_type,
            status=registration.status,
            established_on=registration.established_on,
            region_code=registration.region_code,
            industry_code=registration.industry_code,
            odr_enrolled_on=registration.odr_enrolled_on,
        )
        natural_person = registration.entity_type in ctx.natural_person_types
    since = ctx.penalties_since
    pens = (
        tuple(
            classify_penalty(row, as_of, natural_person, p)
            for row in sorted(penalties, key=lambda r: (r.decided_on, r.decision_no))
            if since < row.decided_on <= as_of
        )
        if penalties
        else ()
    )
    listed_since = ctx.listings_since
    lists = (
        tuple(
            trusted(
                Listing,
                list=row.list,
                listed_on=row.listed_on,
                removed_on=row.removed_on if row.removed_on is not None and row.removed_on <= as_of else None,
                reason=row.reason,
                current=row.removed_on is None or row.removed_on > as_of,
            )
            for row in sorted(listings, key=lambda r: (r.listed_on, r.list))
            if row.listed_on <= as_of and (row.removed_on is None or row.removed_on > listed_since)
        )
        if listings
        else ()
    )
    latest = max((c for c in classes if c.classified_on <= as_of), key=lambda c: c.classified_on, default=None)
    credit = (
        None
        if latest is None
        else trusted(CreditClass, risk_class=latest.risk_class, classified_on=latest.classified_on)
    )
    app = None
    if application is not None and application.submitted_on <= as_of:
        app = trusted(
            Application,
            program=application.program,
            channel=application.channel,
            submitted_on=application.submitted_on,
            commitments=Commitments.model_validate(application.commitments),
        )
    figures = complaint_figures(complaints or NO_COMPLAINTS, ctx.window)
    inspection = None
    if inspections and (row := latest_inspection(inspections, as_of)) is not None:
        inspection = trusted(
            Inspection,
            inspection_id=row.inspection_id,
            inspected_on=row.inspected_on,
            conclusion=row.conclusion,
            items=tuple(
                trusted(InspectedItem, id=item, result=res) for item, res in sorted(item_results(row.items).items())
            ),
        )
    refused = (
        tuple(
            trusted(RefusedReturn, shop_id=v.shop_id, visited_on=v.visited_on, scenario=v.scenario)
            for v in sorted(mystery_shops, key=lambda v: (v.visited_on, v.shop_id))
            if refused_within_commitment(v, ctx.refused_since, as_of)
        )
        if mystery_shops
        else ()
    )
    rated = trusted(
        Ratings,
        window_start=ctx.ratings_since,
        as_of=as_of,
        count=ratings.ratings if ratings else 0,
        stars=ratings.stars if ratings else 0,
    )
    return trusted(
        Evidence,
        uscc=uscc,
        program=policy.id,
        as_of=as_of,
        basis=ctx.basis,
        uscc_overridden=uscc in uscc_overrides,
        registration=reg,
        penalties=pens,
        listings=lists,
        credit_class=credit,
        complaints=figures,
        application=app,
        inspection=inspection,
        refused_returns=refused,
        ratings=rated,
    )
