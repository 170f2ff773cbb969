"""Boundary cases per check, each named as a sentence: status, points and cited evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from checks_factories import AS_OF, INDIVIDUAL, USCC, days_ago, registration

from checks.assess import assess
from checks.calendar import add_months, add_years
from checks.complaints import ComplaintCounts
from checks.evidence import ClassRow, ListingRow
from checks.penalties import PenaltyRow


def pen(decided_on, kinds="fine", fine=200_000.0, no="鄂市监罚〔2025〕7号", **kw) -> PenaltyRow:
    return PenaltyRow(
        no,
        decided_on,
        kw.get("procedure", "general"),
        kinds,
        fine,
        kw.get("category", "general"),
        kw.get("repaired_on"),
        kw.get("revoked_on"),
    )


def listing(name, listed_on, removed_on=None) -> ListingRow:
    return ListingRow(name, listed_on, removed_on, "test")


def complaints(received, reconciled, not_accepted=0, closed=None, open_past=0, ids=()) -> ComplaintCounts:
    closed = reconciled if closed is None else closed
    return ComplaintCounts(received, not_accepted, reconciled, closed, open_past, 0, 0, 0, ids)


def outcome(assessment, check_id):
    (hit,) = [o for o in assessment.outcomes if o.id == check_id]
    return hit


def run(make_evidence, policies, program="model_unit", **facts):
    return assess(make_evidence(program, **facts), policies[program])


BAD_CHECK_DIGIT = USCC[:17] + ("0" if USCC[17] != "0" else "1")

VETO_CASES = [
    # V1
    pytest.param("V1", dict(), "pass", id="an active business with a valid code passes V1"),
    pytest.param(
        "V1",
        dict(uscc=BAD_CHECK_DIGIT, registration_row=registration(BAD_CHECK_DIGIT)),
        "veto",
        id="a code failing its check digit vetoes",
    ),
    pytest.param(
        "V1",
        dict(
            uscc=BAD_CHECK_DIGIT,
            registration_row=registration(BAD_CHECK_DIGIT),
            uscc_overrides=frozenset({BAD_CHECK_DIGIT}),
        ),
        "pass",
        id="a failing code on the audited override list passes V1",
    ),
    pytest.param(
        "V1", dict(registration_row=registration(status="deregistered")), "veto", id="a deregistered business vetoes"
    ),
    pytest.param("V1", dict(registration_row=None), "missing", id="no registration record gives missing"),
    # V2
    pytest.param(
        "V2",
        dict(listings=[listing("serious_dishonest", days_ago(400))]),
        "veto",
        id="a current serious-dishonest listing vetoes",
    ),
    pytest.param(
        "V2",
        dict(listings=[listing("serious_dishonest", days_ago(800), days_ago(10))]),
        "pass",
        id="a serious-dishonest listing removed before the as-of date does not veto",
    ),
    pytest.param(
        "V2",
        dict(listings=[listing("serious_dishonest", days_ago(800), AS_OF + dt.timedelta(days=1))]),
        "veto",
        id="a listing removed after the as-of date still vetoes on the as-of date",
    ),
    pytest.param(
        "V2",
        dict(listings=[listing("serious_dishonest", AS_OF + dt.timedelta(days=1))]),
        "pass",
        id="a listing made after the as-of date is not yet known",
    ),
    # V3
    pytest.param(
        "V3",
        dict(listings=[listing("abnormal_operations", days_ago(30))]),
        "veto",
        id="a current abnormal-operation listing vetoes",
    ),
    pytest.param(
        "V3",
        dict(listings=[listing("abnormal_operations", days_ago(90), days_ago(30))]),
        "pass",
        id="a removed abnormal-operation listing does not veto",
    ),
    # V4
    pytest.param(
        "V4", dict(classes=[ClassRow("B", dt.date(2026, 6, 1))]), "veto", id="credit class B vetoes a model unit"
    ),
    pytest.param("V4", dict(classes=[]), "missing", id="no credit class on record gives missing"),
    pytest.param(
        "V4",
        dict(classes=[ClassRow("B", dt.date(2026, 5, 1)), ClassRow("A", dt.date(2026, 6, 1))]),
        "pass",
        id="the latest credit class wins",
    ),
    pytest.param(
        "V4",
        dict(classes=[ClassRow("A", dt.date(2026, 6, 1)), ClassRow("D", AS_OF + dt.timedelta(days=1))]),
        "pass",
        id="a class assigned after the as-of date is ignored",
    ),
    # V5
    pytest.param(
        "V5",
        dict(penalties=[pen(add_months(AS_OF, -35), "suspension", 0.0)]),
        "veto",
        id="a licence suspension 35 months ago vetoes",
    ),
    pytest.param(
        "V5",
        dict(penalties=[pen(add_months(AS_OF, -36), "suspension", 0.0)]),
        "pass",
        id="a licence suspension exactly 36 months ago no longer vetoes",
    ),
    pytest.param(
        "V5",
        dict(penalties=[pen(add_months(AS_OF, -5), "license_revocation", 0.0, revoked_on=days_ago(3))]),
        "pass",
        id="a licence revocation revoked on appeal does not veto",
    ),
    pytest.param(
        "V5",
        dict(penalties=[pen(add_months(AS_OF, -24), "employment_ban,fine")]),
        "veto",
        id="an employment ban 2 years ago vetoes",
    ),
    pytest.param(
        "V5",
        dict(penalties=[pen(add_months(AS_OF, -13), "suspension", 0.0, repaired_on=days_ago(5))]),
        "veto",
        id="a repaired suspension still vetoes",
    ),
    pytest.param(
        "V5",
        dict(penalties=[pen(days_ago(10), "confiscation,fine")]),
        "pass",
        id="a large fine with confiscation is not severe",
    ),
    # V6
    pytest.param(
        "V6",
        dict(complaints=complaints(3, 3, open_past=1, ids=("C1",))),
        "veto",
        id="a complaint left open past 14 days vetoes",
    ),
    pytest.param(
        "V6",
        dict(listings=[listing("complaint_blacklist", days_ago(20))]),
        "veto",
        id="a current complaint black-list listing vetoes",
    ),
    pytest.param(
        "V6",
        dict(listings=[listing("complaint_blacklist", days_ago(200), days_ago(100))]),
        "pass",
        id="a lifted complaint black-list listing does not veto",
    ),
    pytest.param("V6", dict(complaints=complaints(3, 3)), "pass", id="complaints all closed in time pass V6"),
]


@pytest.mark.parametrize(("check_id", "facts", "status"), VETO_CASES)
def test_model_unit_veto(make_evidence, policies, check_id, facts, status):
    assert outcome(run(make_evidence, policies, **facts), check_id).status == status


SEVEN_DAY_CASES = [
    pytest.param(dict(), "pass", id="a displayed 7-day return commitment passes V7"),
    pytest.param(
        dict(commitments={"return_days": 6, "displayed": True}), "veto", id="a 6-day return commitment vetoes"
    ),
    pytest.param(
        dict(commitments={"return_days": 15, "displayed": False}), "veto", id="an undisplayed return commitment vetoes"
    ),
    pytest.param(dict(commitments={"displayed": True}), "veto", id="a commitment without a return period vetoes"),
    pytest.param(dict(application=None), "veto", id="a store without an application has no commitment and vetoes"),
]


@pytest.mark.parametrize(("facts", "status"), SEVEN_DAY_CASES)
def test_seven_day_return_veto(make_evidence, policies, facts, status):
    assert outcome(run(make_evidence, policies, "seven_day_return", **facts), "V7").status == status


def test_each_programme_runs_its_own_vetoes(make_evidence, policies):
    model = run(make_evidence, policies, "model_unit")
    store = run(make_evidence, policies, "seven_day_return", classes=[])
    assert [o.id for o in model.outcomes if o.id.startswith("V")] == ["V1", "V2", "V3", "V4", "V5", "V6", "V8"]
    assert [o.id for o in store.outcomes if o.id.startswith("V")] == ["V1", "V2", "V3", "V5", "V6", "V7", "V8", "V9"]
    assert store.verdict == "eligible"  # no credit class needed for a seven-day-return store


def test_a_veto_cites_the_records_it_rests_on(make_evidence, policies):
    a = run(
        make_evidence,
        policies,
        penalties=[pen(add_months(AS_OF, -35), "suspension", 0.0, no="鄂市监罚〔2023〕9号")],
        listings=[listing("abnormal_operations", dt.date(2026, 1, 5))],
        complaints=complaints(4, 4, open_past=2, ids=("C7", "C9")),
    )
    assert outcome(a, "V5").evidence == ("penalty:鄂市监罚〔2023〕9号",)
    assert "鄂市监罚〔2023〕9号" in outcome(a, "V5").reason_zh
    assert outcome(a, "V3").evidence == ("listing:abnormal_operations:2026-01-05",)
    assert outcome(a, "V6").evidence == ("complaints:2025-06-30..2026-06-30", "complaint:C7", "complaint:C9")
    assert outcome(a, "V6").reason_en == "2 complaint(s) received from 2025-06-30 to 2026-06-30 left open past 14 days"


SCORE_CASES = [
    # compliance.penalties (30)
    pytest.param("compliance.penalties", dict(), 30, "pass", id="no penalty earns the full 30 penalty points"),
    pytest.param(
        "compliance.penalties",
        dict(penalties=[pen(days_ago(40))]),
        20,
        "fail",
        id="one counted penalty costs 10 points",
    ),
    pytest.param(
        "compliance.penalties",
        dict(penalties=[pen(days_ago(40 + i), no=f"P{i}") for i in range(4)]),
        0,
        "fail",
        id="four counted penalties floor the item at 0",
    ),
    pytest.param(
        "compliance.penalties",
        dict(penalties=[pen(add_months(AS_OF, -4), fine=5000.0)]),
        30,
        "pass",
        id="a 5,000-yuan fine decided 4 months ago costs nothing",
    ),
    pytest.param(
        "compliance.penalties",
        dict(
            uscc=INDIVIDUAL,
            registration_row=registration(INDIVIDUAL),
            penalties=[pen(add_months(AS_OF, -4), fine=20_000.0)],
        ),
        20,
        "fail",
        id="an individual business's 20,000-yuan fine decided 4 months ago still costs 10 points",
    ),
    pytest.param(
        "compliance.penalties",
        dict(penalties=[pen(add_months(AS_OF, -25))]),
        30,
        "pass",
        id="a large fine decided 25 months ago is outside the 2-year window",
    ),
    # compliance.abnormal_history (5)
    pytest.param(
        "compliance.abnormal_history",
        dict(listings=[listing("abnormal_operations", days_ago(900), add_years(AS_OF, -2))]),
        0,
        "fail",
        id="an abnormal listing removed 2 years ago costs 5 points",
    ),
    pytest.param(
        "compliance.abnormal_history",
        dict(listings=[listing("abnormal_operations", days_ago(1500), add_years(AS_OF, -3))]),
        5,
        "pass",
        id="an abnormal listing removed exactly 3 years ago costs nothing",
    ),
    # complaints.reconciliation (25)
    pytest.param("complaints.reconciliation", dict(), 25, "pass", id="a business with no complaints gets full marks"),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(34_321, 31_844)),
        20,
        "fail",
        id="31,844 reconciled of 34,321 received gives 92.78 % and 20 points",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(100, 95)),
        25,
        "pass",
        id="a 95 % reconciliation rate earns 25 points",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(10_000, 9_499)),
        20,
        "fail",
        id="a 94.99 % reconciliation rate earns 20 points",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(10_000, 9_277)),
        19.97,
        "fail",
        id="a 92.77 % reconciliation rate falls onto the linear slope",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(100, 89)),
        10.28,
        "fail",
        id="an 89 % reconciliation rate earns 10.28 points",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(100, 85)),
        0,
        "fail",
        id="an 85 % reconciliation rate earns nothing",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(12, 10, not_accepted=2)),
        25,
        "pass",
        id="not-accepted complaints are excluded from the rate",
    ),
    pytest.param(
        "complaints.reconciliation",
        dict(complaints=complaints(2, 0, not_accepted=2)),
        25,
        "pass",
        id="only not-accepted complaints count as no complaints",
    ),
    # complaints.closed_within_7_days (10)
    pytest.param(
        "complaints.closed_within_7_days", dict(), 10, "pass", id="no complaints earns the full prompt-closing points"
    ),
    pytest.param(
        "complaints.closed_within_7_days",
        dict(complaints=complaints(4, 4, closed=3)),
        7.5,
        "fail",
        id="three of four complaints closed within 7 days earns 7.5 points",
    ),
    # mechanisms (4 each)
    pytest.param("mechanisms.odr", dict(), 4, "pass", id="ODR enrolment before the as-of date earns 4 points"),
    pytest.param(
        "mechanisms.odr",
        dict(registration_row=registration(odr_enrolled_on=AS_OF + dt.timedelta(days=1))),
        0,
        "fail",
        id="ODR enrolment after the as-of date earns nothing",
    ),
    pytest.param(
        "mechanisms.advance_compensation",
        dict(application=None),
        0,
        "fail",
        id="commitment items without an application score 0 and fail, not missing",
    ),
    pytest.param(
        "mechanisms.service_station",
        dict(commitments={"return_days": 7, "displayed": True}),
        0,
        "fail",
        id="an application without a service station earns no station points",
    ),
    pytest.param(
        "mechanisms.return_promise",
        dict(commitments={"return_days": 6}),
        0,
        "fail",
        id="a 6-day return promise earns no return points",
    ),
    pytest.param("mechanisms.return_promise", dict(), 4, "pass", id="a 7-day return promise earns 4 points"),
    # longevity (10)
    pytest.param(
        "longevity",
        dict(registration_row=registration(established_on=dt.date(2021, 7, 1))),
        8,
        "fail",
        id="a business one day short of 5 years earns 8 points",
    ),
    pytest.param(
        "longevity",
        dict(registration_row=registration(established_on=dt.date(2021, 6, 30))),
        10,
        "pass",
        id="a business 5 years old earns the 10-point cap",
    ),
    pytest.param(
        "longevity",
        dict(registration_row=registration(established_on=dt.date(2026, 1, 1))),
        0,
        "fail",
        id="a business under a year old earns nothing for longevity",
    ),
    pytest.param(
        "longevity", dict(registration_row=None), 0, "missing", id="longevity without a registration is missing"
    ),
    # bonus (5 each)
    pytest.param(
        "bonus.long_return_period",
        dict(commitments={"return_days": 30}),
        5,
        "pass",
        id="a 30-day return period earns the long-return bonus",
    ),
    pytest.param(
        "bonus.long_return_period",
        dict(commitments={"return_days": 29}),
        0,
        "fail",
        id="a 29-day return period earns no long-return bonus",
    ),
    pytest.param(
        "bonus.returns_any_branch",
        dict(commitments={"returns_any_branch": True}),
        5,
        "pass",
        id="returns at any branch earn the branch bonus",
    ),
    pytest.param(
        "bonus.refund_within_48h", dict(application=None), 0, "fail", id="no application earns no refund bonus"
    ),
]


@pytest.mark.parametrize(("check_id", "facts", "points", "status"), SCORE_CASES)
def test_scored_item(make_evidence, policies, check_id, facts, points, status):
    o = outcome(run(make_evidence, policies, **facts), check_id)
    assert (o.points, o.status) == (points, status)


def test_the_reconciliation_reason_shows_the_reference_rate(make_evidence, policies):
    o = outcome(run(make_evidence, policies, complaints=complaints(34_321, 31_844)), "complaints.reconciliation")
    assert o.reason_en == "reconciliation rate 92.78 % (31844 reconciled of 34321 accepted; 0 not accepted excluded)"
    assert o.reason_zh.startswith("和解率 92.78 %")
    assert o.evidence == ("complaints:2025-06-30..2026-06-30",)


def test_the_penalty_reason_names_counted_and_uncounted_penalties_with_why(make_evidence, policies):
    a = run(
        make_evidence,
        policies,
        penalties=[
            pen(days_ago(40), no="A1"),
            pen(add_months(AS_OF, -4), fine=5000.0, no="B2"),
            pen(days_ago(20), procedure="simple", fine=100.0, no="C3"),
        ],
    )
    o = outcome(a, "compliance.penalties")
    assert o.points == 20
    assert o.reason_en == (
        "1 counted penalties within 2 years: A1; not counted: "
        "B2 (publicity ended), C3 (simple procedure, not published)"
    )
    assert o.evidence == ("penalty:A1", "penalty:B2", "penalty:C3")
