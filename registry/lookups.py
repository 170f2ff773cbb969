"""Public lookups counted per certificate and day — the number and a count, nothing about who
asked — and the certificates looked up unusually often, for the supervisors' dashboard.

"Unusually often": over the last `days` days, at least `min_count` lookups and at least
`factor` times the median count of the certificates looked up at all (0 when it is the only
one). A QR code copied onto other goods, or a forged certificate going round, shows as one
number checked far more than the rest.
"""

from __future__ import annotations

import datetime as dt
import statistics

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from registry.ingest import insert_ignoring_duplicates
from registry.workflow_models import VerificationLookup


def count_lookup(session: Session, number: str, day: dt.date) -> None:
    """One more public lookup of certificate `number` on `day`."""
    insert_ignoring_duplicates(
        session.connection(), VerificationLookup.__table__, [{"number": number, "day": day, "count": 0}]
    )
    session.execute(
        update(VerificationLookup)
        .where(VerificationLookup.number == number, VerificationLookup.day == day)
        .values(count=VerificationLookup.count + 1)
    )


def frequent_lookups(
    session: Session, today: dt.date, days: int = 7, factor: float = 5.0, min_count: int = 20
) -> list[dict]:
    """Certificates looked up unusually often in the `days` days up to `today`, most looked up first."""
    since = today - dt.timedelta(days=days - 1)
    totals = session.execute(
        select(VerificationLookup.number, func.sum(VerificationLookup.count))
        .where(VerificationLookup.day >= since, VerificationLookup.day <= today)
        .group_by(VerificationLookup.number)
    ).all()
    if not totals:
        return []
    median = statistics.median(int(n) for _, n in totals) if len(totals) > 1 else 0  # alone: no baseline
    return sorted(
        (
            {"number": number, "lookups": int(n), "median": median}
            for number, n in totals
            if n >= min_count and n >= factor * median
        ),
        key=lambda r: (-r["lookups"], r["number"]),
    )
