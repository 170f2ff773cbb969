"""The province's mix: calibration targets, shares, rates and the draws that use them.

Every number that shapes the synthetic province lives here (the words live in
`tables`); `province` only draws from these in a fixed order.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Sequence
from statistics import NormalDist
from typing import Generic, TypeVar

from registry.synth import tables as T

# Calibration targets (the reference figures in docs/domain.md and the volumes of a Hubei-sized province).
ODR_RECONCILIATION = 0.9278  # 31,844 / 34,321 on the Hubei 315 platform, 1-10/2023
COMPLAINTS_PER_BUSINESS = 3.0  # rows of complaints.jsonl (all kinds) per business
PENALTIES_PER_BUSINESS = 0.3
LISTINGS_PER_BUSINESS = 0.2
APPLICATION_SHARE = 0.02

EPOCH = dt.date(1990, 1, 1)
FIRST_ESTABLISHED = dt.date(1995, 1, 1)
USCC_ERA = dt.date(2015, 10, 1)  # codes issued after this carry an `MA` organisation body
ODR_START = dt.date(2019, 6, 1)
FIRST_DAY, USCC_ERA_DAY = (FIRST_ESTABLISHED - EPOCH).days, (USCC_ERA - EPOCH).days
COMPLAINT_WINDOW = 730  # complaints are received within 2 years before as_of
PENALTY_WINDOW = 5 * 365
LISTING_WINDOW = 6 * 365

Item = TypeVar("Item")


class Choice(Generic[Item]):
    """Weighted pick from `(item, weight)` pairs given one uniform draw in [0, 1)."""

    __slots__ = ("items", "shares", "cum")

    def __init__(self, pairs: Sequence[tuple[Item, float]]):
        self.items = [p[0] for p in pairs]
        total = sum(p[1] for p in pairs)
        self.shares = [p[1] / total for p in pairs]
        self.cum, acc = [], 0.0
        for share in self.shares[:-1]:
            acc += share
            self.cum.append(acc)

    def __call__(self, u: float) -> Item:
        return self.items[bisect(self.cum, u)]


ENTITY = Choice([("enterprise", 35), ("individual", 62), ("cooperative", 3)])
ENTITY_CODE = {"enterprise": "1", "individual": "2", "cooperative": "3"}
# Business size: log-normal (mu, sigma) per entity type; drives complaint volume and ODR enrolment.
SIZE = {"enterprise": (0.3, 1.15), "individual": (-0.5, 0.9), "cooperative": (-1.0, 0.8)}
ODR_RATE = {"enterprise": 0.09, "individual": 0.012, "cooperative": 0.005}
STATUS = Choice([("active", 90), ("suspended", 2), ("revoked", 3), ("deregistered", 5)])
# Risk tier: (penalty/listing multiplier, credit class A-D, credit list, propensity to apply for a title).
# Multipliers and propensities average 1 over the tiers' shares (80/15/5).
TIERS = Choice(
    [
        (
            (
                0.5,
                Choice([("A", 75), ("B", 22), ("C", 3)]),
                Choice([("abnormal_operations", 94), ("complaint_blacklist", 5.5), ("serious_dishonest", 0.5)]),
                1.15,
            ),
            80,
        ),
        (
            (
                2.0,
                Choice([("A", 30), ("B", 50), ("C", 17), ("D", 3)]),
                Choice([("abnormal_operations", 88), ("complaint_blacklist", 9), ("serious_dishonest", 3)]),
                0.5,
            ),
            15,
        ),
        (
            (
                6.0,
                Choice([("A", 5), ("B", 30), ("C", 40), ("D", 25)]),
                Choice([("abnormal_operations", 78), ("complaint_blacklist", 10), ("serious_dishonest", 12)]),
                0.1,
            ),
            5,
        ),
    ]
)
CLASSES = "ABCD"
INDUSTRY = Choice([(i, i.weight) for i in T.INDUSTRIES])
COUNTY = Choice(
    [
        ((city, code, name), weight * T.COUNTY_WEIGHT.get(code, 1.0) / len(counties))
        for city, (_, _, weight, counties) in T.CITIES.items()
        for code, name in counties
    ]
)
FIRM_SUFFIX = Choice(T.FIRM_SUFFIX)

KIND = Choice([("complaint", 70), ("report", 8), ("consultation", 22)])
CHANNEL_ODR = Choice([("odr", 60), ("platform315", 25), ("12315", 10), ("hotline", 5)])
CHANNEL_PLAIN = Choice([("12315", 65), ("hotline", 25), ("platform315", 10)])
# Outcome of an accepted complaint that is not reconciled (和解): shares of the remainder.
UNRECONCILED_ODR = Choice([("terminated", 40), ("mediated", 35), ("mediation_failed", 20), ("open", 5)])
UNRECONCILED_PLAIN = Choice([("mediated", 45), ("terminated", 30), ("mediation_failed", 17), ("open", 8)])
PLAIN_RECONCILIATION = 0.55
NOT_ACCEPTED = {True: 0.03, False: 0.08}
# Days from receipt to closing, by status: (minimum, spread) of min + spread * u**2.
CLOSING = {
    "reconciled": (1, 12),
    "mediated": (5, 40),
    "mediation_failed": (30, 40),
    "terminated": (2, 30),
    "not_accepted": (1, 7),
}

PENALTY_GENERAL = Choice(
    [
        (("fine",), 40),
        (("fine", "confiscation"), 25),
        (("warning",), 8),
        (("warning", "fine"), 8),
        (("warning", "confiscation"), 3),
        (("public_criticism",), 3),
        (("fine", "confiscation", "suspension"), 2),
        (("fine", "license_revocation"), 1),
        (("fine", "confiscation", "license_revocation", "employment_ban"), 0.5),
    ]
)
SEVERE = frozenset({"suspension", "license_revocation", "employment_ban"})
REMOVAL = {
    "abnormal_operations": (0.65, 20, 600),
    "serious_dishonest": (0.25, 365, 700),
    "complaint_blacklist": (0.55, 15, 200),
}
LIST_REASON = {k: Choice(v) for k, v in T.LISTING_REASONS.items()}
CLASS_COUNT = Choice([(1, 40), (2, 30), (3, 20), (4, 10)])
RETURN_DAYS = Choice([(7, 55), (15, 15), (30, 12), (60, 3), (3, 8), (5, 7)])  # 3 and 5 are below the bar
PROGRAMS_STORE = Choice([(("model_unit",), 45), (("seven_day_return",), 40), (("model_unit", "seven_day_return"), 15)])
# Disputed amounts spread log-normally (sigma 0.9) around an industry's typical amount: 1024 quantiles.
AMOUNT_SPREAD = tuple(math.exp(0.9 * NormalDist().inv_cdf((k + 0.5) / 1024)) for k in range(1024))


def _normaliser(factor: str, by_size: bool) -> float:
    """Mean of (size x) industry factor over the entity and industry mix, so volumes average out."""
    mean_factor = sum(s * getattr(i, factor) for i, s in zip(INDUSTRY.items, INDUSTRY.shares))
    out = 0.0
    for entity, share in zip(ENTITY.items, ENTITY.shares):
        f = getattr(T.COOPERATIVES[0], factor) if entity == "cooperative" else mean_factor
        mu, sigma = SIZE[entity]
        out += share * f * (math.exp(mu + sigma**2 / 2) if by_size else 1.0)  # log-normal mean
    return out


CATEGORY = {i.code: Choice(i.categories) for i in (*T.INDUSTRIES, *T.COOPERATIVES)}
# Where elevators, boilers and pressure vessels make special-equipment penalties likely.
SPECIAL_EQUIPMENT_USERS = frozenset({"H6110", "H6121", "F5211", "F5212"})
NAME_PREFIX = {
    city: name[:-1] if name.endswith("市") else {"422800": "恩施", "429021": "神农架"}[city]
    for city, (name, *_rest) in T.CITIES.items()
}
COMPLAINT_NORM = _normaliser("complaint_factor", by_size=True)
PENALTY_NORM = _normaliser("penalty_factor", by_size=False)


def pick(seq: Sequence, u: float):
    return seq[int(u * len(seq))]


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
