"""Test data for the checks: a clean business on a fixed as-of date, changed one fact at a time."""

from __future__ import annotations

import datetime as dt

from checks.evidence import RegistrationRow
from checks.uscc import make_uscc

AS_OF = dt.date(2026, 6, 30)
USCC = make_uscc("420100", "00012345")
INDIVIDUAL = make_uscc("420100", "00054321", entity="2")
FULL_COMMITMENTS = {
    "return_days": 7,
    "return_scope": "all goods except food",
    "displayed": True,
    "advance_compensation": True,
    "first_inquiry_responsibility": True,
    "service_station": True,
}


def days_ago(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


def registration(uscc: str = USCC, **changes) -> RegistrationRow:
    base = RegistrationRow(
        uscc,
        "武汉放心商店",
        "individual" if uscc[1] == "2" else "enterprise",
        "active",
        dt.date(2018, 3, 1),
        "420100",
        "F5211",
        dt.date(2024, 1, 1),
    )
    return base._replace(**changes)
