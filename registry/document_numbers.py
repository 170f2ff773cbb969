"""发文字号: the document number a letter or notice carries, 鄂市监消〔2026〕17号 (GB/T 9704-2012,
7.2.4: 机关代字, the year in 〔〕, the sequence number without leading zeros, 号).

One sequence per prefix and year, restarting at 1 each year. A number is taken inside the
transaction that records its document: the counter row is incremented there, so a transaction
that rolls back (the letter was not recorded) gives its number back and the sequence has no gap;
a committed number is never given again. On PostgreSQL the counter's row lock makes concurrent
takers wait for each other, each then gets the next number (the lock is held until the taker
commits: numbering serialises letter-writing transactions of one prefix, which a bureau's volume
allows). The same subject (the document it numbers) always gets the same number, so a re-run after
a crash writes the same letter again.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from registry.models import DocumentNumber, DocumentNumberCounter


def document_number_text(prefix: str, year: int, seq: int) -> str:
    """鄂市监消〔2026〕17号."""
    return f"{prefix}〔{year}〕{seq}号"


def take_number(session: Session, subject: str, kind: str, prefix: str, year: int) -> str:
    """The document number of `subject` (e.g. "rejection:17"): the one it already has, or the
    next of `prefix` in `year`, recorded in the caller's transaction."""
    if not prefix.strip():
        raise ValueError(f"document number prefix {prefix!r}: expected the 机关代字, e.g. 鄂市监消")
    found = session.scalar(select(DocumentNumber).where(DocumentNumber.subject == subject))
    if found is not None:
        return document_number_text(found.prefix, found.year, found.seq)
    conn = session.connection()
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(DocumentNumberCounter).values(prefix=prefix, year=year, last=0).on_conflict_do_nothing())
    seq = conn.execute(
        update(DocumentNumberCounter)
        .where(DocumentNumberCounter.prefix == prefix, DocumentNumberCounter.year == year)
        .values(last=DocumentNumberCounter.last + 1)
        .returning(DocumentNumberCounter.last)
    ).scalar_one()
    session.add(DocumentNumber(subject=subject, kind=kind, prefix=prefix, year=year, seq=seq))
    session.flush()
    return document_number_text(prefix, year, seq)
