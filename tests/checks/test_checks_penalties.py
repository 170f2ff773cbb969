"""Penalty publicity, repair and revocation (SAMR Order 45; 国市监信规〔2021〕3号): one row a case."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.calendar import add_months, add_years
from checks.penalties import PenaltyReason as R
from checks.penalties import PenaltyRow, classify_penalty

AS_OF = dt.date(2026, 6, 30)


def months_ago(n: int) -> dt.date:
    return add_months(AS_OF, -n)


def row(
    decided_on, kinds="fine", fine=5000.0, procedure="general", category="general", repaired_on=None, revoked_on=None
) -> PenaltyRow:
    return PenaltyRow("鄂市监罚〔2026〕1号", decided_on, procedure, kinds, fine, category, repaired_on, revoked_on)


CASES = [
    pytest.param(
        row(months_ago(4)), False, R.PUBLICITY_ENDED, id="a 5,000-yuan fine decided 4 months ago is no longer published"
    ),
    pytest.param(row(months_ago(2)), False, R.COUNTED, id="a 5,000-yuan fine decided 2 months ago is counted"),
    pytest.param(
        row(months_ago(3)),
        False,
        R.PUBLICITY_ENDED,
        id="a lower-amount fine decided exactly 3 months ago is no longer published",
    ),
    pytest.param(
        row(dt.date(2026, 4, 1)),
        False,
        R.COUNTED,
        id="a lower-amount fine decided on 1 April is still published on 30 June",
    ),
    pytest.param(
        row(dt.date(2026, 3, 31)),
        False,
        R.PUBLICITY_ENDED,
        id="a lower-amount fine decided on 31 March ends its publicity on 30 June",
    ),
    pytest.param(
        row(months_ago(4), fine=99_999.0),
        False,
        R.PUBLICITY_ENDED,
        id="an enterprise's 99,999-yuan fine is lower-amount and ends after 3 months",
    ),
    pytest.param(
        row(months_ago(4), fine=100_000.0),
        False,
        R.COUNTED,
        id="an enterprise's 100,000-yuan fine stays published for 3 years",
    ),
    pytest.param(
        row(months_ago(4), fine=9_999.0),
        True,
        R.PUBLICITY_ENDED,
        id="an individual business's 9,999-yuan fine is lower-amount and ends after 3 months",
    ),
    pytest.param(
        row(months_ago(4), fine=10_000.0),
        True,
        R.COUNTED,
        id="an individual business's 10,000-yuan fine stays published for 3 years",
    ),
    pytest.param(
        row(months_ago(4), kinds="public_criticism", fine=0.0),
        False,
        R.PUBLICITY_ENDED,
        id="public criticism decided 4 months ago is no longer published",
    ),
    pytest.param(
        row(months_ago(4), kinds="confiscation,fine"),
        False,
        R.COUNTED,
        id="a small fine with confiscation stays published for 3 years",
    ),
    pytest.param(
        row(months_ago(1), procedure="simple", fine=200.0),
        False,
        R.SIMPLE_PROCEDURE,
        id="a simple-procedure fine is never published",
    ),
    pytest.param(
        row(months_ago(1), kinds="warning", fine=0.0), False, R.WARNING_ONLY, id="a warning alone is not published"
    ),
    pytest.param(
        row(months_ago(1), kinds=["warning", "fine"], fine=500.0),
        False,
        R.COUNTED,
        id="a warning with a fine is published",
    ),
    pytest.param(
        row(months_ago(8), fine=200_000.0, repaired_on=months_ago(1)),
        False,
        R.REPAIRED,
        id="a penalty repaired after 7 months of publicity does not count",
    ),
    pytest.param(
        row(months_ago(5), fine=200_000.0, repaired_on=months_ago(3)),
        False,
        R.COUNTED,
        id="a repair recorded 2 months after the decision takes effect only after 6 months",
    ),
    pytest.param(
        row(months_ago(7), fine=200_000.0, repaired_on=months_ago(5)),
        False,
        R.REPAIRED,
        id="an early repair takes effect once 6 months of publicity have passed",
    ),
    pytest.param(
        row(months_ago(10), fine=200_000.0, category="food", repaired_on=months_ago(2)),
        False,
        R.COUNTED,
        id="a food penalty repaired after 8 months still counts until 12 months have passed",
    ),
    pytest.param(
        row(months_ago(13), fine=200_000.0, category="special_equipment", repaired_on=months_ago(2)),
        False,
        R.REPAIRED,
        id="a special-equipment penalty repaired after 11 months stops counting at 12",
    ),
    pytest.param(
        row(months_ago(8), fine=200_000.0, repaired_on=AS_OF + dt.timedelta(days=1)),
        False,
        R.COUNTED,
        id="a repair recorded after the as-of date is not yet known",
    ),
    pytest.param(
        row(months_ago(2), fine=200_000.0, revoked_on=months_ago(1)),
        False,
        R.REVOKED,
        id="a penalty revoked on appeal never counts",
    ),
    pytest.param(
        row(months_ago(2), fine=200_000.0, revoked_on=AS_OF + dt.timedelta(days=1)),
        False,
        R.COUNTED,
        id="a revocation after the as-of date does not help on the as-of date",
    ),
    pytest.param(
        row(months_ago(10), kinds="suspension", fine=0.0, repaired_on=months_ago(1)),
        False,
        R.COUNTED,
        id="a licence suspension cannot be repaired early",
    ),
    pytest.param(
        row(months_ago(30), fine=200_000.0),
        False,
        R.OUTSIDE_WINDOW,
        id="a large fine decided 30 months ago is published but outside the 2-year window",
    ),
    pytest.param(
        row(add_years(AS_OF, -2)),
        False,
        R.PUBLICITY_ENDED,
        id="a lower-amount fine decided 2 years ago ended its publicity long ago",
    ),
    pytest.param(
        row(add_years(AS_OF, -3), fine=200_000.0),
        False,
        R.PUBLICITY_ENDED,
        id="a large fine decided exactly 3 years ago is no longer published",
    ),
]


@pytest.mark.parametrize(("penalty", "natural_person", "reason"), CASES)
def test_penalty_reason(policies, penalty, natural_person, reason):
    p = policies["model_unit"].at(AS_OF)
    got = classify_penalty(penalty, AS_OF, natural_person, p)
    assert got.reason is reason
    assert got.counted is (reason is R.COUNTED)


def test_a_short_publicity_ends_three_months_after_the_decision_and_a_long_one_three_years(policies):
    p = policies["model_unit"].at(AS_OF)
    short = classify_penalty(row(dt.date(2026, 1, 31)), AS_OF, False, p)
    long = classify_penalty(row(dt.date(2026, 1, 31), fine=200_000.0), AS_OF, False, p)
    assert short.published_until == dt.date(2026, 4, 30)
    assert long.published_until == dt.date(2029, 1, 31)


def test_never_published_penalties_have_no_publicity_end(policies):
    p = policies["model_unit"].at(AS_OF)
    assert classify_penalty(row(months_ago(1), procedure="simple"), AS_OF, False, p).published_until is None


def test_severe_kinds_are_marked_severe_and_never_repairable(policies):
    p = policies["model_unit"].at(AS_OF)
    ban = classify_penalty(row(months_ago(9), kinds="employment_ban,fine", repaired_on=months_ago(1)), AS_OF, False, p)
    assert ban.severe and ban.repair_effective_from is None and ban.kinds == ("employment_ban", "fine")
