"""The field records in the decision (issue 16), boundary cases named as sentences: the on-site
inspection (评价验收) verifies or fails the declared mechanisms, vetoes (V8) and deducts; a
mystery shopper's refused return (暗访) vetoes a seven-day-return store (V9) and deducts from a
model unit; consumer ratings score the satisfaction bonus. Each case gives the check's status,
points and basis; `test_columnar_kernel` holds the screening path to the same cases."""

from __future__ import annotations

import datetime as dt

import pytest
from checks_factories import AS_OF, days_ago

from checks.assess import assess
from checks.calendar import add_months
from checks.evidence import InspectionRow, RatingCounts, ShopRow
from tests.support.checklists import MODEL_UNIT_ITEMS as MODEL_ITEMS
from tests.support.checklists import STORE_ITEMS

FIRST = "mechanisms.first_inquiry_responsibility"


INSPECTED_ON, VISITED_ON = days_ago(5), days_ago(30)


def inspected(
    failed=(), not_applicable=(), on=INSPECTED_ON, conclusion=None, inspection_id="INS-1", items=MODEL_ITEMS
) -> InspectionRow:
    results = {
        i: {"result": "fail" if i in failed else "not_applicable" if i in not_applicable else "pass", "note": ""}
        for i in items
    }
    return InspectionRow(inspection_id, on, conclusion or ("fail" if failed else "pass"), results)


def visit(on=VISITED_ON, outcome="refused", within=True, shop_id="MS-1") -> ShopRow:
    return ShopRow(shop_id, on, "return_request", outcome, within)


def case(program, facts, check_id, status, points, basis=None, *, id):
    return pytest.param(program, facts, check_id, status, points, basis, id=id)


M, S = "model_unit", "seven_day_return"
YEAR_AGO = add_months(AS_OF, -12)

INSPECTION_CASES = [
    case(
        M,
        {},
        FIRST,
        "pass",
        4.0,
        "declared",
        id="before any inspection a declared mechanism scores provisionally, awaiting the on-site check",
    ),
    case(
        M,
        {"inspections": [inspected()]},
        FIRST,
        "pass",
        4.0,
        "verified",
        id="a declared mechanism whose verifying item passed on site is verified",
    ),
    case(
        M,
        {"inspections": [inspected(failed=("first_inquiry_rule",))]},
        FIRST,
        "fail",
        0.0,
        "failed_on_site",
        id="a declared mechanism that failed inspection scores 0",
    ),
    case(
        M,
        {"inspections": [inspected(not_applicable=("first_inquiry_rule",))]},
        FIRST,
        "pass",
        4.0,
        "declared",
        id="a verifying item not applicable on site leaves the mechanism declared",
    ),
    case(
        M,
        {"inspections": [inspected()]},
        "mechanisms.service_station",
        "pass",
        4.0,
        "declared",
        id="a mechanism no checklist item verifies stays declared after the inspection",
    ),
    case(
        M,
        {"commitments": {"return_days": 7, "displayed": True}, "inspections": [inspected()]},
        FIRST,
        "fail",
        0.0,
        "declared",
        id="a mechanism not declared scores nothing even when its item passed on site",
    ),
    case(
        M,
        {"inspections": [inspected(failed=("first_inquiry_rule",), on=AS_OF + dt.timedelta(days=1))]},
        FIRST,
        "pass",
        4.0,
        "declared",
        id="an inspection after the as-of date is not yet counted",
    ),
    case(
        M,
        {"inspections": [inspected(failed=("first_inquiry_rule",), conclusion="draft")]},
        FIRST,
        "pass",
        4.0,
        "declared",
        id="an inspection without a pass or fail conclusion is not complete and not counted",
    ),
    case(
        M,
        {
            "inspections": [
                inspected(failed=("first_inquiry_rule",), on=days_ago(40), inspection_id="INS-1"),
                inspected(on=days_ago(5), inspection_id="INS-2"),
            ]
        },
        FIRST,
        "pass",
        4.0,
        "verified",
        id="the latest completed inspection counts, not an earlier failed one",
    ),
    case(M, {}, "V8", "pass", 0.0, id="no inspection on file passes V8 (the review gate asks for one)"),
    case(
        M,
        {"inspections": [inspected(failed=("complaint_ledger", "first_inquiry_rule"))]},
        "V8",
        "pass",
        0.0,
        id="an inspection failing no veto item passes V8",
    ),
    case(M, {"inspections": [inspected(failed=("price_marked",))]}, "V8", "veto", 0.0, id="a failed veto item vetoes"),
    case(
        M,
        {"inspections": [inspected(failed=("complaint_ledger",))]},
        "inspection.deductions",
        "fail",
        -5.0,
        id="a failed item that is no veto and verifies no mechanism deducts 5 points",
    ),
    case(
        M,
        {"inspections": [inspected(failed=("complaint_ledger", "staff_know_rules"))]},
        "inspection.deductions",
        "fail",
        -10.0,
        id="two such failed items deduct 10 points",
    ),
    case(
        M,
        {"inspections": [inspected(failed=("first_inquiry_rule", "price_marked"))]},
        "inspection.deductions",
        "pass",
        0.0,
        id="a failed mechanism or veto item deducts nothing beyond its own consequence",
    ),
    case(M, {}, "inspection.deductions", "pass", 0.0, id="nothing is deducted before any inspection"),
    case(
        S,
        {"inspections": [inspected(failed=("sample_return",), items=STORE_ITEMS)]},
        "V8",
        "veto",
        0.0,
        id="a failed sample return vetoes a seven-day-return store",
    ),
    case(
        S,
        {"inspections": [inspected(failed=("sample_return",), items=STORE_ITEMS)]},
        "mechanisms.return_promise",
        "fail",
        0.0,
        "failed_on_site",
        id="a failed sample return takes the return promise's points too",
    ),
    case(
        S,
        {"inspections": [inspected(items=STORE_ITEMS)]},
        "mechanisms.return_promise",
        "pass",
        4.0,
        "verified",
        id="a return promise checked on site is verified",
    ),
]

MYSTERY_CASES = [
    case(
        S,
        {"mystery_shops": [visit()]},
        "V9",
        "veto",
        0.0,
        id="a refused return within the committed period in the last 12 months vetoes a new application",
    ),
    case(
        S,
        {"mystery_shops": [visit(within=False)]},
        "V9",
        "pass",
        0.0,
        id="a refused return one day outside the committed period does not count",
    ),
    case(
        S,
        {"mystery_shops": [visit(within=None)]},
        "V9",
        "pass",
        0.0,
        id="a refusal whose commitment is unknown does not count",
    ),
    case(S, {"mystery_shops": [visit(outcome="accepted")]}, "V9", "pass", 0.0, id="an accepted return does not count"),
    case(
        S,
        {"mystery_shops": [visit(on=YEAR_AGO + dt.timedelta(days=1))]},
        "V9",
        "veto",
        0.0,
        id="a refusal 11 months and 30 days ago still vetoes",
    ),
    case(
        S,
        {"mystery_shops": [visit(on=YEAR_AGO)]},
        "V9",
        "pass",
        0.0,
        id="a refusal exactly 12 months ago no longer vetoes, as at the recheck",
    ),
    case(
        S,
        {"mystery_shops": [visit(on=add_months(AS_OF, -13))]},
        "V9",
        "pass",
        0.0,
        id="a refusal 13 months ago no longer vetoes",
    ),
    case(
        S,
        {"mystery_shops": [visit(on=AS_OF + dt.timedelta(days=1))]},
        "V9",
        "pass",
        0.0,
        id="a refusal after the as-of date is not yet known",
    ),
    case(
        M,
        {"mystery_shops": [visit()]},
        "mystery_shop.refused_returns",
        "fail",
        -10.0,
        id="a refused return within the commitment deducts 10 points from a model unit",
    ),
    case(
        M,
        {"mystery_shops": [visit(shop_id="MS-1"), visit(on=days_ago(60), shop_id="MS-2")]},
        "mystery_shop.refused_returns",
        "fail",
        -20.0,
        id="two refusals deduct 20 points from a model unit",
    ),
    case(
        M,
        {"mystery_shops": [visit(on=add_months(AS_OF, -13))]},
        "mystery_shop.refused_returns",
        "pass",
        0.0,
        id="a refusal 13 months ago deducts nothing from a model unit",
    ),
    case(
        S,
        {"mystery_shops": [visit()]},
        "mystery_shop.refused_returns",
        "pass",
        0.0,
        id="a seven-day-return store is vetoed for a refusal, not deducted as well",
    ),
]

RATING_CASES = [
    case(
        M,
        {"ratings": RatingCounts(9, 45)},
        "bonus.satisfaction",
        "missing",
        0.0,
        id="fewer ratings than the minimum leave satisfaction missing, not failed",
    ),
    case(M, {}, "bonus.satisfaction", "missing", 0.0, id="no rating at all leaves satisfaction missing"),
    case(
        M,
        {"ratings": RatingCounts(10, 50)},
        "bonus.satisfaction",
        "pass",
        5.0,
        id="the minimum count of ratings is enough to score",
    ),
    case(
        M,
        {"ratings": RatingCounts(10, 45)},
        "bonus.satisfaction",
        "pass",
        5.0,
        id="a mean exactly at the full threshold earns the whole bonus",
    ),
    case(
        M,
        {"ratings": RatingCounts(100, 449)},
        "bonus.satisfaction",
        "fail",
        2.0,
        id="a mean just under the full threshold earns the partial points",
    ),
    case(
        M,
        {"ratings": RatingCounts(10, 40)},
        "bonus.satisfaction",
        "fail",
        2.0,
        id="a mean exactly at the partial threshold earns the partial points",
    ),
    case(
        M,
        {"ratings": RatingCounts(100, 399)},
        "bonus.satisfaction",
        "fail",
        0.0,
        id="a mean just under the partial threshold earns nothing",
    ),
]

FIELD_CASES = INSPECTION_CASES + MYSTERY_CASES + RATING_CASES


def outcome(a, check_id):
    (hit,) = [o for o in a.outcomes if o.id == check_id]
    return hit


@pytest.mark.parametrize(("program", "facts", "check_id", "status", "points", "basis"), FIELD_CASES)
def test_field_records_decide(make_evidence, policies, program, facts, check_id, status, points, basis):
    o = outcome(assess(make_evidence(program, **facts), policies[program]), check_id)
    assert (o.status, o.points) == (status, points)
    assert (o.basis.value if o.basis else None) == basis


def test_a_mechanism_failed_on_site_names_the_inspection_date_and_item_in_both_languages(make_evidence, policies):
    ev = make_evidence(inspections=[inspected(failed=("first_inquiry_rule",), on=dt.date(2026, 6, 20))])
    o = outcome(assess(ev, policies["model_unit"]), FIRST)
    assert o.reason_zh == "承诺首问负责，但2026年6月20日现场验收“首问负责制度建立并落实”未通过，不得分"
    assert o.reason_en == (
        "commits to first-inquiry responsibility, but the on-site inspection of 2026-06-20 failed "
        "“首问负责制度建立并落实”: no points"
    )
    assert o.evidence == ("application:model_unit:2026-06-01", "inspection:INS-1")


def test_a_declared_mechanism_before_the_inspection_says_it_awaits_the_on_site_check(make_evidence, policies):
    o = outcome(assess(make_evidence(), policies["model_unit"]), FIRST)
    assert o.reason_zh == "承诺首问负责（申报，待现场验收核实）"
    assert o.reason_en == "commits to first-inquiry responsibility (declared, awaiting the on-site check)"


def test_the_inspection_veto_cites_the_inspection_and_the_item(make_evidence, policies):
    ev = make_evidence(inspections=[inspected(failed=("price_marked", "supplier_ledger"), on=dt.date(2026, 6, 20))])
    a = assess(ev, policies["model_unit"])
    o = outcome(a, "V8")
    assert o.reason_zh == "2026年6月20日现场验收未通过否决项：“商品和服务明码标价”、“索证索票、进货查验台账齐全”"
    assert o.evidence == ("inspection:INS-1",)
    assert a.verdict == "ineligible"


def test_a_refused_return_vetoes_a_seven_day_application_citing_the_visit_not_the_shopper(make_evidence, policies):
    a = assess(make_evidence("seven_day_return", mystery_shops=[visit(on=dt.date(2026, 5, 31))]), policies[S])
    o = outcome(a, "V9")
    assert o.evidence == ("mystery_shop:MS-1",)
    assert o.reason_zh == "12个月内暗访发现在承诺的退货期限和范围内拒绝无理由退货：2026年5月31日"
    assert a.verdict == "ineligible"


def test_the_satisfaction_bonus_never_moves_the_score_toward_the_pass_mark(make_evidence, policies):
    without = assess(make_evidence(), policies[M])
    rated = assess(make_evidence(ratings=RatingCounts(20, 100)), policies[M])
    assert rated.score == without.score and outcome(rated, "bonus.satisfaction").points == 5.0


def test_the_evidence_hash_changes_with_an_inspection_item_a_visit_or_the_ratings(make_evidence):
    base = make_evidence(inspections=[inspected()]).sha256()
    assert make_evidence(inspections=[inspected()]).sha256() == base
    assert make_evidence(inspections=[inspected(failed=("complaint_ledger",))]).sha256() != base
    assert make_evidence(inspections=[inspected()], mystery_shops=[visit()]).sha256() != base
    assert make_evidence(inspections=[inspected()], ratings=RatingCounts(10, 45)).sha256() != base
