"""Single and batch evidence agree exactly, on hand-made edge cases and on a generated province."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from sqlalchemy import func, select

from checks.assess import assess
from checks.calendar import add_months, add_years
from checks.policy import load_policy
from checks.uscc import make_uscc
from registry.db import session_factory
from registry.evidence import evidence_batch, evidence_for, partition
from registry.models import (
    Complaint,
    CreditClass,
    CreditListing,
    Inspection,
    MysteryShop,
    Penalty,
    Rating,
    Registration,
    UsccOverride,
)
from registry.settings import get_settings
from registry.workflow_models import Application
from tests.conftest import sqlite_all_postgresql_one
from tests.support.checklists import ITEMS

AS_OF = dt.date(2026, 6, 30)
PROGRAMS = ("model_unit", "seven_day_return")


def _edge_dates(rng: random.Random) -> dt.date:
    """Dates that sit on the rules' boundaries about as often as anywhere else."""
    edges = [
        AS_OF,
        AS_OF + dt.timedelta(days=1),
        add_months(AS_OF, -3),
        add_months(AS_OF, -12),
        add_months(AS_OF, -12) + dt.timedelta(days=1),
        add_years(AS_OF, -2),
        add_years(AS_OF, -3),
        add_years(AS_OF, -3) + dt.timedelta(days=1),
        AS_OF - dt.timedelta(days=14),
        AS_OF - dt.timedelta(days=15),
        AS_OF - dt.timedelta(days=30),
        AS_OF - dt.timedelta(days=31),
    ]
    if rng.random() < 0.5:
        return rng.choice(edges)
    return AS_OF - dt.timedelta(days=rng.randint(-20, 1300))


def populate(session, seed: int, businesses: int) -> list[str]:
    rng = random.Random(seed)
    usccs = []
    for i in range(businesses):
        region = rng.choice(["420100", "420102", "420500", "421000"])
        entity = rng.choice("1112")
        uscc = make_uscc(region, f"{seed:02d}{i:06d}", entity=entity)
        usccs.append(uscc)
        session.add(
            Registration(
                uscc=uscc,
                name=f"商户{i}",
                entity_type="individual" if entity == "2" else "enterprise",
                status=rng.choice(["active"] * 8 + ["suspended", "deregistered"]),
                established_on=_edge_dates(rng) - dt.timedelta(days=rng.randint(0, 4000)),
                region_code=region,
                industry_code="F5211",
                address="武汉",
                legal_representative="张三",
                contact_email="a@b.cn",
                odr_enrolled_on=rng.choice([None, None, _edge_dates(rng)]),
                row_hash=0,
            )
        )
        for k in range(rng.choice([0, 0, 1, 2, 3])):
            decided = _edge_dates(rng)
            session.add(
                Penalty(
                    decision_no=f"P{seed}-{i}-{k}",
                    uscc=uscc,
                    decided_on=decided,
                    authority="武汉市市场监督管理局",
                    procedure=rng.choice(["general", "general", "simple"]),
                    kinds=",".join(
                        sorted(
                            rng.sample(
                                [
                                    "warning",
                                    "public_criticism",
                                    "fine",
                                    "confiscation",
                                    "suspension",
                                    "license_revocation",
                                    "employment_ban",
                                ],
                                rng.randint(1, 2),
                            )
                        )
                    ),
                    fine_yuan=rng.choice([0.0, 5000.0, 9999.0, 10000.0, 99999.0, 100000.0, 300000.0]),
                    category=rng.choice(["general", "food", "drug", "special_equipment"]),
                    violation="x",
                    repaired_on=rng.choice([None, decided + dt.timedelta(days=rng.randint(0, 500))]),
                    revoked_on=rng.choice([None, None, None, decided + dt.timedelta(days=rng.randint(0, 300))]),
                    row_hash=0,
                )
            )
        for k in range(rng.choice([0, 0, 0, 1, 3, 8, 20])):
            received = _edge_dates(rng)
            closed = rng.choice([None, received + dt.timedelta(days=rng.choice([0, 6, 7, 8, 14, 15, 40]))])
            session.add(
                Complaint(
                    complaint_id=f"C{seed}-{i}-{k:02d}",
                    uscc=uscc,
                    kind=rng.choice(["complaint"] * 7 + ["report", "consultation"]),
                    channel=rng.choice(["12315", "odr", "platform315", "hotline"]),
                    received_on=received,
                    category="x",
                    status=rng.choice(
                        [
                            "open",
                            "reconciled",
                            "reconciled",
                            "mediated",
                            "mediation_failed",
                            "terminated",
                            "not_accepted",
                        ]
                    ),
                    closed_on=closed,
                    amount_yuan=100.0,
                    recovered_yuan=50.0,
                    text="投诉",
                    row_hash=0,
                )
            )
        for name in rng.sample(
            ["abnormal_operations", "serious_dishonest", "complaint_blacklist"], rng.choice([0, 0, 1, 2])
        ):
            listed = _edge_dates(rng)
            session.add(
                CreditListing(
                    uscc=uscc,
                    list=name,
                    listed_on=listed,
                    reason="x",
                    row_hash=0,
                    removed_on=rng.choice([None, listed + dt.timedelta(days=rng.randint(0, 1500))]),
                )
            )
        shift = rng.randint(-20, 20)  # some classes land after the as-of date
        for k in range(rng.choice([0, 1, 2, 3])):
            session.add(
                CreditClass(
                    uscc=uscc,
                    risk_class=rng.choice("AABCD"),
                    row_hash=0,
                    classified_on=AS_OF - dt.timedelta(days=30 * k + shift),
                )
            )
        for _ in range(rng.choice([0, 0, 0, 1, 2])):
            session.add(
                Application(
                    uscc=uscc,
                    program=rng.choice(PROGRAMS),
                    channel="online",
                    submitted_on=_edge_dates(rng),
                    store_name="店",
                    contact_email="a@b.cn",
                    status="submitted",
                    commitments={
                        "return_days": rng.choice([None, 3, 7, 30]),
                        "return_scope": None,
                        "displayed": rng.random() < 0.7,
                        "advance_compensation": rng.random() < 0.5,
                        "first_inquiry_responsibility": True,
                        "service_station": False,
                        "returns_any_branch": rng.random() < 0.3,
                        "refund_within_48h": False,
                    },
                )
            )
        _field_records(session, random.Random(seed * 100_003 + i), seed, i, uscc)  # leaves `rng` as it was
    session.add(UsccOverride(uscc=usccs[0], reason="test", added_by="test"))
    return sorted(usccs)


def _field_records(session, rng: random.Random, seed: int, i: int, uscc: str) -> None:
    """Inspections (some after the as-of date, some not complete), mystery-shop visits on the
    look-back's edges, and ratings around the minimum count and the thresholds."""
    for k in range(rng.choice([0, 0, 0, 1, 2])):
        program = rng.choice(PROGRAMS)
        items = {
            item: {"result": rng.choice(["pass"] * 6 + ["fail", "not_applicable"]), "note": ""}
            for item in ITEMS[program]
        }
        session.add(
            Inspection(
                inspection_id=f"I{seed}-{i}-{k}",
                uscc=uscc,
                program=program,
                inspected_on=_edge_dates(rng),
                inspector="inspector",
                items=json.dumps(items, sort_keys=True),
                conclusion=rng.choice(["pass", "pass", "fail", "draft"]),
                photos="",
                row_hash=0,
            )
        )
    for k in range(rng.choice([0, 0, 0, 1, 2])):
        session.add(
            MysteryShop(
                shop_id=f"M{seed}-{i}-{k}",
                uscc=uscc,
                visited_on=rng.choice([_edge_dates(rng), add_months(AS_OF, -12), add_months(AS_OF, -13)]),
                shopper="V001",
                scenario=rng.choice(["return_request", "price_display"]),
                outcome=rng.choice(["refused", "refused", "accepted", "partial"]),
                within_commitment=rng.choice([True, True, False, None]),
                note="",
                row_hash=0,
            )
        )
    if rng.random() < 0.3:
        for k in range(rng.choice([3, 9, 10, 12, 20])):
            session.add(
                Rating(
                    rating_id=f"R{seed}-{i}-{k}",
                    uscc=uscc,
                    rated_on=_edge_dates(rng),
                    stars=rng.choice([3, 4, 4, 5, 5, 5]),
                    channel="qr",
                    text=None,
                    row_hash=0,
                )
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_single_and_batch_evidence_agree_on_every_business(registry_session, seed):
    usccs = populate(registry_session, seed, 120)
    registry_session.commit()
    for program in PROGRAMS:
        policy = load_policy(program)
        batch = list(evidence_batch(registry_session, AS_OF, program, policy, chunk_size=17))
        assert [e.uscc for e in batch] == usccs
        for ev in batch:
            single = evidence_for(registry_session, ev.uscc, AS_OF, program, policy)
            assert single == ev, ev.uscc
            assert single.sha256() == ev.sha256()
            assert assess(single, policy).to_json() == assess(ev, policy).to_json()


def test_the_edge_cases_exercise_every_complaint_figure(registry_session):
    populate(registry_session, 4, 150)
    registry_session.commit()
    batch = list(evidence_batch(registry_session, AS_OF, "model_unit", chunk_size=50))
    for figure in (
        "received",
        "not_accepted",
        "reconciled",
        "closed_within_limit",
        "open_past_limit",
        "consultations",
        "reports",
        "received_recent",
    ):
        assert any(getattr(e.complaints, figure) for e in batch), figure
    assert any(e.application for e in batch) and any(p.counted for e in batch for p in e.penalties)
    assert any(e.uscc_overridden for e in batch)


def test_a_region_prefix_and_partitions_cover_exactly_their_businesses(registry_session):
    usccs = populate(registry_session, 5, 90)
    registry_session.commit()
    wuhan = [e.uscc for e in evidence_batch(registry_session, AS_OF, "model_unit", region_prefix="4201", chunk_size=8)]
    assert wuhan == [u for u in usccs if u[2:6] == "4201"] and wuhan
    ranges = partition(registry_session, 4)
    assert len(ranges) == 4
    parts = [
        [e.uscc for e in evidence_batch(registry_session, AS_OF, "model_unit", after=a, upto=b, chunk_size=7)]
        for a, b in ranges
    ]
    assert [u for part in parts for u in part] == usccs
    assert all(abs(len(part) - 90 / 4) <= 1 for part in parts)


def test_more_parts_than_businesses_gives_one_range_per_business(registry_session):
    usccs = populate(registry_session, 7, 3)
    registry_session.commit()
    ranges = partition(registry_session, 8)
    parts = [
        [e.uscc for e in evidence_batch(registry_session, AS_OF, "model_unit", after=a, upto=b)] for a, b in ranges
    ]
    assert parts == [[u] for u in usccs]
    assert partition(registry_session, 1) == [(None, None)]


def test_evidence_for_an_unknown_business_has_no_registration(registry_session):
    ev = evidence_for(registry_session, make_uscc("420100", "99999999"), AS_OF, "model_unit")
    assert ev.registration is None and ev.penalties == ()


def test_evidence_for_a_named_application_uses_that_application(registry_session):
    uscc = populate(registry_session, 6, 1)[0]
    registry_session.add_all(
        [
            Application(
                uscc=uscc,
                program="model_unit",
                channel="online",
                submitted_on=dt.date(2026, 5, 1),
                store_name="店",
                contact_email="a@b.cn",
                status="submitted",
                commitments={"return_days": 15, "displayed": True},
            ),
            Application(
                uscc=uscc,
                program="model_unit",
                channel="offline",
                submitted_on=dt.date(2026, 6, 1),
                store_name="店",
                contact_email="a@b.cn",
                status="submitted",
                commitments={"return_days": 7, "displayed": True},
            ),
        ]
    )
    registry_session.commit()
    first = registry_session.scalar(
        select(func.min(Application.id)).where(
            Application.uscc == uscc, Application.channel == "online", Application.submitted_on == dt.date(2026, 5, 1)
        )
    )
    assert evidence_for(registry_session, uscc, AS_OF, "model_unit").application.commitments.return_days == 7
    named = evidence_for(registry_session, uscc, AS_OF, "model_unit", application_id=first)
    assert named.application.commitments.return_days == 15


def test_a_policy_for_another_programme_is_refused(registry_session):
    with pytest.raises(ValueError, match="program 'model_unit' does not match policy 'seven_day_return'"):
        evidence_for(
            registry_session, make_uscc("420100", "99999999"), AS_OF, "model_unit", load_policy("seven_day_return")
        )


@pytest.mark.parametrize("seed", sqlite_all_postgresql_one([3, 8], 3))
def test_single_and_batch_evidence_agree_on_a_generated_province(generate, cli, seed):
    folder = generate(businesses=1000, seed=seed, name=f"province{seed}")
    assert cli("ingest", folder).code == 0
    as_of = dt.date(2026, 6, 30)
    with session_factory(get_settings().db_url)() as session:
        for program in PROGRAMS:
            policy = load_policy(program)
            batch = list(evidence_batch(session, as_of, program, policy))
            assert len(batch) == 1000
            sample = batch if program == "model_unit" else batch[::10]
            for ev in sample:
                assert evidence_for(session, ev.uscc, as_of, program, policy) == ev, ev.uscc
