"""Field and consumer evaluation of the synthetic province: inspections, mystery shops, ratings.

Drawn from their own stream (`Random(f"{seed}:field")`), so adding them shifts none of the
older kinds' rows. Per applicant and programme, one on-site inspection 5-40 days after
submission with every item of the programme's checklist in force (a few fail); per
applicant, a mystery-shop visit or two after submission (return requests at seven-day-return
stores, about 6 % of them refused within the committed period); per business, consumer ratings whose
stars fall as its expected complaint count rises.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Mapping

from checks.inspections import checklist_dates
from checks.policy import PROGRAMS, load_policy
from registry.synth import mix as M
from registry.synth.mix import pick, poisson

SCENARIOS = ("return_request", "price_display", "complaint_handling", "other")
RATING_CHANNELS = ("platform315", "qr", "survey", "other")
GOOD = ("服务热情，购物放心。", "价格明码标价，很满意。", "退换货很方便。", None)
BAD = ("退货推诿，态度不好。", "价签与结账价格不一致。", "投诉后迟迟没有回复。")


class Field:
    """Emits the field records of one business at a time, from its own random stream."""

    def __init__(self, seed: int, as_of: dt.date, today: int, iso: list[str], emit: Mapping[str, Callable]):
        self.rng = random.Random(f"{seed}:field")
        self.seed, self.today, self.iso = seed, today, iso
        self.emit_inspection, self.emit_shop, self.emit_rating = (
            emit["inspections"],
            emit["mystery_shops"],
            emit["ratings"],
        )
        self.checklists: dict[str, list[str]] = {}
        for program in PROGRAMS:
            dated = [ids for since, ids in checklist_dates(load_policy(program).parameters) if since <= as_of]
            self.checklists[program] = sorted(dated[-1]) if dated else []
        self.seq = {"inspections": 0, "mystery_shops": 0, "ratings": 0}

    def _id(self, kind: str, prefix: str) -> str:
        self.seq[kind] += 1
        return f"{prefix}-{self.seed}-{self.seq[kind]:08d}"

    def applicant(self, uscc: str, program: str, submitted: int) -> None:
        r = self.rng.random
        day = submitted + 5 + int(36 * r())
        items = self.checklists[program]
        if day <= self.today and items:
            results = {i: {"result": "fail" if r() < 0.04 else "pass", "note": ""} for i in items}
            conclusion = "fail" if any(v["result"] == "fail" for v in results.values()) else "pass"
            inspection_id = self._id("inspections", "YS")
            photos = [hashlib.sha256(f"{inspection_id}:{n}".encode()).hexdigest() for n in range(int(3 * r()))]
            inspector = f"county{uscc[2:8]}"
            self.emit_inspection((inspection_id, uscc, program, self.iso[day], inspector, results, conclusion, photos))
        returns = program == "seven_day_return"
        for _ in range(1 + (r() < 0.3)):
            visit = submitted + 1 + int((self.today - submitted) * r())
            if visit > self.today:
                continue
            scenario = "return_request" if returns and r() < 0.7 else pick(SCENARIOS[1:], r())
            if scenario == "return_request":
                refused = r() < 0.06
                outcome = "refused" if refused else "accepted"
                within = True if refused or r() < 0.9 else False
            else:
                outcome, within = ("accepted" if r() < 0.9 else "partial"), None
            code = f"V{int(900 * r()) + 100:03d}"
            self.emit_shop(
                (self._id("mystery_shops", "AF"), uscc, self.iso[visit], code, scenario, outcome, within, None)
            )

    def business(self, uscc: str, est: int, complaints_expected: float) -> None:
        r = self.rng.random
        n = poisson(self.rng, 0.6)
        low = min(0.8, 0.08 + complaints_expected / 25)  # more complaints, more low ratings
        lo = max(est, self.today - M.COMPLAINT_WINDOW + 1)
        for _ in range(n):
            day = lo + int((self.today - lo + 1) * r())
            if r() < low:
                stars, text = 1 + int(2 * r()), pick(BAD, r())
            else:
                stars, text = 4 + int(2 * r()), pick(GOOD, r())
            self.emit_rating((self._id("ratings", "PJ"), uscc, self.iso[day], stars, pick(RATING_CHANNELS, r()), text))
