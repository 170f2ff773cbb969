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
from sqlalchemy.orm import Session, SessionTransaction

from registry.workflow_models import AuditEntry

GENESIS = "0" * 64
AUDIT_LOCK = 0x61756469  # "audi": the advisory lock key that serialises audit appends
_PENDING = "audit_pending"  # session.info: [(transaction, entry)] recorded, appended at commit


def _innermost(session: Session) -> SessionTransaction:
    """The transaction an entry is recorded in (begun now if none is: its end must be seen)."""
    if not session.in_transaction():
        session.connection()
    found = session.get_nested_transaction() or session.get_transaction()
    assert found is not None  # a connection was just taken in one
    return found


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """A rolled-back transaction or savepoint takes the entries recorded in it (or in a savepoint
    inside it) with it."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not rolled_back.nested:
        session.info.pop(_PENDING, None)
        return

    def inside(tx: SessionTransaction | None) -> bool:
        while tx is not None:
            if tx is rolled_back:
                return True
            tx = tx.parent
        return False

    session.info[_PENDING] = [(tx, entry) for tx, entry in pending if not inside(tx)]


@event.listens_for(Session, "after_transaction_end")
def _forget_unfinished(session: Session, ended: SessionTransaction) -> None:
    """A transaction that ended without its commit (a session closed) leaves nothing behind for
    the next transaction of the same session."""
    if ended.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    """At the transaction's commit (not a savepoint's), its entries are appended to the chain
    in the order they were recorded: the chain's lock (SQLite's write lock, PostgreSQL's advisory
    lock) is taken here, so another writer waits only for this append and the commit."""
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK})
    seq, prev = head(session)
    for _, entry in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = entry_hash(
            prev, seq, entry.at, entry.actor, entry.action, entry.entity, entry.entity_id, entry.detail
        )
        session.add(entry)
    session.flush()


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
    """Record one entry in the caller's transaction; it is appended to the chain when that
    transaction commits (`_append_pending`: its number and hashes are set then), after the
    entries recorded before it. Appends are serialised (SQLite: the write lock; PostgreSQL: a
    transaction-level advisory lock taken at the commit), and the unique `seq` guards the rest.
    A rollback (of the transaction, or of a savepoint it was recorded in) drops it."""
    at = _utc_naive(at or dt.datetime.now(dt.UTC))
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))
    entry = AuditEntry(at=at, actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail)
    session.info.setdefault(_PENDING, []).append((_innermost(session), entry))
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
