"""Complaint figures over the policy windows: the reference definitions the SQL must match."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.complaints import ComplaintRow, complaint_figures, complaint_window, count_complaints

AS_OF = dt.date(2026, 6, 30)


def c(cid, received_days_ago, status="reconciled", closed_after=3, kind="complaint"):
    received = AS_OF - dt.timedelta(days=received_days_ago)
    closed = None if closed_after is None else received + dt.timedelta(days=closed_after)
    return ComplaintRow(cid, kind, status, received, closed)


@pytest.fixture
def window(policies):
    return complaint_window(AS_OF, policies["model_unit"].at(AS_OF))


def test_the_window_is_the_twelve_months_before_the_as_of_date(window):
    assert (window.start, window.as_of) == (dt.date(2025, 6, 30), AS_OF)
    assert window.recent_start == dt.date(2026, 5, 31)
    assert (window.closed_within_days, window.open_limit_days) == (7, 14)


CASES = [
    pytest.param(
        [c("a", 10)],
        dict(received=1, reconciled=1, closed_within_limit=1, received_recent=1),
        id="a complaint reconciled in 3 days counts as received, reconciled and prompt",
    ),
    pytest.param(
        [c("a", 10, kind="consultation")], dict(received=0, consultations=1), id="a consultation is not a complaint"
    ),
    pytest.param(
        [c("a", 10, kind="report", status="open", closed_after=None)],
        dict(received=0, reports=1),
        id="a report is not a complaint and never counts as left open",
    ),
    pytest.param(
        [c("a", 10, status="not_accepted", closed_after=5)],
        dict(received=1, not_accepted=1, received_recent=1),
        id="a not-accepted complaint is received but leaves the denominator",
    ),
    pytest.param([c("a", 365)], dict(), id="a complaint received exactly 12 months ago is outside the window"),
    pytest.param(
        [c("a", 364)],
        dict(received=1, reconciled=1, closed_within_limit=1),
        id="a complaint received a day less than 12 months ago is inside",
    ),
    pytest.param([c("a", -1)], dict(), id="a complaint received after the as-of date is not yet known"),
    pytest.param(
        [c("a", 30, closed_after=7)],
        dict(received=1, reconciled=1, closed_within_limit=1),
        id="a complaint closed on day 7 is prompt",
    ),
    pytest.param(
        [c("a", 30, closed_after=8)], dict(received=1, reconciled=1), id="a complaint closed on day 8 is not prompt"
    ),
    pytest.param(
        [c("a", 30, status="mediated", closed_after=14)],
        dict(received=1),
        id="a complaint closed on day 14 is not left open past the limit",
    ),
    pytest.param(
        [c("a", 30, status="mediated", closed_after=15)],
        dict(received=1, open_past_limit=1),
        id="a complaint closed on day 15 was left open past 14 days",
    ),
    pytest.param(
        [c("a", 15, status="open", closed_after=None)],
        dict(received=1, received_recent=1, open_past_limit=1),
        id="a complaint still open 15 days after receipt is open past the limit",
    ),
    pytest.param(
        [c("a", 14, status="open", closed_after=None)],
        dict(received=1, received_recent=1),
        id="a complaint still open 14 days after receipt is within the limit",
    ),
    pytest.param(
        [c("a", 20, status="reconciled", closed_after=25)],
        dict(received=1, received_recent=1, open_past_limit=1),
        id="a reconciliation dated after the as-of date is not yet known",
    ),
    pytest.param(
        [c("a", 300, status="not_accepted", closed_after=None)],
        dict(received=1, not_accepted=1),
        id="a not-accepted complaint is never left open",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), CASES)
def test_complaint_counts(window, rows, expected):
    counts = count_complaints(rows, window)._asdict()
    ids = counts.pop("open_past_limit_ids")
    want = dict.fromkeys(counts, 0)
    want["received_recent"] = expected.get("received_recent", 0)
    want.update(expected)
    assert counts == want
    assert len(ids) == counts["open_past_limit"]


def test_open_past_limit_cites_at_most_five_ids_in_order_but_counts_all(window):
    rows = [c(f"C{i:02d}", 100 + i, status="open", closed_after=None) for i in range(7)]
    counts = count_complaints(rows, window)
    assert counts.open_past_limit == 7
    assert counts.open_past_limit_ids == ("C00", "C01", "C02", "C03", "C04")


def test_31844_reconciled_of_34321_received_gives_9278_percent(window):
    figures = complaint_figures(count_complaints([], window)._replace(received=34_321, reconciled=31_844), window)
    assert round(figures.reconciliation_rate * 100, 2) == 92.78


def test_no_accepted_complaint_has_no_rate(window):
    rows = [c("a", 10, status="not_accepted")]
    assert complaint_figures(count_complaints(rows, window), window).reconciliation_rate is None
