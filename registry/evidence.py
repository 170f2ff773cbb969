"""Evidence assembly: one business (`evidence_for`) or a whole region in chunks (`evidence_batch`).

Both paths feed the same pure `checks.evidence.build_evidence`. The single path
counts complaints in Python with the reference definitions
(`checks.complaints.count_complaints`); the batch path counts them in SQL, one
GROUP BY per chunk of businesses, so a province of a million businesses streams
through in bounded memory. Both must give the same Evidence — the tests hold them
to it.

Which application counts: the business's latest application to the programme
submitted on or before the as-of date (latest `submitted_on`, then highest id),
unless the caller names one.

The field records: the business's completed inspections for the programme on or before the
as-of date (`build_evidence` keeps the latest), its mystery-shop returns refused within the
commitment in the look-back (`field.refused_return_months`), and its ratings over the
satisfaction window counted in SQL (count and stars).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Date, and_, case, func, literal, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from checks.calendar import add_years
from checks.columnar import Chunk, Kernel, Screened, inspection_failures
from checks.complaints import (
    CITED_IDS,
    ComplaintCounts,
    ComplaintRow,
    ComplaintWindow,
    complaint_window,
    count_complaints,
)
from checks.evidence import (
    COMPLETED,
    ApplicationRow,
    ClassRow,
    Evidence,
    InspectionRow,
    ListingRow,
    RatingCounts,
    RegistrationRow,
    ShopRow,
    build_evidence,
    field_windows,
)
from checks.penalties import PenaltyRow, lookback_start
from checks.policy import Policy, load_policy
from registry.models import (
    Complaint,
    CreditClass,
    CreditListing,
    Inspection,
    MysteryShop,
    Penalty,
    Rating,
    Registration,
    UsccOverride,
)
from registry.workflow_models import Application

DEFAULT_CHUNK = 2000
SCREEN_CHUNK = 5000

_REGISTRATION = (
    Registration.uscc,
    Registration.name,
    Registration.entity_type,
    Registration.status,
    Registration.established_on,
    Registration.region_code,
    Registration.industry_code,
    Registration.odr_enrolled_on,
)
_PENALTY = (
    Penalty.uscc,
    Penalty.decision_no,
    Penalty.decided_on,
    Penalty.procedure,
    Penalty.kinds,
    Penalty.fine_yuan,
    Penalty.category,
    Penalty.repaired_on,
    Penalty.revoked_on,
)
_LISTING = (
    CreditListing.uscc,
    CreditListing.list,
    CreditListing.listed_on,
    CreditListing.removed_on,
    CreditListing.reason,
)
# `checks.columnar.REGISTRATION` order (no name; the latest class is added by the query)
_SCREEN_REGISTRATION = (
    Registration.uscc,
    Registration.entity_type,
    Registration.status,
    Registration.established_on,
    Registration.region_code,
    Registration.industry_code,
    Registration.odr_enrolled_on,
)
_CLASS = (CreditClass.uscc, CreditClass.risk_class, CreditClass.classified_on)
_INSPECTION = (
    Inspection.uscc,
    Inspection.inspection_id,
    Inspection.inspected_on,
    Inspection.conclusion,
    Inspection.items,
)
_SHOP = (
    MysteryShop.uscc,
    MysteryShop.shop_id,
    MysteryShop.visited_on,
    MysteryShop.scenario,
    MysteryShop.outcome,
    MysteryShop.within_commitment,
)
_APPLICATION = (
    Application.uscc,
    Application.program,
    Application.channel,
    Application.submitted_on,
    Application.commitments,
)


def _policy(program: str, policy: Policy | None) -> Policy:
    if policy is None:
        return load_policy(program)
    if policy.id != program:
        raise ValueError(f"program {program!r} does not match policy {policy.id!r} ({policy.path})")
    return policy


def _overrides(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(UsccOverride.uscc)))


# -- filters shared by both paths ---------------------------------------------------------------


def _penalty_filter(as_of: dt.date, policy: Policy) -> ColumnElement[bool]:
    return and_(Penalty.decided_on > lookback_start(as_of, policy.at(as_of)), Penalty.decided_on <= as_of)


def _listing_filter(as_of: dt.date, policy: Policy) -> ColumnElement[bool]:
    since = add_years(as_of, -policy.at(as_of)["compliance.abnormal_history.window_years"])
    return and_(
        CreditListing.listed_on <= as_of, or_(CreditListing.removed_on.is_(None), CreditListing.removed_on > since)
    )


def _window_filter(w: ComplaintWindow) -> ColumnElement[bool]:
    return and_(Complaint.received_on > w.start, Complaint.received_on <= w.as_of)


def _inspection_filter(as_of: dt.date, program: str) -> ColumnElement[bool]:
    return and_(Inspection.program == program, Inspection.inspected_on <= as_of, Inspection.conclusion.in_(COMPLETED))


def _refused_filter(as_of: dt.date, policy: Policy) -> ColumnElement[bool]:
    """The visits `checks.evidence.refused_within_commitment` counts (fetching only those)."""
    since, _ = field_windows(as_of, policy)
    return and_(
        MysteryShop.outcome == "refused",
        MysteryShop.within_commitment.is_(True),
        MysteryShop.visited_on > since,
        MysteryShop.visited_on <= as_of,
    )


def _ratings_query(as_of: dt.date, policy: Policy, which: ColumnElement[bool]):
    """(uscc, count, stars) of the ratings in the satisfaction window, per business."""
    _, since = field_windows(as_of, policy)
    return (
        select(Rating.uscc, func.count(), func.sum(Rating.stars))
        .where(which, Rating.rated_on > since, Rating.rated_on <= as_of)
        .group_by(Rating.uscc)
    )


# -- one business -------------------------------------------------------------------------------


def evidence_for(
    session: Session,
    uscc: str,
    as_of: dt.date,
    program: str,
    policy: Policy | None = None,
    *,
    application_id: int | None = None,
) -> Evidence:
    """The evidence for one business. An unknown code gives evidence without a registration
    (V1 `missing`); callers that must refuse unknown codes check the registry first."""
    policy = _policy(program, policy)
    w = complaint_window(as_of, policy.at(as_of))
    conn = session.connection()  # Core rows: no ORM bookkeeping per query
    reg = conn.execute(select(*_REGISTRATION).where(Registration.uscc == uscc)).one_or_none()
    penalties = conn.execute(select(*_PENALTY[1:]).where(Penalty.uscc == uscc, _penalty_filter(as_of, policy))).all()
    listings = conn.execute(
        select(*_LISTING[1:]).where(CreditListing.uscc == uscc, _listing_filter(as_of, policy))
    ).all()
    classes = conn.execute(
        select(*_CLASS[1:]).where(CreditClass.uscc == uscc, CreditClass.classified_on <= as_of)
    ).all()
    complaints = conn.execute(
        select(
            Complaint.complaint_id, Complaint.kind, Complaint.status, Complaint.received_on, Complaint.closed_on
        ).where(Complaint.uscc == uscc, _window_filter(w))
    ).all()
    app_query = select(*_APPLICATION[1:]).where(Application.uscc == uscc, Application.program == program)
    if application_id is not None:
        app_query = app_query.where(Application.id == application_id)
    else:
        app_query = app_query.where(Application.submitted_on <= as_of)
    app = conn.execute(app_query.order_by(Application.submitted_on.desc(), Application.id.desc()).limit(1)).first()
    overridden = conn.execute(select(UsccOverride.uscc).where(UsccOverride.uscc == uscc)).first() is not None
    inspections = conn.execute(
        select(*_INSPECTION[1:]).where(Inspection.uscc == uscc, _inspection_filter(as_of, program))
    ).all()
    shops = conn.execute(select(*_SHOP[1:]).where(MysteryShop.uscc == uscc, _refused_filter(as_of, policy))).all()
    rated = conn.execute(_ratings_query(as_of, policy, Rating.uscc == uscc)).first()
    # SQLAlchemy's rows of the NamedTuples' columns, in their order: read the same way
    return build_evidence(
        uscc,
        cast(RegistrationRow | None, reg),
        cast(Sequence[PenaltyRow], penalties),
        count_complaints((ComplaintRow(*r) for r in complaints), w) if complaints else None,
        cast(Sequence[ListingRow], listings),
        cast(Sequence[ClassRow], classes),
        cast(ApplicationRow | None, app),
        as_of,
        policy,
        uscc_overrides=frozenset({uscc}) if overridden else frozenset(),
        inspections=cast(Sequence[InspectionRow], inspections),
        mystery_shops=cast(Sequence[ShopRow], shops),
        ratings=None if rated is None else RatingCounts(rated[1], rated[2]),
    )


# -- a region in chunks -------------------------------------------------------------------------


def _days(
    session: Session,
    later: ColumnElement[Any] | InstrumentedAttribute[Any],
    earlier: ColumnElement[Any] | InstrumentedAttribute[Any],
) -> ColumnElement[Any]:
    """Whole days from `earlier` to `later` (SQLite keeps dates as ISO text)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier


def _left_open(session: Session, w: ComplaintWindow) -> ColumnElement[bool]:
    """An accepted complaint open longer than the limit: until closed, or until the as-of date."""
    c = Complaint
    closed = and_(c.closed_on.is_not(None), c.closed_on <= w.as_of)
    open_until = case((closed, c.closed_on), else_=literal(w.as_of, Date))
    return and_(
        c.kind == "complaint", c.status != "not_accepted", _days(session, open_until, c.received_on) > w.open_limit_days
    )


def _in_chunk(
    column: ColumnElement[str] | InstrumentedAttribute[str], usccs: Sequence[str], contiguous: bool
) -> ColumnElement[bool]:
    """Rows of the chunk's businesses. A contiguous chunk (every registered code between its
    first and last) is a range scan with two parameters instead of thousands; rows of codes
    in the range without a registration are fetched and ignored."""
    return column.between(usccs[0], usccs[-1]) if contiguous else column.in_(usccs)


def complaint_counts_query(session: Session, w: ComplaintWindow, which: ColumnElement[bool]):
    """One row per business with complaints in the window (among those `which` selects): uscc,
    then `ComplaintCounts`' counts in order, by the definitions of `checks.complaints`
    (GROUP BY with CASE sums)."""
    c = Complaint
    is_complaint = c.kind == "complaint"
    closed = and_(c.closed_on.is_not(None), c.closed_on <= w.as_of)

    def count(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((cond, 1), else_=0))

    return (
        select(
            c.uscc,
            count(is_complaint),
            count(and_(is_complaint, c.status == "not_accepted")),
            count(and_(is_complaint, c.status == "reconciled", or_(c.closed_on.is_(None), closed))),
            count(
                and_(
                    is_complaint,
                    c.status != "not_accepted",
                    closed,
                    _days(session, c.closed_on, c.received_on) <= w.closed_within_days,
                )
            ),
            count(_left_open(session, w)),
            count(c.kind == "consultation"),
            count(c.kind == "report"),
            count(and_(is_complaint, c.received_on > w.recent_start)),
        )
        .where(which, _window_filter(w))
        .group_by(c.uscc)
    )


def evidence_batch(
    session: Session,
    as_of: dt.date,
    program: str,
    policy: Policy | None = None,
    *,
    region_prefix: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    after: str | None = None,
    upto: str | None = None,
    usccs: Sequence[str] | None = None,
    applications: Mapping[str, int] | None = None,
    _only: Sequence[str] | None = None,
) -> Iterator[Evidence]:
    """Evidence for every registered business (of a region, or in the USCC range `(after, upto]`,
    or of the given `usccs` only), in USCC order, streaming chunk by chunk: per chunk one query
    per record kind, complaints aggregated in SQL. Memory stays bounded by the chunk size.

    With `applications` (uscc -> application id, with `usccs`), each business's evidence carries
    that application, as `evidence_for(..., application_id=...)` does, instead of its latest."""
    if usccs is not None:
        wanted = sorted(set(usccs))
        for i in range(0, len(wanted), chunk_size):
            part = wanted[i : i + chunk_size]
            yield from evidence_batch(
                session,
                as_of,
                program,
                policy,
                region_prefix=region_prefix,
                chunk_size=chunk_size,
                applications=applications,
                _only=part,
            )
        return
    policy = _policy(program, policy)
    p = policy.at(as_of)
    w = complaint_window(as_of, p)
    overrides = _overrides(session)
    conn = session.connection()
    filters = _penalty_filter(as_of, policy), _listing_filter(as_of, policy)
    contiguous = not region_prefix and _only is None
    # Only the latest class on or before the as-of date matters: fetch just that one.
    older = aliased(CreditClass)
    latest_class = (
        select(func.max(older.classified_on))
        .where(older.uscc == CreditClass.uscc, older.classified_on <= as_of)
        .scalar_subquery()
    )
    last = after
    while True:
        regs = conn.execute(_page(_REGISTRATION, chunk_size, last, upto, region_prefix, _only)).all()
        if not regs:
            return
        usccs = [r.uscc for r in regs]
        last = usccs[-1]
        counts = {
            r[0]: r[1:]
            for r in conn.execute(complaint_counts_query(session, w, _in_chunk(Complaint.uscc, usccs, contiguous)))
        }
        late_ids: dict[str, list[str]] = defaultdict(list)
        if late_usccs := [u for u, v in counts.items() if v[4]]:
            for uscc, cid in conn.execute(
                select(Complaint.uscc, Complaint.complaint_id).where(
                    Complaint.uscc.in_(late_usccs), _window_filter(w), _left_open(session, w)
                )
            ):
                late_ids[uscc].append(cid)
        penalties, listings, apps = _chunk_records(conn, usccs, contiguous, filters, program, as_of)
        if applications is not None:
            apps = _pinned_applications(conn, [applications[u] for u in usccs if u in applications])
        inspections, shops, rated = _field_records(conn, usccs, contiguous, program, as_of, policy)
        classes = _group(
            conn.execute(
                select(*_CLASS).where(
                    _in_chunk(CreditClass.uscc, usccs, contiguous), CreditClass.classified_on == latest_class
                )
            )
        )
        for reg in regs:
            u = reg.uscc
            got = counts.get(u)
            if got is not None:
                got = ComplaintCounts._make((*got, tuple(sorted(late_ids[u])[:CITED_IDS]) if got[4] else ()))
            yield build_evidence(
                u,
                cast(RegistrationRow, reg),  # a row of `_REGISTRATION`, the NamedTuple's columns
                penalties.get(u, ()),
                got,
                listings.get(u, ()),
                classes.get(u, ()),
                apps.get(u),
                as_of,
                policy,
                uscc_overrides=overrides,
                inspections=[InspectionRow(*r[1:]) for r in inspections.get(u, ())],
                mystery_shops=[ShopRow(*r[1:]) for r in shops.get(u, ())],
                ratings=rated.get(u),
            )


def screening_batch(
    session: Session,
    as_of: dt.date,
    program: str,
    policy: Policy | None = None,
    *,
    region_prefix: str | None = None,
    chunk_size: int = SCREEN_CHUNK,
    after: str | None = None,
    upto: str | None = None,
) -> Iterator[list[Screened]]:
    """What `assess(evidence)` decides for every business `evidence_batch` would yield — verdict,
    score, bonus, vetoing / failing / missing check ids — in USCC order, a chunk at a time:
    `checks.columnar.Kernel` on `screening_chunks`. The tests hold it to `assess(evidence_for(...))`."""
    policy = _policy(program, policy)
    kernel = Kernel(policy, as_of)
    for chunk in screening_chunks(
        session, as_of, program, policy, region_prefix=region_prefix, chunk_size=chunk_size, after=after, upto=upto
    ):
        yield kernel.screen(chunk)


def screening_chunks(
    session: Session,
    as_of: dt.date,
    program: str,
    policy: Policy | None = None,
    *,
    region_prefix: str | None = None,
    chunk_size: int = SCREEN_CHUNK,
    after: str | None = None,
    upto: str | None = None,
) -> Iterator[Chunk]:
    """The raw rows `checks.columnar.Kernel` decides from, for every business `evidence_batch`
    would yield, in USCC order, a chunk at a time.

    The same records under the same filters as `evidence_batch`, fetched leaner: one row per
    business carries its registration and its latest credit class (a correlated lookup on the
    `(uscc, classified_on)` key), complaints are counted in SQL, and the few penalties,
    listings and applications come per chunk."""
    policy = _policy(program, policy)
    p = policy.at(as_of)
    w = complaint_window(as_of, p)
    overrides = _overrides(session)
    conn = session.connection()
    filters = _penalty_filter(as_of, policy), _listing_filter(as_of, policy)
    contiguous = not region_prefix
    latest_class = (
        select(CreditClass.risk_class)
        .where(CreditClass.uscc == Registration.uscc, CreditClass.classified_on <= as_of)
        .order_by(CreditClass.classified_on.desc())
        .limit(1)
        .scalar_subquery()
    )
    last = after
    while True:
        regs = _registration_rows(
            conn, _page((*_SCREEN_REGISTRATION, latest_class), chunk_size, last, upto, region_prefix)
        )
        if not regs:
            return
        usccs = [r[0] for r in regs]
        last = usccs[-1]
        counts = {
            r[0]: r[1:]
            for r in conn.execute(
                complaint_counts_query(session, w, _in_chunk(Complaint.uscc, usccs, contiguous))
            ).all()
        }
        penalties, listings, apps = _chunk_records(conn, usccs, contiguous, filters, program, as_of)
        inspections, shops, rated = _field_records(conn, usccs, contiguous, program, as_of, policy)
        failures = {
            u: failed for u, rows in inspections.items() if (failed := inspection_failures(rows, as_of)) is not None
        }
        yield Chunk(regs, counts, penalties, listings, apps, overrides, failures, shops, rated)


def _registration_rows(conn, query) -> list[tuple]:
    """`screening_chunks`' registration rows, in `checks.columnar.REGISTRATION` order, read from
    the driver's cursor: SQLAlchemy binds the parameters, but its per-row result processing
    (a Row and a date conversion per value) is skipped — this query returns a row per business.
    The two date columns are converted here (SQLite gives ISO text)."""
    result = conn.execute(query)
    try:
        raw = result.cursor.fetchall()
    finally:
        result.close()
    day = dt.date.fromisoformat
    return [
        (
            u,
            entity,
            status,
            day(established) if established.__class__ is str else established,
            region,
            industry,
            day(odr) if odr.__class__ is str else odr,
            risk,
        )
        for u, entity, status, established, region, industry, odr, risk in raw
    ]


def _page(
    columns,
    chunk_size: int,
    last: str | None,
    upto: str | None,
    region_prefix: str | None,
    only: Sequence[str] | None = None,
):
    """The next page of registrations in USCC order: after `last`, up to `upto`, of a region or of
    the given codes only."""
    query = select(*columns).order_by(Registration.uscc).limit(chunk_size)
    if last is not None:
        query = query.where(Registration.uscc > last)
    if upto is not None:
        query = query.where(Registration.uscc <= upto)
    if region_prefix:
        query = query.where(Registration.region_code.startswith(region_prefix))
    if only is not None:
        query = query.where(Registration.uscc.in_(only))
    return query


def _chunk_records(
    conn, usccs: Sequence[str], contiguous: bool, filters: tuple, program: str, as_of: dt.date
) -> tuple[dict, dict, dict]:
    """A chunk's penalties and listings by business (under the policy's filters) and each
    business's latest application to the programme on or before the as-of date."""
    penalty_filter, listing_filter = filters
    penalties = _group(
        conn.execute(select(*_PENALTY).where(_in_chunk(Penalty.uscc, usccs, contiguous), penalty_filter))
    )
    listings = _group(
        conn.execute(select(*_LISTING).where(_in_chunk(CreditListing.uscc, usccs, contiguous), listing_filter))
    )
    apps = {}
    for row in conn.execute(
        select(*_APPLICATION)
        .where(
            _in_chunk(Application.uscc, usccs, contiguous),
            Application.program == program,
            Application.submitted_on <= as_of,
        )
        .order_by(Application.uscc, Application.submitted_on, Application.id)
    ).all():
        apps[row.uscc] = row  # the latest one wins
    return penalties, listings, apps


def _pinned_applications(conn, ids: Sequence[int]) -> dict:
    """The rows of the given applications by business (whatever their dates)."""
    if not ids:
        return {}
    return {row.uscc: row for row in conn.execute(select(*_APPLICATION).where(Application.id.in_(ids)))}


def _field_records(
    conn, usccs: Sequence[str], contiguous: bool, program: str, as_of: dt.date, policy: Policy
) -> tuple[dict, dict, dict]:
    """A chunk's completed inspections for the programme and its refused mystery-shop returns
    (rows with the uscc first, by business), and its rating counts by business."""
    inspections = _group(
        conn.execute(
            select(*_INSPECTION).where(
                _in_chunk(Inspection.uscc, usccs, contiguous), _inspection_filter(as_of, program)
            )
        )
    )
    shops = _group(
        conn.execute(
            select(*_SHOP).where(_in_chunk(MysteryShop.uscc, usccs, contiguous), _refused_filter(as_of, policy))
        )
    )
    rated = {
        u: RatingCounts(n, stars)
        for u, n, stars in conn.execute(_ratings_query(as_of, policy, _in_chunk(Rating.uscc, usccs, contiguous)))
    }
    return inspections, shops, rated


def _group(result) -> dict[str, list[Any]]:
    """A result's rows by their first column (the uscc)."""
    out: dict[str, list[Any]] = defaultdict(list)
    for row in result.all():
        out[row[0]].append(row)
    return out


def partition(session: Session, parts: int, region_prefix: str | None = None) -> list[tuple[str | None, str | None]]:
    """Split the businesses (of a region) into about `parts` USCC ranges `(after, upto]` of
    similar size, for `evidence_batch(after=, upto=)` — one range per screening task."""
    query = select(func.count()).select_from(Registration)
    if region_prefix:
        query = query.where(Registration.region_code.startswith(region_prefix))
    total = session.scalar(query) or 0
    if total == 0 or parts <= 1:
        return [(None, None)]
    bounds: list[str | None] = [None]
    codes = select(Registration.uscc).order_by(Registration.uscc)
    if region_prefix:
        codes = codes.where(Registration.region_code.startswith(region_prefix))
    for k in range(1, parts):
        size = k * total // parts  # businesses in the first k ranges
        if size == 0:
            continue
        cut = session.scalar(codes.offset(size - 1).limit(1))
        if cut != bounds[-1]:
            bounds.append(cut)
    bounds.append(None)
    return list(zip(bounds, bounds[1:]))
