"""Append-only, hash-chained audit log (`assured audit verify` detects edits).

Each entry's hash is sha256(previous hash + canonical JSON of the entry), so
editing, deleting or reordering any entry breaks the chain from there on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from registry.workflow_models import AuditEntry

GENESIS = "0" * 64
AUDIT_LOCK = 0x61756469  # "audi": the advisory lock key that serialises audit appends
_HEAD = "audit_head"  # session.info: (transaction, seq, hash) of the last entry this transaction appended


@event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, _transaction) -> None:
    """A rolled-back transaction or savepoint may have taken this transaction's entries with it."""
    session.info.pop(_HEAD, None)


def _utc_naive(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at


def entry_hash(
    prev_hash: str, seq: int, at: dt.datetime, actor: str, action: str, entity: str, entity_id: str, detail: dict
) -> str:
    body = json.dumps(
        {
            "seq": seq,
            "at": _utc_naive(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: object,
    detail: dict | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction. Appends are serialised (SQLite: the write
    lock; PostgreSQL: a transaction-level advisory lock), and the unique `seq` guards the rest.

    The first entry of a transaction reads the chain's head and is flushed at once, which takes
    the lock (SQLite's write lock, PostgreSQL's advisory lock) until the transaction ends; later
    entries of the same transaction follow the head it remembers and go to the database with
    the next flush, in the order they were added. A rollback (of the transaction or of a
    savepoint) forgets the head, so the next entry reads it again."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is transaction:
        seq, prev = cached[1] + 1, cached[2]
    else:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
        last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = _utc_naive(at or dt.datetime.now(dt.UTC))
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=detail,
        prev_hash=prev,
        hash=entry_hash(prev, seq, at, actor, action, entity, str(entity_id), detail),
    )
    session.add(entry)
    if cached is None or cached[0] is not transaction:
        session.flush()  # the first of the transaction: takes the lock now
    session.info[_HEAD] = (transaction, seq, entry.hash)
    return entry


@dataclass
class ChainReport:
    entries: int
    ok: bool
    problem: str | None = None
    seq: int | None = None


def verify(session: Session) -> ChainReport:
    """Walk the chain in order; name the first entry that was edited, deleted or inserted."""
    prev, expected_seq, n = GENESIS, 1, 0
    for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        n += 1
        if e.seq != expected_seq:
            return ChainReport(n, False, f"entry {expected_seq} is missing (next present is {e.seq})", expected_seq)
        if e.prev_hash != prev:
            return ChainReport(n, False, f"entry {e.seq} does not follow entry {e.seq - 1}", e.seq)
        if entry_hash(prev, e.seq, e.at, e.actor, e.action, e.entity, e.entity_id, e.detail) != e.hash:
            return ChainReport(n, False, f"entry {e.seq} ({e.action} {e.entity} {e.entity_id}) was edited", e.seq)
        prev, expected_seq = e.hash, e.seq + 1
    return ChainReport(n, True)


def head(session: Session) -> tuple[int, str]:
    """(entry count, hash of the last entry) of the chain as it stands."""
    last = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def verify_anchored(session: Session, checkpoints: list[dict]) -> ChainReport:
    """`verify`, then each signed checkpoint (already checked for its signature) against the chain:
    fewer entries than a checkpoint counted is a truncation; another hash at a checkpointed entry
    is a chain recomputed after an edit at or before that entry."""
    report = verify(session)
    if not report.ok:
        return report
    hashes = {seq: h for seq, h in session.execute(select(AuditEntry.seq, AuditEntry.hash))}
    for cp in sorted(checkpoints, key=lambda c: c["entries"]):
        n, at = cp["entries"], cp["created"]
        if n > report.entries:
            missing = f"entries {report.entries + 1}..{n}" if n > report.entries + 1 else f"entry {n}"
            return ChainReport(report.entries, False, f"{missing} deleted: the checkpoint of {at} counted {n}", n)
        if n and hashes.get(n) != cp["head"]:
            return ChainReport(
                report.entries,
                False,
                f"entry {n} differs from the checkpoint of {at}: the chain was recomputed after an edit at or before it",
                n,
            )
    return report
