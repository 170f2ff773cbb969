"""The fast screening kernel (`checks.columnar`) decides exactly as `assess(build_evidence(...))`:
every boundary case of the check tables, run through both."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import test_checks_assess as assess_cases
import test_checks_field as field_cases
import test_checks_rules as rule_cases
import yaml
from checks_factories import AS_OF, FULL_COMMITMENTS, USCC, days_ago, registration

from checks.assess import assess, plan
from checks.columnar import Kernel, valid_codes
from checks.complaints import ComplaintCounts
from checks.evidence import ApplicationRow, ClassRow, build_evidence
from checks.fast import fast
from checks.penalties import PenaltyRow
from checks.policy import load_policy, policy_document
from checks.uscc import ALPHABET, UsccError, make_uscc, validate_uscc

_DEFAULT = object()


def both(
    policies,
    program="model_unit",
    *,
    uscc=USCC,
    registration_row=_DEFAULT,
    penalties=(),
    complaints=None,
    listings=(),
    classes=_DEFAULT,
    commitments=_DEFAULT,
    application=_DEFAULT,
    as_of=AS_OF,
    policy=None,
    uscc_overrides=frozenset(),
    inspections=(),
    mystery_shops=(),
    ratings=None,
):
    """(reference, fast) for the facts the checks' `make_evidence` fixture takes."""
    reg = registration(uscc) if registration_row is _DEFAULT else registration_row
    classes = [ClassRow("A", dt.date(2026, 6, 1))] if classes is _DEFAULT else classes
    if application is _DEFAULT:
        application = ApplicationRow(
            program, "online", dt.date(2026, 6, 1), FULL_COMMITMENTS if commitments is _DEFAULT else commitments
        )
    policy = policy or policies[program]
    a = assess(
        build_evidence(
            uscc,
            reg,
            penalties,
            complaints,
            listings,
            classes,
            application,
            as_of,
            policy,
            uscc_overrides=uscc_overrides,
            inspections=inspections,
            mystery_shops=mystery_shops,
            ratings=ratings,
        ),
        policy,
    )
    ref = (
        uscc,
        a.verdict.value,
        a.score,
        a.bonus,
        tuple(a.ids_with("veto")),
        tuple(a.ids_with("fail")),
        tuple(a.ids_with("missing")),
    )
    s = Kernel(policy, as_of).assess_one(
        uscc,
        reg,
        complaints,
        penalties,
        listings,
        classes,
        application,
        uscc_overrides=uscc_overrides,
        inspections=inspections,
        mystery_shops=mystery_shops,
        ratings=ratings,
    )
    return ref, (s.uscc, s.verdict, s.score, s.bonus, s.vetoes, s.failed, s.missing)


def _facts(case):
    return case.values[1] if isinstance(case.values[1], dict) else case.values[0]


@pytest.mark.parametrize(
    "facts", [pytest.param(_facts(c), id=c.id) for c in rule_cases.VETO_CASES + rule_cases.SCORE_CASES]
)
def test_the_fast_path_agrees_on_every_model_unit_boundary_case(policies, facts):
    ref, fast = both(policies, **facts)
    assert fast == ref


@pytest.mark.parametrize("facts", [pytest.param(c.values[0], id=c.id) for c in rule_cases.SEVEN_DAY_CASES])
def test_the_fast_path_agrees_on_every_seven_day_return_case(policies, facts):
    ref, fast = both(policies, "seven_day_return", **facts)
    assert fast == ref


@pytest.mark.parametrize(("program", "facts"), [pytest.param(*c.values[:2], id=c.id) for c in field_cases.FIELD_CASES])
def test_the_fast_path_agrees_on_every_field_record_case(policies, program, facts):
    ref, fast = both(policies, program, **facts)
    assert fast == ref


@pytest.mark.parametrize(
    ("program", "facts"), [pytest.param(c.values[0], c.values[1], id=c.id) for c in assess_cases.VERDICTS]
)
def test_the_fast_path_gives_every_verdict_case_the_same_verdict_and_score(policies, program, facts):
    ref, fast = both(policies, program, **facts)
    assert fast == ref


def test_the_fast_path_agrees_when_a_veto_check_is_disabled_by_the_policy(policies, tmp_path):
    doc = policy_document("model_unit")
    doc["parameters"]["vetoes"]["enabled"]["values"][0]["value"] = ["V1", "V3", "V5"]
    doc["parameters"]["pass_mark"]["values"][0]["value"] = 60
    path = tmp_path / "model_unit.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    draft = load_policy(path)
    for facts in (
        dict(classes=[]),
        dict(complaints=ComplaintCounts(3, 0, 2, 1, 1, 0, 0, 0, ("C1",))),
        dict(application=None),
        dict(registration_row=registration(status="revoked")),
    ):
        ref, fast = both(policies, policy=draft, **facts)
        assert fast == ref


def test_the_fast_path_agrees_on_random_mixtures_of_facts(policies):
    """Several facts at once, near the boundaries: penalties, listings, classes, complaints, commitments."""
    rng = random.Random(11)
    kinds = [
        "warning",
        "public_criticism",
        "fine",
        "confiscation",
        "suspension",
        "license_revocation",
        "employment_ban",
    ]
    for i in range(400):
        program = rng.choice(["model_unit", "seven_day_return"])
        uscc = make_uscc("420100", f"{i:08d}", entity=rng.choice("12"))
        pens = [
            PenaltyRow(
                f"P{i}-{k}",
                days_ago(rng.choice([10, 40, 91, 92, 180, 365, 729, 730, 731, 1094, 1095, 1096, 1200])),
                rng.choice(["general", "general", "simple"]),
                ",".join(rng.sample(kinds, rng.randint(1, 2))),
                rng.choice([0.0, 5000.0, 9999.0, 10000.0, 99999.0, 100000.0]),
                rng.choice(["general", "food"]),
                rng.choice([None, days_ago(rng.randint(-5, 900))]),
                rng.choice([None, None, days_ago(rng.randint(-5, 30))]),
            )
            for k in range(rng.choice([0, 0, 1, 2, 3]))
        ]
        received = rng.choice([0, 1, 5, 20, 100])
        not_acc = rng.randint(0, received)
        accepted = received - not_acc
        rec = rng.randint(0, accepted)
        counts = (
            None
            if received == 0
            else ComplaintCounts(
                received, not_acc, rec, rng.randint(0, accepted), rng.choice([0, 0, 0, min(1, accepted)]), 0, 0, 0
            )
        )
        commitments = {
            "return_days": rng.choice([None, 3, 6, 7, 29, 30, 60]),
            "displayed": rng.random() < 0.7,
            "advance_compensation": rng.random() < 0.5,
            "first_inquiry_responsibility": rng.random() < 0.5,
            "service_station": rng.random() < 0.5,
            "returns_any_branch": rng.random() < 0.3,
            "refund_within_48h": rng.random() < 0.3,
        }
        facts = dict(
            uscc=uscc,
            registration_row=rng.choice(
                [
                    registration(uscc),
                    registration(uscc, status="suspended"),
                    registration(uscc, odr_enrolled_on=None),
                    registration(uscc, odr_enrolled_on=days_ago(rng.choice([-1, 0, 1]))),
                    registration(uscc, established_on=days_ago(rng.randint(0, 4000))),
                    None,
                ]
            ),
            penalties=pens,
            complaints=counts,
            listings=[
                rule_cases.listing(
                    rng.choice(["abnormal_operations", "serious_dishonest", "complaint_blacklist"]),
                    days_ago(rng.randint(-3, 1500)),
                    rng.choice([None, days_ago(rng.randint(-3, 1200))]),
                )
                for _ in range(rng.choice([0, 0, 1, 2]))
            ],
            classes=[
                ClassRow(rng.choice("AABCD"), days_ago(rng.randint(-20, 90))) for _ in range(rng.choice([0, 1, 2]))
            ],
            application=rng.choice(
                [None, ApplicationRow(program, "online", days_ago(rng.randint(-5, 300)), commitments)]
            ),
        )
        ref, fast = both(policies, program, **facts)
        assert fast == ref, (i, facts)


def test_the_array_code_check_agrees_with_validate_uscc():
    rng = random.Random(3)
    good = [
        make_uscc(
            rng.choice(["420100", "110105", "440300"]),
            "".join(rng.choices(ALPHABET[:10] + "ABCDEF", k=8)),
            authority=rng.choice("9Y15"),
            entity=rng.choice("123"),
        )
        for _ in range(300)
    ]
    codes = list(good)
    for code in good[:200]:  # one character changed, case changed, padded, shortened
        pos = rng.randrange(18)
        codes.append(code[:pos] + rng.choice(ALPHABET + "IOSVZa-") + code[pos + 1 :])
        codes += [code.lower(), f" {code} ", code[:17], code + "0", "9" + code[1:]]
    codes += ["", "统一社会信用代码统一社会信用代码统一", "91420100MA4K00002X"]

    def reference(code):
        try:
            validate_uscc(code)
            return True
        except UsccError:
            return False

    assert valid_codes(codes) == [reference(c) for c in codes]
    assert sum(valid_codes(codes)) > 300  # valid ones (and lower-case / padded forms) pass


def test_a_screening_part_may_read_only_fields_of_the_batch_row_layout():
    with pytest.raises(ValueError, match="unknown Business fields"):
        fast(key=("registration_status",))
    with pytest.raises(ValueError, match="unknown Business fields"):
        fast(rows=("complaints",))  # counts are key values, not rows


@pytest.mark.parametrize("program", ["model_unit", "seven_day_return"])
def test_the_kernel_screens_each_check_the_assessment_runs_once_from_its_own_screening_part(policies, program):
    kernel = Kernel(policies[program], AS_OF)
    run = plan(policies[program].at(AS_OF)["vetoes.enabled"])
    screened = sorted(i for group in kernel.groups for i, _ in group.checks)
    assert screened == list(range(len(run.checks)))
    assert kernel.ids == tuple(c.id for c in run.checks)
    for group in kernel.groups:
        for i, c in group.checks:
            assert c is run.checks[i] and set(c.fast.key) <= set(group.key) and set(c.fast.rows) <= set(group.rows)
