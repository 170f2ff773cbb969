"""The screening fast path (`registry.evidence.screening_batch` + `checks.columnar`) decides
exactly as `assess(evidence_for(...))`, business by business: on hand-made edge cases
(penalties at the publicity and window boundaries, listings, missing classes, applications
with commitments, an overridden code) and on generated provinces over several seeds."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from checks.assess import assess
from checks.policy import load_policy
from registry.db import session_factory
from registry.evidence import evidence_for, partition, screening_batch
from registry.settings import get_settings
from tests.conftest import sqlite_all_postgresql_one

AS_OF = dt.date(2026, 6, 30)
PROGRAMS = ("model_unit", "seven_day_return")

_spec = importlib.util.spec_from_file_location(
    "evidence_path_cases", Path(__file__).with_name("test_evidence_paths.py")
)
_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_cases)
populate = _cases.populate  # edge-dated records of every kind, shared with the single ≡ batch tests


def reference(session, uscc, as_of, program, policy):
    a = assess(evidence_for(session, uscc, as_of, program, policy), policy)
    ev = a.evidence
    reg = ev.registration
    return (
        uscc,
        reg.region_code if reg else "",
        reg.industry_code if reg else "",
        a.verdict.value,
        a.score,
        a.bonus,
        tuple(a.ids_with("veto")),
        tuple(a.ids_with("fail")),
        tuple(a.ids_with("missing")),
    )


def agree_everywhere(session, as_of, chunk_size):
    statuses = set()
    for program in PROGRAMS:
        policy = load_policy(program)
        fast = [
            tuple(s) for chunk in screening_batch(session, as_of, program, policy, chunk_size=chunk_size) for s in chunk
        ]
        assert fast
        for row in fast:
            assert row == reference(session, row[0], as_of, program, policy), row[0]
            statuses.update((row[3], *row[6], *row[7], *row[8]))
    return statuses


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_screening_agrees_with_assess_on_every_edge_case_business(registry_session, seed):
    populate(registry_session, seed, 150)
    registry_session.commit()
    seen = agree_everywhere(registry_session, AS_OF, chunk_size=23)
    # the cases reach every verdict and the checks that depend on sparse records
    assert {"eligible", "ineligible", "pending", "V1", "V4", "V5", "V7", "compliance.penalties"} <= seen
    assert {"V8", "V9", "inspection.deductions", "mystery_shop.refused_returns", "bonus.satisfaction"} <= seen


@pytest.mark.parametrize("seed", sqlite_all_postgresql_one([3, 8, 13], 8))
def test_screening_agrees_with_assess_on_every_business_of_a_generated_province(generate, cli, seed):
    folder = generate(businesses=600, seed=seed, name=f"province{seed}")
    assert cli("ingest", folder).code == 0
    with session_factory(get_settings().db_url)() as session:
        for as_of in (AS_OF, AS_OF - dt.timedelta(days=200)):
            seen = agree_everywhere(session, as_of, chunk_size=97)
            assert {"ineligible", "V3", "V4", "compliance.penalties", "complaints.reconciliation"} <= seen


def test_screening_ranges_and_regions_cover_exactly_their_businesses(registry_session):
    usccs = populate(registry_session, 5, 90)
    registry_session.commit()
    policy = load_policy("model_unit")
    wuhan = [
        s.uscc
        for c in screening_batch(registry_session, AS_OF, "model_unit", policy, region_prefix="4201", chunk_size=8)
        for s in c
    ]
    assert wuhan == [u for u in usccs if u[2:6] == "4201"] and wuhan
    parts = [
        [
            s.uscc
            for c in screening_batch(registry_session, AS_OF, "model_unit", policy, after=a, upto=b, chunk_size=7)
            for s in c
        ]
        for a, b in partition(registry_session, 4)
    ]
    assert [u for part in parts for u in part] == usccs
