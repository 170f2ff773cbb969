"""Verdicts, the `assess --json` shape, re-derivation from a recorded assessment, and what-if."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from checks_factories import AS_OF, days_ago, registration

from checks.assess import EvidenceMismatch, Verdict, assess, same_evidence_basis, what_if
from checks.complaints import ComplaintCounts
from checks.evidence import Evidence
from checks.penalties import PenaltyRow
from checks.policy import load_policy, policy_document

NO_MECHANISMS = {"return_days": 7, "displayed": True}


def test_a_clean_business_with_every_commitment_scores_100_and_is_eligible(make_evidence, policies):
    a = assess(make_evidence(), policies["model_unit"])
    assert (a.verdict, a.score, a.bonus) == (Verdict.ELIGIBLE, 100.0, 0.0)


VERDICTS = [
    pytest.param("model_unit", dict(classes=[]), Verdict.PENDING, id="a veto check without data gives pending"),
    pytest.param(
        "model_unit",
        dict(classes=[], registration_row=registration(status="revoked")),
        Verdict.INELIGIBLE,
        id="a veto outranks a veto check without data",
    ),
    pytest.param(
        "model_unit",
        dict(registration_row=None),
        Verdict.PENDING,
        id="a business without a registration record is pending",
    ),
    pytest.param(
        "model_unit",
        dict(commitments={**NO_MECHANISMS, "advance_compensation": True}),
        Verdict.ELIGIBLE,
        id="a model unit scoring 92 is eligible",
    ),
    pytest.param(
        "model_unit",
        dict(commitments=NO_MECHANISMS, registration_row=registration(odr_enrolled_on=None)),
        Verdict.INELIGIBLE,
        id="a model unit scoring 84 is ineligible under the pass mark of 85",
    ),
    pytest.param(
        "model_unit",
        dict(
            commitments={**NO_MECHANISMS, "advance_compensation": True},
            registration_row=registration(odr_enrolled_on=None),
        ),
        Verdict.ELIGIBLE,
        id="a model unit scoring 88 clears the pass mark of 85",
    ),
    pytest.param(
        "seven_day_return",
        dict(commitments=NO_MECHANISMS, registration_row=registration(odr_enrolled_on=None)),
        Verdict.ELIGIBLE,
        id="a store scoring 84 clears the seven-day-return pass mark of 80",
    ),
    pytest.param(
        "seven_day_return",
        dict(commitments={"return_days": 6, "displayed": True, "returns_any_branch": True}),
        Verdict.INELIGIBLE,
        id="a bonus never rescues a vetoed store",
    ),
    pytest.param(
        "model_unit",
        dict(application=None),
        Verdict.INELIGIBLE,
        id="a model unit without an application scores 84 and is ineligible",
    ),
]


@pytest.mark.parametrize(("program", "facts", "verdict"), VERDICTS)
def test_verdict(make_evidence, policies, program, facts, verdict):
    assert assess(make_evidence(program, **facts), policies[program]).verdict is verdict


def test_the_pass_mark_is_inclusive(make_evidence, policies, tmp_path):
    ev = make_evidence(commitments=NO_MECHANISMS, registration_row=registration(odr_enrolled_on=None))
    a = assess(ev, policies["model_unit"])
    assert a.score == 84.0
    doc = policy_document("model_unit")
    doc["parameters"]["pass_mark"]["values"][0]["value"] = 84
    path = tmp_path / "model_unit.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert assess(ev, load_policy(path)).verdict is Verdict.ELIGIBLE


def test_the_bonus_is_capped_at_15_and_kept_apart_from_the_score(make_evidence, policies):
    a = assess(
        make_evidence(
            "seven_day_return",
            commitments={
                "return_days": 30,
                "displayed": True,
                "returns_any_branch": True,
                "refund_within_48h": True,
                "advance_compensation": True,
                "first_inquiry_responsibility": True,
                "service_station": True,
            },
        ),
        policies["seven_day_return"],
    )
    assert (a.score, a.bonus) == (100.0, 15.0)


def test_all_checks_run_after_a_veto(make_evidence, policies):
    a = assess(
        make_evidence(
            registration_row=registration(status="suspended"),
            classes=[],
            penalties=[PenaltyRow("X1", days_ago(30), "general", "suspension", 0.0, "general", None, None)],
        ),
        policies["model_unit"],
    )
    assert len(a.outcomes) == 23  # V1-V6 and V8, 12 scored items, 4 bonus items
    assert a.ids_with("veto") == ["V1", "V5"] and a.ids_with("missing") == ["V4", "bonus.satisfaction"]
    assert "compliance.penalties" in a.ids_with("fail")


def test_assess_json_has_exactly_the_issue_3_shape(make_evidence, policies):
    doc = assess(make_evidence(complaints=ComplaintCounts(10, 0, 9, 8, 0, 2, 0, 1)), policies["model_unit"]).to_json()
    assert list(doc) == ["uscc", "program", "as_of", "verdict", "score", "bonus", "policy", "outcomes"]
    assert list(doc["policy"]) == ["id", "effective_from", "sha256"]
    assert doc["policy"] == {
        "id": "model_unit",
        "effective_from": "2023-01-01",
        "sha256": policies["model_unit"].sha256,
    }
    assert doc["as_of"] == "2026-06-30"
    for o in doc["outcomes"]:
        assert list(o) == [
            "id",
            "title_zh",
            "title_en",
            "status",
            "points",
            "max_points",
            "reason_zh",
            "reason_en",
            "evidence",
            "basis",
        ]
        assert o["status"] in {"pass", "fail", "veto", "missing"}
        assert o["basis"] in {None, "declared", "verified", "failed_on_site"}
    json.dumps(doc, ensure_ascii=False)  # serialisable as is


def test_re_deriving_a_recorded_assessment_after_the_policy_gains_a_newer_value_gives_the_same_result(
    make_evidence, tmp_path
):
    path = tmp_path / "model_unit.yaml"
    path.write_text(
        yaml.safe_dump(policy_document("model_unit"), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    policy = load_policy(path)
    ev = make_evidence(
        policy=policy,
        complaints=ComplaintCounts(40, 2, 35, 30, 0, 1, 0, 3),
        penalties=[PenaltyRow("P1", days_ago(50), "general", "fine", 200_000.0, "general", None, None)],
    )
    recorded = assess(ev, policy)
    stored_evidence = ev.model_dump_json()
    stored = recorded.to_json()

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    later = {"effective_from": AS_OF + dt.timedelta(days=1), "source": "a later notice"}
    doc["parameters"]["pass_mark"]["values"].append({**later, "value": 95})
    doc["parameters"]["compliance"]["penalties"]["points_each"]["values"].append({**later, "value": 20})
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    changed = load_policy(path)
    assert changed.sha256 != recorded.policy_sha256

    again = assess(Evidence.model_validate_json(stored_evidence), changed)
    assert again.evidence_sha256() == recorded.evidence_sha256()
    assert again.policy_values_sha256 == recorded.policy_values_sha256
    assert again.policy_effective_from == recorded.policy_effective_from
    assert {**again.to_json(), "policy": None} == {**stored, "policy": None}
    # the newer values are live from their date, so the test would notice if they leaked backwards
    assert assess(make_evidence(policy=changed, as_of=AS_OF + dt.timedelta(days=1)), changed).pass_mark == 95


def test_evidence_survives_a_json_round_trip_unchanged(make_evidence):
    ev = make_evidence(
        penalties=[PenaltyRow("P1", days_ago(50), "general", "fine,warning", 500.0, "food", None, None)],
        complaints=ComplaintCounts(3, 0, 2, 2, 1, 0, 0, 1, ("C1",)),
    )
    back = Evidence.model_validate_json(ev.model_dump_json())
    assert back == ev and back.sha256() == ev.sha256()


def test_evidence_built_under_other_rules_is_refused(make_evidence, policies, tmp_path):
    doc = policy_document("model_unit")
    doc["parameters"]["complaints"]["window_months"]["values"][0]["value"] = 24
    path = tmp_path / "model_unit.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    draft = load_policy(path)
    assert not same_evidence_basis(policies["model_unit"], draft, AS_OF)
    with pytest.raises(EvidenceMismatch, match="complaints.window_months differ"):
        assess(make_evidence(), draft)
    with pytest.raises(EvidenceMismatch, match="built for seven_day_return, not model_unit"):
        assess(make_evidence("seven_day_return"), policies["model_unit"])


def test_what_if_lists_who_flips_and_why(make_evidence, policies, tmp_path):
    doc = policy_document("model_unit")
    draft_from = {"effective_from": dt.date(2026, 1, 1), "source": "draft notice"}
    doc["parameters"]["pass_mark"]["values"].append({**draft_from, "value": 90})
    doc["parameters"]["compliance"]["penalties"]["points_each"]["values"].append({**draft_from, "value": 20})
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    draft = load_policy(path)
    assert same_evidence_basis(policies["model_unit"], draft, AS_OF)
    fine = PenaltyRow("鄂市监罚〔2026〕3号", days_ago(60), "general", "fine", 200_000.0, "general", None, None)
    population = [
        make_evidence(),  # 100 points either way
        make_evidence(
            commitments={**NO_MECHANISMS, "advance_compensation": True},
            registration_row=registration(odr_enrolled_on=None),
        ),  # 88: under the new pass mark
        make_evidence(penalties=[fine]),  # 90, then 80: the penalty costs twice as much
        make_evidence(classes=[]),  # pending either way
    ]
    diff = what_if(population, policies["model_unit"], draft)
    assert diff.assessed == 4 and diff.score_changed == 1
    assert diff.transitions == {("eligible", "eligible"): 1, ("eligible", "ineligible"): 2, ("pending", "pending"): 1}
    only_mark, penalty = diff.flips
    assert (only_mark.score_before, only_mark.score_after, only_mark.pass_mark_after, only_mark.changes) == (
        88,
        88,
        90,
        (),
    )
    assert (penalty.score_before, penalty.score_after) == (90, 80)
    assert [(c.id, c.points_before, c.points_after) for c in penalty.changes] == [("compliance.penalties", 20, 10)]
    assert diff.to_json()["flips"][1]["changes"][0]["reason_en"].endswith("within 2 years: 鄂市监罚〔2026〕3号")


def test_what_if_takes_evidence_pairs_when_the_draft_changes_the_evidence_rules(make_evidence, policies, tmp_path):
    doc = policy_document("model_unit")
    doc["parameters"]["handling"]["blacklist_days"]["values"][0]["value"] = 30
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    draft = load_policy(path)
    now = make_evidence(complaints=ComplaintCounts(5, 0, 5, 5, 1, 0, 0, 0, ("C1",)))
    later = make_evidence(policy=draft, complaints=ComplaintCounts(5, 0, 5, 5, 0, 0, 0, 0))
    with pytest.raises(EvidenceMismatch):
        what_if([now], policies["model_unit"], draft)
    diff = what_if([(now, later)], policies["model_unit"], draft)
    assert [(f.before, f.after) for f in diff.flips] == [("ineligible", "eligible")]
