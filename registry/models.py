"""Typed ORM models. One Base with a naming convention; natural keys are unique.

Record tables carry `row_hash`, a 64-bit digest of the validated record, so a
re-ingest can tell new, changed and unchanged rows apart in one lookup.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

uscc = Annotated[str, mapped_column(String(18), index=True)]
short = Annotated[str, mapped_column(String(40))]
text = Annotated[str, mapped_column(Text)]
row_hash = Annotated[int, mapped_column(BigInteger)]
# the 64-bit digest of the JSON line a row was last written from, under the same rules
# (registry.ingest.line_hasher); NULL from CSV. A re-ingest skips a line it knows.
line_hash = Annotated[int | None, mapped_column(BigInteger)]
created_at = Annotated[dt.datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.date: Date, dt.datetime: DateTime(timezone=True), float: Float}


class Registration(Base):
    """登记信息 — one row per business, keyed by its USCC."""

    __tablename__ = "registrations"
    # Screening walks every registration in USCC order reading these columns only: a covering
    # index makes that an index-only walk instead of one table lookup per business.
    __table_args__ = (
        Index(
            "ix_registrations_screening",
            "uscc",
            "entity_type",
            "status",
            "established_on",
            "region_code",
            "industry_code",
            "odr_enrolled_on",
        ),
    )
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[text]
    entity_type: Mapped[short]
    status: Mapped[short]
    established_on: Mapped[dt.date]
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str] = mapped_column(String(8))
    address: Mapped[text]
    legal_representative: Mapped[text]
    contact_email: Mapped[text]
    odr_enrolled_on: Mapped[dt.date | None]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class Penalty(Base):
    """行政处罚决定 — keyed by decision number."""

    __tablename__ = "penalties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_no: Mapped[str] = mapped_column(String(80), unique=True)
    uscc: Mapped[uscc]
    decided_on: Mapped[dt.date]
    authority: Mapped[text]
    procedure: Mapped[short]
    kinds: Mapped[str] = mapped_column(String(200), doc="comma-separated penalty kinds, sorted")
    fine_yuan: Mapped[float]
    category: Mapped[short]
    violation: Mapped[text]
    repaired_on: Mapped[dt.date | None]
    revoked_on: Mapped[dt.date | None]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class Complaint(Base):
    """12315 / ODR / 315-platform complaints, reports and consultations."""

    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_uscc_received_on", "uscc", "received_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[str] = mapped_column(String(40), unique=True)
    uscc: Mapped[str] = mapped_column(String(18))
    kind: Mapped[short]
    channel: Mapped[short]
    received_on: Mapped[dt.date] = mapped_column(index=True)
    category: Mapped[short]
    status: Mapped[short]
    closed_on: Mapped[dt.date | None]
    amount_yuan: Mapped[float]
    recovered_yuan: Mapped[float]
    text: Mapped[text]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class CreditListing(Base):
    """经营异常名录 / 严重违法失信名单 / 投诉黑名单 entries."""

    __tablename__ = "credit_listings"
    __table_args__ = (UniqueConstraint("uscc", "list", "listed_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[uscc]
    list: Mapped[short]
    listed_on: Mapped[dt.date]
    removed_on: Mapped[dt.date | None]
    reason: Mapped[text]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class CreditClass(Base):
    """Credit-risk class A (low) to D (high), reclassified monthly."""

    __tablename__ = "credit_classes"
    # (uscc, classified_on, risk_class): the latest class of a business in one index-only lookup
    __table_args__ = (
        UniqueConstraint("uscc", "classified_on"),
        Index("ix_credit_classes_latest", "uscc", "classified_on", "risk_class"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[uscc]
    risk_class: Mapped[str] = mapped_column(String(1))
    classified_on: Mapped[dt.date]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class Inspection(Base):
    """评价验收 — an on-site acceptance of one applicant, keyed by its id; `items` is JSON text
    {item id: {"result", "note"}} with sorted keys, `photos` the files' SHA-256, comma-joined."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_uscc_program", "uscc", "program", "inspected_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[str] = mapped_column(String(80), unique=True)
    uscc: Mapped[str] = mapped_column(String(18))
    program: Mapped[short]
    inspected_on: Mapped[dt.date]
    inspector: Mapped[str] = mapped_column(String(80))
    items: Mapped[text]
    conclusion: Mapped[short]
    photos: Mapped[text]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class MysteryShop(Base):
    """暗访 — a mystery-shopping visit; `shopper` is a volunteer code, never a name."""

    __tablename__ = "mystery_shops"
    __table_args__ = (Index("ix_mystery_shops_uscc_visited_on", "uscc", "visited_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[str] = mapped_column(String(80), unique=True)
    uscc: Mapped[str] = mapped_column(String(18))
    visited_on: Mapped[dt.date]
    shopper: Mapped[short]
    scenario: Mapped[short]
    outcome: Mapped[short]
    within_commitment: Mapped[bool | None]
    note: Mapped[text]
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class Rating(Base):
    """消费者评价 — one consumer rating, 1-5 stars; `text` is masked wherever shown."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_uscc_rated_on", "uscc", "rated_on"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[str] = mapped_column(String(80), unique=True)
    uscc: Mapped[str] = mapped_column(String(18))
    rated_on: Mapped[dt.date]
    stars: Mapped[int] = mapped_column(Integer)
    channel: Mapped[short]
    text: Mapped[str | None] = mapped_column(Text)
    row_hash: Mapped[row_hash]
    line_hash: Mapped[line_hash]


class IngestRun(Base):
    """One ingest of one file or one source kind; its counts always add up."""

    __tablename__ = "ingest_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[text]
    kind: Mapped[short]
    started_at: Mapped[created_at]
    finished_at: Mapped[dt.datetime | None]
    read: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)


class QuarantinedRow(Base):
    """A row that failed validation: kept whole with where and why, never dropped."""

    __tablename__ = "quarantined_rows"
    # A re-ingest of the same file — by any path: `origin` is a file's content hash (an HTTP
    # source's address) — finds its bad rows already here and adds nothing.
    __table_args__ = (UniqueConstraint("origin", "kind", "line", "raw_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingest_runs.id"), index=True)
    source: Mapped[text]
    origin: Mapped[text]
    kind: Mapped[short]
    line: Mapped[int]
    field: Mapped[text]
    value: Mapped[text]
    reason: Mapped[text]
    raw: Mapped[text]
    raw_hash: Mapped[row_hash]


class SyncCursor(Base):
    """Where a sync of one kind from one HTTP source stopped; resumes from here."""

    __tablename__ = "sync_cursors"
    source: Mapped[str] = mapped_column(String(400), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime | None]


class UsccOverride(Base):
    """Audited list of codes accepted although they fail GB 32100 checks."""

    __tablename__ = "uscc_overrides"
    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    reason: Mapped[text]
    added_by: Mapped[text]
    added_at: Mapped[created_at]


class DocumentNumberCounter(Base):
    """发文字号: the last sequence number taken under one 机关代字 (prefix) in one year."""

    __tablename__ = "document_number_counters"
    prefix: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int]


class DocumentNumber(Base):
    """One document's 文号 (鄂市监消〔2026〕17号), taken once for its subject (the letter it
    numbers, e.g. "rejection:17") and never reused; `kind` says which document type."""

    __tablename__ = "document_numbers"
    __table_args__ = (UniqueConstraint("prefix", "year", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[short]
    prefix: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    seq: Mapped[int]
    taken_at: Mapped[created_at]


RECORD_MODELS: dict[str, type[Base]] = {
    "registrations": Registration,
    "penalties": Penalty,
    "complaints": Complaint,
    "credit_listings": CreditListing,
    "credit_classes": CreditClass,
    "inspections": Inspection,
    "mystery_shops": MysteryShop,
    "ratings": Rating,
}
