"""A mystery shopper's refused return suspends a seven-day-return store at the recheck: the
boundaries of the rule (checks.monitoring.refused_return), as sentences; a low mean rating
warns and never suspends (checks.monitoring.low_satisfaction)."""

import datetime as dt

import pytest

from checks.assess import assess
from checks.evidence import RatingCounts, Ratings
from checks.monitoring import REFUSED, SATISFACTION, Visit, decide, low_satisfaction, refused_return
from checks.policy import load_policy

AS_OF = dt.date(2026, 8, 1)
P = load_policy("seven_day_return").at(AS_OF)


def _visit(on: str, outcome: str = "refused", within: bool | None = True, scenario: str = "return_request") -> Visit:
    return Visit("AF-1", dt.date.fromisoformat(on), scenario, outcome, within)


CASES = {
    "a refusal within the committed period yesterday counts": ("seven_day_return", _visit("2026-07-31"), True),
    "a refusal on the recheck day itself counts": ("seven_day_return", _visit("2026-08-01"), True),
    "a refusal one day outside the committed period does not count": (
        "seven_day_return",
        _visit("2026-07-31", within=False),
        False,
    ),
    "a refusal whose period was not established does not count": (
        "seven_day_return",
        _visit("2026-07-31", within=None),
        False,
    ),
    "an accepted return does not count": ("seven_day_return", _visit("2026-07-31", outcome="accepted"), False),
    "a partial outcome does not count": ("seven_day_return", _visit("2026-07-31", outcome="partial"), False),
    "a refusal 11 months and 30 days ago still counts": ("seven_day_return", _visit("2025-08-02"), True),
    "a refusal exactly 12 months ago no longer counts": ("seven_day_return", _visit("2025-08-01"), False),
    "a refusal 13 months ago no longer counts": ("seven_day_return", _visit("2025-07-01"), False),
    "a visit after the recheck day does not count yet": ("seven_day_return", _visit("2026-08-02"), False),
    "a refusal at a model unit is not this rule's (the assessment deducts it)": (
        "model_unit",
        _visit("2026-07-31"),
        False,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_refused_return(case):
    program, visit, counts = CASES[case]
    finding = refused_return(program, (visit,), AS_OF, P)
    assert (finding is not None) == counts


def test_the_finding_cites_the_visit_by_date_and_scenario_never_the_shopper():
    finding = refused_return("seven_day_return", (_visit("2026-05-01"), _visit("2026-07-03")), AS_OF, P)
    assert finding is not None and finding.check_id == REFUSED and finding.kind == "veto"
    assert "2026年7月3日" in finding.reason_zh and "无理由退货" in finding.reason_zh  # the latest visit
    assert finding.figures == {"visited_on": "2026-07-03", "scenario": "return_request", "months": 12, "refusals": 2}
    assert finding.evidence == ("mystery_shop:AF-1",)


def _rated(count: int, stars: int) -> Ratings:
    return Ratings(window_start=dt.date(2025, 8, 1), as_of=AS_OF, count=count, stars=stars)


SATISFACTION_CASES = {
    "a mean below the floor with enough ratings warns": (_rated(10, 34), True),
    "a mean exactly at the floor does not warn": (_rated(10, 35), False),
    "fewer ratings than the minimum say nothing, however low": (_rated(9, 9), False),
    "no rating at all says nothing": (_rated(0, 0), False),
}


@pytest.mark.parametrize("case", SATISFACTION_CASES)
def test_low_satisfaction(case):
    rated, warns = SATISFACTION_CASES[case]
    assert (low_satisfaction(rated, P) is not None) == warns


def test_a_low_mean_rating_warns_and_never_suspends_even_when_it_stood_at_the_last_recheck(make_evidence, policies):
    policy = policies["seven_day_return"]
    a = assess(make_evidence("seven_day_return", classes=[], as_of=AS_OF, ratings=RatingCounts(20, 60)), policy)
    first = decide("valid", dt.date(2028, 1, 1), a, policy.at(AS_OF), program="seven_day_return")
    assert first.action == "warn" and first.cause is not None and first.cause.check_id == SATISFACTION
    assert first.cause.reason_zh == "2025年8月1日至2026年8月1日消费者评价20条，平均3.00星，低于监测下限3.5星"
    again = decide(
        "valid",
        dt.date(2028, 1, 1),
        a,
        policy.at(AS_OF),
        warned_before=frozenset({SATISFACTION}),
        program="seven_day_return",
    )
    assert again.action == "warn" and again.reason_code is None
