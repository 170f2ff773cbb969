"""`evidence_batch(usccs=...)`: the evidence of a chosen set of businesses (the recheck's
certified ones), chunked, equal to `evidence_for` for each and nothing else."""

from __future__ import annotations

import random

from checks.policy import load_policy
from registry.evidence import evidence_batch, evidence_for
from tests.registry.test_evidence_paths import AS_OF, PROGRAMS, populate


def test_a_chosen_set_gets_exactly_its_evidence_in_uscc_order(registry_session):
    usccs = populate(registry_session, 7, 150)
    registry_session.commit()
    chosen = random.Random(7).sample(usccs, 41) + ["91420100MA0000000X"]  # one not registered
    for program in PROGRAMS:
        policy = load_policy(program)
        batch = list(evidence_batch(registry_session, AS_OF, program, policy, usccs=chosen + chosen[:5], chunk_size=9))
        assert [e.uscc for e in batch] == sorted(set(chosen) - {"91420100MA0000000X"})
        for ev in batch:
            assert ev == evidence_for(registry_session, ev.uscc, AS_OF, program, policy), ev.uscc


def test_pinned_applications_give_each_business_the_evidence_of_that_application(registry_session):
    """`applications=` pins each business's application (here the earliest of several, and
    some dated after the as-of date), as `evidence_for(application_id=...)` does."""
    from sqlalchemy import select

    from registry.workflow_models import Application

    populate(registry_session, 8, 150)
    registry_session.commit()
    for program in PROGRAMS:
        earliest: dict[str, int] = {}
        rows = registry_session.execute(
            select(Application.uscc, Application.id)
            .where(Application.program == program)
            .order_by(Application.submitted_on.desc(), Application.id.desc())
        )
        for uscc, app_id in rows:
            earliest[uscc] = app_id  # the last written is the earliest
        policy = load_policy(program)
        batch = list(
            evidence_batch(registry_session, AS_OF, program, policy, usccs=list(earliest), applications=earliest)
        )
        assert [e.uscc for e in batch] == sorted(earliest)
        differs = 0
        for ev in batch:
            pinned = evidence_for(registry_session, ev.uscc, AS_OF, program, policy, application_id=earliest[ev.uscc])
            assert ev == pinned, ev.uscc
            differs += ev != evidence_for(registry_session, ev.uscc, AS_OF, program, policy)
        assert differs  # some businesses' latest application is another one: the pin is what chose
