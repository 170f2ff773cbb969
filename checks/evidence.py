"""Evidence: everything the checks read about one business as of one date.

Built from raw records by one pure function, `build_evidence`, whichever way the
records were fetched (one business, or a chunk of a region with complaints
aggregated in SQL). Every item keeps a reference to its source record so a reason
can cite it: `registration:USCC`, `penalty:DECISION_NO`, `listing:LIST:LISTED_ON`,
`credit_class:CLASSIFIED_ON`, `complaints:START..AS_OF`, `complaint:ID`,
`application:PROGRAM:SUBMITTED_ON`. Missing data stays missing (None), never a pass.

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

from checks.calendar import add_years
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
EVIDENCE_PARAMETERS = PENALTY_PARAMETERS + COMPLAINT_PARAMETERS + LISTING_PARAMETERS


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


def _context(p: Resolved) -> _Context:
    return _Context(
        basis=p.subset(EVIDENCE_PARAMETERS),
        window=complaint_window(p.as_of, p),
        penalties_since=lookback_start(p.as_of, p),
        listings_since=add_years(p.as_of, -p["compliance.abnormal_history.window_years"]),
        natural_person_types=frozenset(p["penalties.natural_person_entity_types"]),
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
) -> Evidence:
    """The evidence for one business on `as_of` under `policy` (its programme is `policy.id`).

    Rows may be NamedTuples above or database rows with the same attribute names;
    rows dated after `as_of` are ignored, so a past date sees only what was known
    then. `complaints` are the counts over `complaint_window(as_of, policy)` (None:
    no complaints at all); `application` is the business's application for this
    programme, if any.
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
    )
