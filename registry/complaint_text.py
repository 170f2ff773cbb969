"""Complaint texts received in a date window, with the business's industry and region, streamed.

One Core select (complaints LEFT JOIN registrations, so a complaint about an
unregistered code still counts), read in chunks: memory stays flat however
many complaints the window holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import Engine, select

from checks.risk.scan import ComplaintText
from registry.models import Complaint, Registration


def complaint_texts(engine: Engine, start: dt.date, end: dt.date, chunk: int = 20_000) -> Iterator[list[ComplaintText]]:
    """Chunks of complaints received from `start` to `end` (both included), oldest first."""
    c, r = Complaint.__table__.c, Registration.__table__.c
    query = (
        select(c.complaint_id, c.uscc, c.received_on, c.kind, c.category, c.text, r.industry_code, r.region_code)
        .select_from(Complaint.__table__.outerjoin(Registration.__table__, r.uscc == c.uscc))
        .where(c.received_on >= start, c.received_on <= end)
        .order_by(c.received_on, c.complaint_id)
    )
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(query)
        for part in result.partitions(chunk):
            yield [ComplaintText(*row) for row in part]
