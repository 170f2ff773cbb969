"""发文字号: one sequence a year under each prefix, taken in the transaction that records the
document; a rolled-back document gives its number back, a subject keeps its number, and
concurrent takers get distinct numbers (run on PostgreSQL with ASSURED_TEST_BACKEND=postgresql)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from registry.db import begin_write, open_registry
from registry.document_numbers import take_number
from registry.models import DocumentNumber
from registry.settings import get_settings

PREFIX = "鄂市监消"


@pytest.fixture
def factory(home):
    return open_registry(get_settings().db_url)


def take(factory, subject: str, year: int = 2026, prefix: str = PREFIX) -> str:
    with begin_write(factory) as session:
        return take_number(session, subject, "rejection", prefix, year)


def test_numbers_count_up_within_a_year_and_restart_at_1_the_next(factory):
    assert [take(factory, f"rejection:{i}") for i in range(1, 4)] == [
        "鄂市监消〔2026〕1号",
        "鄂市监消〔2026〕2号",
        "鄂市监消〔2026〕3号",
    ]
    assert take(factory, "rejection:9", 2027) == "鄂市监消〔2027〕1号"
    assert take(factory, "rejection:10") == "鄂市监消〔2026〕4号"


def test_each_prefix_keeps_its_own_sequence(factory):
    take(factory, "rejection:1")
    assert take(factory, "member_letter:commerce:2026-06-30", prefix="鄂市监消函") == "鄂市监消函〔2026〕1号"


def test_a_document_written_again_keeps_its_number(factory):
    first = take(factory, "notice:X-1:suspended:2026-07-03")
    take(factory, "rejection:2")
    assert take(factory, "notice:X-1:suspended:2026-07-03") == first == "鄂市监消〔2026〕1号"


def test_a_rolled_back_document_gives_its_number_back_so_the_sequence_has_no_gap(factory):
    take(factory, "rejection:1")
    with pytest.raises(RuntimeError), begin_write(factory) as session:
        assert take_number(session, "rejection:2", "rejection", PREFIX, 2026) == "鄂市监消〔2026〕2号"
        raise RuntimeError("the letter could not be written")
    assert take(factory, "rejection:3") == "鄂市监消〔2026〕2号"
    with factory() as session:
        assert session.scalars(select(DocumentNumber.subject).order_by(DocumentNumber.seq)).all() == [
            "rejection:1",
            "rejection:3",
        ]


def test_an_empty_prefix_is_refused_naming_it(factory):
    with pytest.raises(ValueError, match="prefix ''"), begin_write(factory) as session:
        take_number(session, "rejection:1", "rejection", "", 2026)


def test_concurrent_takers_get_distinct_numbers_without_gaps(factory):
    takers, numbers, errors = 8, [], []
    start = threading.Barrier(takers)

    def run(i: int) -> None:
        try:
            start.wait()
            for j in range(5):
                numbers.append(take(factory, f"rejection:{i}-{j}"))
        except Exception as exc:  # reported below: a thread's exception would be lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(takers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == sorted(f"鄂市监消〔2026〕{n}号" for n in range(1, takers * 5 + 1))
