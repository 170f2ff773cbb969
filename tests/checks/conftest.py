"""Fixtures for the checks: the shipped policies and an evidence factory."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # lets test modules import checks_factories

from checks_factories import AS_OF, FULL_COMMITMENTS, USCC, registration  # noqa: E402

from checks.evidence import ApplicationRow, ClassRow, build_evidence  # noqa: E402
from checks.policy import load_policy  # noqa: E402

_DEFAULT = object()


@pytest.fixture(scope="session")
def policies():
    return {p: load_policy(p) for p in ("model_unit", "seven_day_return")}


@pytest.fixture
def make_evidence(policies):
    """Evidence of a clean business (every item earned) with the given facts replaced."""

    def make(
        program: str = "model_unit",
        *,
        uscc: str = USCC,
        registration_row=_DEFAULT,
        penalties=(),
        complaints=None,
        listings=(),
        classes=_DEFAULT,
        commitments=_DEFAULT,
        application=_DEFAULT,
        as_of: dt.date = AS_OF,
        policy=None,
        **kwargs,
    ):
        reg = registration(uscc) if registration_row is _DEFAULT else registration_row
        if classes is _DEFAULT:
            classes = [ClassRow("A", dt.date(2026, 6, 1))]
        if application is _DEFAULT:
            application = ApplicationRow(
                program, "online", dt.date(2026, 6, 1), FULL_COMMITMENTS if commitments is _DEFAULT else commitments
            )
        return build_evidence(
            uscc,
            reg,
            penalties,
            complaints,
            listings,
            classes,
            application,
            as_of,
            policy or policies[program],
            **kwargs,
        )

    return make
