"""The recheck's decision for one certificate: boundary cases named as sentences."""

from __future__ import annotations

import datetime as dt

import pytest

from checks.assess import assess
from checks.complaints import ComplaintCounts
from checks.evidence import ClassRow, ListingRow
from checks.monitoring import CLEARED, LOW_RATE, RISK, SPIKE, decide
from tests.checks.checks_factories import AS_OF

LATER = AS_OF + dt.timedelta(days=400)


def _counts(received=0, recent=0, reconciled=None):
    reconciled = received if reconciled is None else reconciled
    return ComplaintCounts(
        received=received, reconciled=reconciled, closed_within_limit=received, received_recent=recent
    )


CASES = [
    pytest.param("valid", dict(), set(), ("none", None, ()), id="a clean certified business needs nothing"),
    pytest.param(
        "valid",
        dict(complaints=_counts(12, 3)),
        set(),
        ("none", None, ()),
        id="3 recent complaints against a monthly mean of 1 is 3x but below the minimum of 5",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(21, 5)),
        set(),
        ("none", None, ()),
        id="5 recent against a monthly mean of 1.75 is under 3x and no spike",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(24, 6)),
        set(),
        ("warn", None, (SPIKE,)),
        id="6 recent against a monthly mean of 2 is exactly 3x and a spike warning",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(24, 6)),
        {SPIKE},
        ("suspend", "complaint_spike", (SPIKE,)),
        id="a spike that stood at the previous recheck suspends",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(24, 6)),
        {LOW_RATE},
        ("warn", None, (SPIKE,)),
        id="a different warning at the previous recheck does not suspend",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(100, 5, reconciled=85)),
        set(),
        ("none", None, ()),
        id="a reconciliation rate of exactly 85 percent is at the floor and passes",
    ),
    pytest.param(
        "valid",
        dict(complaints=_counts(100, 5, reconciled=84)),
        set(),
        ("warn", None, (LOW_RATE,)),
        id="84 of 100 reconciled is below the floor and warns",
    ),
    pytest.param(
        "valid",
        dict(listings=[ListingRow("serious_dishonest", AS_OF, None, "x")]),
        set(),
        ("suspend", "serious_dishonest_listing", ("V2",)),
        id="a serious dishonest listing suspends at once",
    ),
    pytest.param(
        "valid",
        dict(classes=[ClassRow("B", AS_OF)]),
        set(),
        ("suspend", "credit_class_drop", ("V4",)),
        id="a credit class dropping to B suspends a model unit",
    ),
    pytest.param(
        "suspended",
        dict(classes=[ClassRow("B", AS_OF)]),
        set(),
        ("none", "credit_class_drop", ("V4",)),
        id="a veto still standing leaves a suspended certificate suspended",
    ),
    pytest.param(
        "suspended",
        dict(),
        set(),
        ("reinstatable", None, (CLEARED,)),
        id="a suspended certificate with nothing standing is reinstatable",
    ),
    pytest.param(
        "valid",
        dict(classes=[]),
        set(),
        ("none", None, ()),
        id="a credit class missing from the data is advisory, never a suspension",
    ),
]


@pytest.mark.parametrize("state, facts, warned, expected", CASES)
def test_recheck_decision(make_evidence, policies, state, facts, warned, expected):
    policy = policies["model_unit"]
    a = assess(make_evidence(**facts), policy)
    d = decide(state, dt.date(2027, 12, 31), a, policy.at(AS_OF), warned_before=frozenset(warned))
    action, code, fired = expected
    assert (d.action, d.reason_code) == (action, code)
    assert tuple(f.check_id for f in d.findings if f.kind != "advisory") == fired
    if d.cause is not None:
        assert d.cause.check_id == fired[0] and d.cause.reason_zh


def test_a_missing_credit_class_is_named_in_an_advisory_finding(make_evidence, policies):
    a = assess(make_evidence(classes=[]), policies["model_unit"])
    d = decide("valid", dt.date(2027, 12, 31), a, policies["model_unit"].at(AS_OF))
    [advice] = d.findings
    assert (advice.check_id, advice.kind) == ("V4", "advisory") and "缺少数据" in advice.reason_zh


def test_past_valid_until_the_certificate_expires_once(make_evidence, policies):
    a = assess(make_evidence(), policies["model_unit"])
    p = policies["model_unit"].at(AS_OF)
    assert decide("valid", AS_OF, a, p).action == "none"  # the last valid day
    assert decide("valid", AS_OF - dt.timedelta(days=1), a, p).action == "expire"
    assert decide("valid", AS_OF - dt.timedelta(days=1), a, p, expiry_noted=True).action == "none"


def test_a_risk_flag_is_advisory_with_its_text(make_evidence, policies):
    a = assess(make_evidence(), policies["model_unit"])
    notice = {
        "as_of": "2026-06-28",
        "complaints": 4,
        "terms": ["预付卡跑路"],
        "zh": "风险提示：……",
        "en": "Risk notice",
    }
    d = decide("valid", dt.date(2027, 12, 31), a, policies["model_unit"].at(AS_OF), risk_notice=notice)
    [flag] = d.findings
    assert (d.action, flag.check_id, flag.kind, flag.reason_zh) == ("none", RISK, "advisory", "风险提示：……")


def test_only_valid_and_suspended_certificates_are_rechecked(make_evidence, policies):
    a = assess(make_evidence(), policies["model_unit"])
    with pytest.raises(ValueError, match="revoked"):
        decide("revoked", dt.date(2027, 12, 31), a, policies["model_unit"].at(AS_OF))
