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
