"""Writes batched for a recheck's thousands of notices: audit entries appended in one transaction
(the head remembered between them, not inside a savepoint) keep the chain whole, and pending
deliveries go in batches of outbox copies with each e-mail alone."""

from sqlalchemy import select

from registry import audit
from registry.db import begin_write, open_registry
from registry.delivery import OUTBOX_BATCH, attempt_all, batches
from registry.ingest import insert_ignoring_duplicates
from registry.settings import get_settings
from registry.workflow_models import AuditEntry, Delivery


def test_many_entries_in_one_transaction_and_a_savepoint_rolled_back_keep_the_chain_whole(home):
    factory = open_registry(get_settings().db_url)
    with begin_write(factory) as session:
        for i in range(5):
            audit.record(session, "system", "test.one", "thing", i)
        with session.begin_nested() as savepoint:
            audit.record(session, "system", "test.undone", "thing", 99)
            savepoint.rollback()
        for i in range(5, 8):
            audit.record(session, "system", "test.one", "thing", i)
    with begin_write(factory) as session:
        audit.record(session, "system", "test.next", "thing", 8)
    with factory() as session:
        report = audit.verify(session)
        seqs = list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        actions = list(session.scalars(select(AuditEntry.action)))
    assert report.ok, report.problem
    assert seqs == list(range(1, len(seqs) + 1)) and "test.undone" not in actions and actions.count("test.one") == 8


def test_pending_deliveries_go_in_outbox_batches_and_each_email_alone(home, tmp_path):
    settings = get_settings()
    factory = open_registry(settings.db_url)
    pdf = tmp_path / "n.pdf"
    pdf.write_bytes(b"%PDF-1.4 notice\n")

    def row(i: int, channel: str) -> dict:
        return {
            "uscc": "91420100MA4K00002Y",
            "document": str(tmp_path / f"n{i}.pdf"),
            "subject": "通知",
            "channel": channel,
            "recipient": "shop@example.cn" if channel == "email" else str(settings.outbox_path / "x"),
            "status": "pending",
            "attempts": 0,
        }

    rows = [row(i, "outbox") for i in range(OUTBOX_BATCH + 5)] + [row(1, "email"), row(2, "email")]
    rows += [row(i, "outbox") for i in range(OUTBOX_BATCH + 5, OUTBOX_BATCH + 8)]
    for i in range(OUTBOX_BATCH + 8):
        (tmp_path / f"n{i}.pdf").write_bytes(b"%PDF-1.4 notice\n")
    with begin_write(factory) as session:
        insert_ignoring_duplicates(session.connection(), Delivery.__table__, rows)
    with factory() as session:
        groups = batches(session, settings)
    assert [len(g) for g in groups] == [OUTBOX_BATCH, 5, 1, 1, 3]
    for ids in groups:
        with begin_write(factory) as session:
            attempt_all(session, ids, settings)
    with factory() as session:
        email = session.scalars(select(Delivery.status).where(Delivery.channel == "email")).all()
        outbox = session.scalars(select(Delivery.status).where(Delivery.channel == "outbox")).all()
    assert set(outbox) == {"delivered"} and set(email) == {"pending"}  # no SMTP server: left to retry
    assert (settings.outbox_path / "91420100MA4K00002Y" / f"n{OUTBOX_BATCH + 7}.pdf").exists()
