"""Audit entries join the chain when their transaction commits (registry.audit `_append_pending`):
on PostgreSQL a transaction that has recorded entries does not hold the chain's lock until its
end, so another writer records and commits meanwhile, and the chain follows the order of the
commits; entries recorded in a savepoint inside a savepoint that is rolled back go with it, and
so do those of a transaction that ended without its commit."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from registry import audit
from registry.db import begin_write, open_registry, upgrade
from registry.settings import get_settings
from registry.workflow_models import AuditEntry
from tests.conftest import BACKEND


@pytest.fixture
def factory(home):
    upgrade(get_settings().db_url)
    return open_registry(get_settings().db_url)


def _chain(factory) -> list[tuple[int, str]]:
    with factory() as session:
        return [
            tuple(r) for r in session.execute(select(AuditEntry.seq, AuditEntry.entity_id).order_by(AuditEntry.seq))
        ]


@pytest.mark.skipif(BACKEND != "postgresql", reason="on SQLite a write transaction holds the file's one write lock")
def test_a_writer_with_entries_recorded_does_not_hold_the_chain_until_it_ends(factory):
    other_done = threading.Event()

    def other() -> None:
        with begin_write(factory) as session:
            audit.record(session, "tester", "test.other", "thing", "second-recorded")
        other_done.set()

    with begin_write(factory) as session:
        audit.record(session, "tester", "test.first", "thing", "first-recorded")
        worker = threading.Thread(target=other)
        worker.start()
        # the other transaction commits while this one is still open (before: it waited for it)
        assert other_done.wait(10), "the other writer waited for this transaction's end"
    worker.join()

    assert _chain(factory) == [(1, "second-recorded"), (2, "first-recorded")]  # the order of the commits
    with factory() as session:
        assert audit.verify(session).ok


def test_entries_of_a_savepoint_inside_a_rolled_back_savepoint_go_with_it(factory):
    with begin_write(factory) as session:
        audit.record(session, "tester", "test.kept", "thing", 1)
        with pytest.raises(RuntimeError), session.begin_nested():
            audit.record(session, "tester", "test.dropped", "thing", 2)
            with session.begin_nested():
                audit.record(session, "tester", "test.dropped", "thing", 3)
            raise RuntimeError("refused")
        with session.begin_nested():
            audit.record(session, "tester", "test.kept", "thing", 4)
            with pytest.raises(RuntimeError), session.begin_nested():
                audit.record(session, "tester", "test.dropped", "thing", 5)
                raise RuntimeError("refused")
        audit.record(session, "tester", "test.kept", "thing", 6)

    assert _chain(factory) == [(1, "1"), (2, "4"), (3, "6")]
    with factory() as session:
        report = audit.verify(session)
        assert report.ok and report.entries == 3


def test_entries_of_a_session_closed_without_its_commit_are_not_appended_by_its_next_transaction(factory):
    session = factory()
    audit.record(session, "tester", "test.dropped", "thing", "closed")
    session.close()  # no commit: the entry goes with the transaction
    audit.record(session, "tester", "test.kept", "thing", "next")
    session.commit()
    session.close()

    assert _chain(factory) == [(1, "next")]
