"""What the public disclosures read from the registry: set-based SQL, GROUP BY in the database.

Complaints are never loaded row by row for the statistics: one GROUP BY gives the cube
(industry x city x category x month) of the period and the year before it, one gives the
per-business counts of those above a threshold; only those businesses' categories and a few
sample texts are then read, in chunks of codes. Certificates, black-list entries and risk
flags are small tables. Plain dicts and tuples out; shaping is `checks.disclosures`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from certificates.status import CertificateState
from checks.disclosures.figures import Period
from registry.models import Complaint, CreditListing, MysteryShop, Rating, Registration
from registry.workflow_models import Certificate, CertificateStatusChange, RiskFlag

CHUNK = 500


def _count(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _reconciled(as_of: dt.date):
    c = Complaint
    return and_(c.status == "reconciled", or_(c.closed_on.is_(None), c.closed_on <= as_of))


def _in_period(p: Period):
    c = Complaint
    return and_(c.kind == "complaint", c.received_on >= p.start, c.received_on <= p.end)


def complaint_cube(session: Session, p: Period) -> list[tuple]:
    """(industry_code, first 4 region digits, category, 'YYYY-MM', received, not_accepted, reconciled)
    for the complaints of the period and of the same span a year earlier, in one GROUP BY."""
    c, r = Complaint, Registration
    year, month = extract("year", c.received_on), extract("month", c.received_on)
    region4 = func.substr(r.region_code, 1, 4)
    query = (
        select(
            r.industry_code,
            region4,
            c.category,
            year,
            month,
            func.count(),
            _count(c.status == "not_accepted"),
            _count(_reconciled(p.as_of)),
        )
        .select_from(Complaint.__table__.outerjoin(Registration.__table__, r.uscc == c.uscc))
        .where(
            c.kind == "complaint",
            or_(
                and_(c.received_on >= p.start, c.received_on <= p.end),
                and_(c.received_on >= p.previous_start, c.received_on <= p.previous_end),
            ),
        )
        .group_by(r.industry_code, region4, c.category, year, month)
    )
    out = [
        (ind or "", reg or "", cat or "", f"{int(y):04d}-{int(m):02d}", int(n), int(na), int(rec))
        for ind, reg, cat, y, m, n, na, rec in session.execute(query)
    ]
    return sorted(out)


def enterprise_counts(session: Session, p: Period, min_complaints: int) -> list[dict]:
    """Per business with at least `min_complaints` complaints in the period: its counts and
    registration (name, region, industry), by USCC."""
    c, r = Complaint, Registration
    n = func.count()
    counted = (
        select(
            c.uscc.label("uscc"),
            n.label("received"),
            _count(c.status == "not_accepted").label("not_accepted"),
            _count(_reconciled(p.as_of)).label("reconciled"),
            _count(and_(c.status == "open")).label("open"),
        )
        .where(_in_period(p))
        .group_by(c.uscc)
        .having(n >= min_complaints)
        .subquery()
    )
    query = (
        select(counted, r.name, r.region_code, r.industry_code)
        .select_from(counted.outerjoin(Registration.__table__, r.uscc == counted.c.uscc))
        .order_by(counted.c.uscc)
    )
    return [
        {
            "uscc": row.uscc,
            "business_name": row.name,
            "region_code": row.region_code,
            "industry_code": row.industry_code,
            "received": int(row.received),
            "not_accepted": int(row.not_accepted),
            "reconciled": int(row.reconciled),
            "open": int(row.open),
        }
        for row in session.execute(query)
    ]


def categories_and_samples(
    session: Session, p: Period, usccs: Sequence[str], per_business: int = 3
) -> tuple[dict[str, list[tuple[str, int]]], dict[str, list[dict]]]:
    """For these businesses: complaint counts per category in the period, and their latest
    `per_business` complaint texts (raw, with the legal representative's name for masking)."""
    c, r = Complaint, Registration
    categories: dict[str, list[tuple[str, int]]] = defaultdict(list)
    samples: dict[str, list[dict]] = defaultdict(list)
    for i in range(0, len(usccs), CHUNK):
        part = list(usccs[i : i + CHUNK])
        for uscc, cat, n in session.execute(
            select(c.uscc, c.category, func.count()).where(c.uscc.in_(part), _in_period(p)).group_by(c.uscc, c.category)
        ):
            categories[uscc].append((cat or "", int(n)))
        rank = func.row_number().over(partition_by=c.uscc, order_by=(c.received_on.desc(), c.complaint_id.desc()))
        ranked = (
            select(c.uscc, c.received_on, c.category, c.text, c.complaint_id, rank.label("rank"))
            .where(c.uscc.in_(part), _in_period(p))
            .subquery()
        )
        query = (
            select(ranked.c.uscc, ranked.c.received_on, ranked.c.category, ranked.c.text, r.legal_representative)
            .select_from(ranked.outerjoin(Registration.__table__, r.uscc == ranked.c.uscc))
            .where(ranked.c.rank <= per_business)
            .order_by(ranked.c.uscc, ranked.c.rank)
        )
        for row in session.execute(query):
            samples[row.uscc].append(
                {
                    "received_on": row.received_on.isoformat(),
                    "category": row.category or "",
                    "text": row.text or "",
                    "legal_representative": row.legal_representative,
                }
            )
    return dict(categories), dict(samples)


def blacklisted(session: Session, as_of: dt.date) -> list[dict]:
    """Current complaint black-list entries (listed on or before the date, not removed by it)."""
    cl, r = CreditListing, Registration
    query = (
        select(cl.uscc, cl.listed_on, cl.reason, r.name, r.region_code, r.industry_code)
        .select_from(CreditListing.__table__.outerjoin(Registration.__table__, r.uscc == cl.uscc))
        .where(
            cl.list == "complaint_blacklist", cl.listed_on <= as_of, or_(cl.removed_on.is_(None), cl.removed_on > as_of)
        )
        .order_by(cl.uscc, cl.listed_on)
    )
    return [
        {
            "uscc": row.uscc,
            "listed_on": row.listed_on.isoformat(),
            "reason": row.reason or "",
            "business_name": row.name,
            "region_code": row.region_code,
            "industry_code": row.industry_code,
        }
        for row in session.execute(query)
    ]


def _history(session: Session, ids: Sequence[int], as_of: dt.date) -> dict[int, list[dict]]:
    s = CertificateStatusChange
    out: dict[int, list[dict]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        for row in session.execute(
            select(s.certificate_id, s.on, s.status, s.reason_code, s.note)
            .where(s.certificate_id.in_(ids[i : i + CHUNK]), s.on <= as_of)
            .order_by(s.certificate_id, s.id)
        ):
            out[row.certificate_id].append(
                {"on": row.on.isoformat(), "state": row.status, "reason": row.reason_code, "note": row.note or ""}
            )
    return out


def _certificates(session: Session, where, as_of: dt.date) -> list[dict]:
    k, r = Certificate, Registration
    rows = session.execute(
        select(
            k.id,
            k.number,
            k.number_zh,
            k.serial,
            k.status_index,
            k.program,
            k.uscc,
            k.valid_from,
            k.valid_until,
            k.data,
            r.name,
            r.region_code,
            r.industry_code,
            r.legal_representative,
        )
        .select_from(Certificate.__table__.outerjoin(Registration.__table__, r.uscc == k.uscc))
        .where(where, k.issued_on <= as_of)
        .order_by(k.id)
    ).all()
    history = _history(session, [row.id for row in rows], as_of)
    return [
        {
            "id": row.id,
            "number": row.number,
            "number_zh": row.number_zh,
            "serial": row.serial,
            "status_index": row.status_index,
            "programme": row.program,
            "uscc": row.uscc,
            "valid_from": row.valid_from.isoformat(),
            "valid_until": row.valid_until.isoformat(),
            "business_name": row.name or (row.data or {}).get("business_name"),
            "region_code": row.region_code,
            "industry_code": row.industry_code,
            "names": [row.legal_representative or ""],
            "history": history.get(row.id, []),
        }
        for row in rows
    ]


def red_list_certificates(session: Session, as_of: dt.date) -> list[dict]:
    """Certificates issued by the date, with their status history up to it: the caller derives
    the status on the date (one revoked or superseded later was still listed then)."""
    return _certificates(session, Certificate.status != "reserved", as_of)


def revoked_certificates(session: Session, as_of: dt.date) -> list[dict]:
    """Revoked certificates whose revocation is dated on or before `as_of`, with that change."""
    out = []
    for cert in _certificates(session, Certificate.status == CertificateState.revoked, as_of):
        revocations = [h for h in cert["history"] if h["state"] == CertificateState.revoked]
        if revocations:
            last = revocations[-1]
            out.append(cert | {"revoked_on": last["on"], "reason_code": last["reason"], "note": last["note"]})
    return out


def risk_flags(session: Session, as_of: dt.date, days: int = 365) -> list[dict]:
    """Each business's latest risk flag from a scan in the `days` up to `as_of`."""
    f, r = RiskFlag, Registration
    latest = (
        select(f.uscc, func.max(f.scanned_on).label("scanned_on"))
        .where(f.scanned_on <= as_of, f.scanned_on > as_of - dt.timedelta(days=days))
        .group_by(f.uscc)
        .subquery()
    )
    query = (
        select(f.uscc, f.scanned_on, f.notice, r.name, r.region_code, r.industry_code)
        .select_from(
            RiskFlag.__table__.join(
                latest, and_(latest.c.uscc == f.uscc, latest.c.scanned_on == f.scanned_on)
            ).outerjoin(Registration.__table__, r.uscc == f.uscc)
        )
        .order_by(f.uscc, f.id)
    )
    out: dict[str, dict] = {}
    for row in session.execute(query):
        notice = row.notice or {}
        out[row.uscc] = {
            "uscc": row.uscc,
            "business_name": row.name,
            "region_code": row.region_code,
            "industry_code": row.industry_code,
            "scanned_on": row.scanned_on.isoformat(),
            "complaints": int(notice.get("complaints", 0) or 0),
            "terms": list(notice.get("terms", []))[:3],
        }
    return list(out.values())


def field_figures(session: Session, usccs: Sequence[str], since: dt.date, as_of: dt.date) -> dict[str, dict]:
    """Consumer ratings (count, mean stars) and mystery-shop visits (count, returns refused within
    the committed period) of each business from `since` to `as_of`, two GROUP BYs per chunk of codes."""
    out: dict[str, dict] = {}
    codes = sorted(set(usccs))
    for i in range(0, len(codes), CHUNK):
        part = codes[i : i + CHUNK]
        ratings = select(Rating.uscc, func.count(), func.avg(Rating.stars)).where(
            Rating.uscc.in_(part), Rating.rated_on >= since, Rating.rated_on <= as_of
        )
        for uscc, n, mean in session.execute(ratings.group_by(Rating.uscc)):
            out.setdefault(uscc, {})["ratings"] = (int(n), float(mean))
        m = MysteryShop
        refused = and_(m.scenario == "return_request", m.outcome == "refused", m.within_commitment.is_(True))
        shops = select(m.uscc, func.count(), _count(refused)).where(
            m.uscc.in_(part), m.visited_on >= since, m.visited_on <= as_of
        )
        for uscc, n, bad in session.execute(shops.group_by(m.uscc)):
            out.setdefault(uscc, {})["shops"] = (int(n), int(bad))
    return out
