"""The audit chain as appends build it: entries of one transaction follow the head it read once;
a savepoint rolled back takes its entries with it and the next entry reads the head again, so
the chain verifies with no gap; a new transaction reads the head again (another writer may have
appended in between)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry import audit
from registry.db import begin_write, open_registry, upgrade
from registry.settings import get_settings
from registry.workflow_models import AuditEntry


@pytest.fixture
def factory(home):
    upgrade(get_settings().db_url)
    return open_registry(get_settings().db_url)


def _chain(factory) -> list[tuple[int, str, str]]:
    with factory() as session:
        rows = session.execute(select(AuditEntry.seq, AuditEntry.action, AuditEntry.entity_id).order_by(AuditEntry.seq))
        return [tuple(r) for r in rows]


def _verified(factory) -> audit.ChainReport:
    with factory() as session:
        return audit.verify(session)


def test_entries_of_one_transaction_and_of_the_next_form_one_chain(factory):
    with begin_write(factory) as session:
        for i in range(3):
            audit.record(session, "tester", "test.one", "thing", i)
    with begin_write(factory) as session:
        audit.record(session, "tester", "test.two", "thing", 3)
    assert _chain(factory) == [(1, "test.one", "0"), (2, "test.one", "1"), (3, "test.one", "2"), (4, "test.two", "3")]
    assert _verified(factory).ok


def test_a_savepoint_rolled_back_leaves_no_gap_and_no_stale_head(factory):
    with begin_write(factory) as session:
        audit.record(session, "tester", "test.kept", "thing", 1)
        with pytest.raises(RuntimeError), session.begin_nested():
            audit.record(session, "tester", "test.dropped", "thing", 2)
            audit.record(session, "tester", "test.dropped", "thing", 3)
            raise RuntimeError("refused")
        audit.record(session, "tester", "test.kept", "thing", 4)
        with session.begin_nested():
            audit.record(session, "tester", "test.kept", "thing", 5)
        audit.record(session, "tester", "test.kept", "thing", 6)
    assert _chain(factory) == [
        (1, "test.kept", "1"),
        (2, "test.kept", "4"),
        (3, "test.kept", "5"),
        (4, "test.kept", "6"),
    ]
    report = _verified(factory)
    assert report.ok and report.entries == 4


def test_a_transaction_rolled_back_whole_appends_nothing_and_the_next_starts_from_the_stored_head(factory):
    with begin_write(factory) as session:
        audit.record(session, "tester", "test.kept", "thing", 1)
    with pytest.raises(RuntimeError), begin_write(factory) as session:
        audit.record(session, "tester", "test.dropped", "thing", 2)
        raise RuntimeError("crash")
    with begin_write(factory) as session:
        audit.record(session, "tester", "test.kept", "thing", 3)
    assert _chain(factory) == [(1, "test.kept", "1"), (2, "test.kept", "3")]
    assert _verified(factory).ok
