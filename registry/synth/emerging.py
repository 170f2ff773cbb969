"""An emerging problem injected into a synthetic province (`assured generate --emerging TERM@YYYY-MM`).

From the first day of the month to `as_of`, some businesses of a few industries
draw extra complaints that name TERM, at a rate rising linearly from nothing to,
on `as_of`, as many again as the industries' usual complaint volume; so the risk scan
has a known answer. The industries (three, fixed by TERM) and everything else
come from a stream of their own, so the rest of the province is the same
with or without the injection; the extra complaints' ids carry an `E`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zlib
from dataclasses import dataclass

from checks.errors import AssuredError, Kind
from registry.synth import mix as M
from registry.synth import tables as T
from registry.synth.mix import pick, poisson

INVOLVED = 0.3  # share of an affected industry's businesses caught up in the problem
PEAK = 1.0 / INVOLVED  # extra complaints of an involved business on as_of, per unit of its usual daily rate
TEMPLATES = (
    "{who}于{day}在该{place}{verb}{product}时遭遇{term}，{demand}。",
    "{who}反映该{place}存在{term}问题，涉及{product}，{demand}。",
    "{who}称{verb}{product}后被{term}，商家拒不处理，{demand}。",
    "{term}：{who}在该{place}{verb}{product}后发现上当，{demand}。",
    "{who}于{day}投诉该{place}以{product}为名{term}，{demand}。",
)
_TERM = re.compile("[\u4e00-\u9fff]{2,12}")


class EmergingError(AssuredError, ValueError):
    kind = Kind.bad_input


@dataclass(frozen=True)
class Emerging:
    term: str
    start: dt.date

    @classmethod
    def parse(cls, spec: str, as_of: dt.date) -> Emerging:
        term, _, month = spec.partition("@")
        if not _TERM.fullmatch(term):
            raise EmergingError(f"emerging: {spec!r} needs TERM of 2-12 Chinese characters before '@'")
        try:
            start = dt.date.fromisoformat(month + "-01")
        except ValueError:
            raise EmergingError(f"emerging: {spec!r} needs a month YYYY-MM after '@'") from None
        if start > as_of or (as_of - start).days > M.COMPLAINT_WINDOW:
            raise EmergingError(f"emerging: month {month} must fall within the two years up to as_of {as_of}")
        return cls(term, start)

    def industries(self) -> tuple[str, ...]:
        """The three industries (GB/T 4754 codes) the problem hits, fixed by the term."""
        rng = random.Random(zlib.crc32(self.term.encode()))
        return tuple(sorted(i.code for i in rng.sample(T.INDUSTRIES, 3)))


class Injector:
    """Adds one emerging problem's complaints to the businesses of a `Province`, one at a time."""

    def __init__(self, emerging: Emerging, seed: int, province):
        self.term, self.province = emerging.term, province
        self.rng = random.Random(f"{seed}/{emerging.term}")
        self.codes = frozenset(emerging.industries())
        self.first = (emerging.start - M.EPOCH).days
        self.seq = 0

    def __call__(self, uscc: str, county: str, industry: T.Industry, est: int, lam: float) -> None:
        if industry.code not in self.codes:
            return
        r, p = self.rng.random, self.province
        if r() >= INVOLVED:
            return
        first, today = max(self.first, est), p.today
        if first > today:
            return
        span = today - self.first + 1
        daily = PEAK * lam / M.COMPLAINT_WINDOW  # on as_of; rising linearly from the start of the month
        # Expected count over [first, today] of a rate growing as (d - start + 1) / span.
        lo, hi = first - self.first + 1, today - self.first + 1
        expected = daily * (hi * (hi + 1) - (lo - 1) * lo) / (2 * span)
        categories = M.CATEGORY[industry.code]
        place = "平台店铺" if industry.code == "F5292" else "店"
        verb = "购买" if industry.code[0] == "F" else ("消费" if industry.code[0] == "H" else "办理")
        for _ in range(poisson(self.rng, expected)):
            d = first - 1
            while d < first:  # density rising linearly from the start: the square root of a uniform draw
                d = self.first + int(span * r() ** 0.5)
            category = categories(r())
            text = pick(TEMPLATES, r()).format(
                who="消费者",
                day=p.cn_day[d - p.cn_offset],
                place=place,
                verb=verb,
                product=pick(industry.products, r()),
                term=self.term,
                demand=pick(T.DEMANDS[category], r()),
            )
            closed = d + 3 + int(10 * r())
            status = "reconciled" if closed <= today else "open"
            amount = float(round(industry.amount * pick(M.AMOUNT_SPREAD, r())))
            self.seq += 1
            p.emit_complaint(
                (
                    f"{county}{p.compact[d]}E{self.seq:08d}",
                    uscc,
                    "complaint",
                    "12315",
                    p.iso[d],
                    category,
                    status,
                    p.iso[closed] if status == "reconciled" else None,
                    amount,
                    amount if status == "reconciled" else 0.0,
                    text,
                )
            )
