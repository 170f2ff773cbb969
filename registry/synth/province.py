"""Businesses and their records, one business at a time (nothing kept across businesses).

`Province(seed, as_of, emit).business(i)` hands each record of business `i`
to `emit[kind]` as a tuple in the field order of `FIELDS[kind]`; `rows()`
yields the same records as `(kind, values)`. One `random.Random(seed)` stream
drives every draw in a fixed order, so the same seed and date give the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial

from checks.uscc import ALPHABET, make_uscc
from registry.synth import mix as M
from registry.synth import tables as T
from registry.synth.emerging import Emerging, Injector
from registry.synth.field import Field
from registry.synth.mix import Choice, pick, poisson

FIELDS: dict[str, tuple[str, ...]] = {
    "registrations": (
        "uscc",
        "name",
        "entity_type",
        "status",
        "established_on",
        "region_code",
        "industry_code",
        "address",
        "legal_representative",
        "contact_email",
        "odr_enrolled_on",
    ),
    "penalties": (
        "decision_no",
        "uscc",
        "decided_on",
        "authority",
        "procedure",
        "kinds",
        "fine_yuan",
        "category",
        "violation",
        "repaired_on",
        "revoked_on",
    ),
    "complaints": (
        "complaint_id",
        "uscc",
        "kind",
        "channel",
        "received_on",
        "category",
        "status",
        "closed_on",
        "amount_yuan",
        "recovered_yuan",
        "text",
    ),
    "credit_listings": ("uscc", "list", "listed_on", "removed_on", "reason"),
    "credit_classes": ("uscc", "risk_class", "classified_on"),
    "applications": ("uscc", "program", "channel", "submitted_on", "store_name", "contact_email", "commitments"),
    "inspections": ("inspection_id", "uscc", "program", "inspected_on", "inspector", "items", "conclusion", "photos"),
    "mystery_shops": ("shop_id", "uscc", "visited_on", "shopper", "scenario", "outcome", "within_commitment", "note"),
    "ratings": ("rating_id", "uscc", "rated_on", "stars", "channel", "text"),
}

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(region: str, birth: dt.date, seq: int) -> str:
    """An 18-character resident ID number (GB 11643) with its ISO 7064 check character."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


# Establishment dates: age = (today - FIRST_DAY) * u**p; enterprises are older than the rest.
AGE_SHAPE = {"enterprise": 1.4, "individual": 2.0, "cooperative": 2.0}


class Province:
    """A Hubei-like province for `seed`, as it stands on `as_of`."""

    def __init__(
        self,
        seed: int,
        as_of: dt.date,
        emit: Mapping[str, Callable[[tuple], object]],
        emerging: Sequence[Emerging] = (),
    ):
        self.rng = rng = random.Random(seed)
        self.emit_registration, self.emit_penalty, self.emit_complaint = (
            emit["registrations"],
            emit["penalties"],
            emit["complaints"],
        )
        self.emit_listing, self.emit_class, self.emit_application = (
            emit["credit_listings"],
            emit["credit_classes"],
            emit["applications"],
        )
        self.today = (as_of - M.EPOCH).days
        # Ages are T*u**p (u uniform): the mean of min(1, age/W) is 1 - c*p/(p+1), c = (W/T)**(1/p).
        span = max(self.today - M.FIRST_DAY, M.COMPLAINT_WINDOW)
        self.mean_active = {e: 1 - (M.COMPLAINT_WINDOW / span) ** (1 / p) * p / (p + 1) for e, p in AGE_SHAPE.items()}
        end = self.today + 1
        self.iso = [(M.EPOCH + dt.timedelta(d)).isoformat() for d in range(end)]
        self.compact = [d.replace("-", "") for d in self.iso]
        self.cn_day = [
            f"{(M.EPOCH + dt.timedelta(d)).month}月{(M.EPOCH + dt.timedelta(d)).day}日"
            for d in range(end - M.COMPLAINT_WINDOW - 40, end)
        ]
        self.cn_offset = end - M.COMPLAINT_WINDOW - 40
        self.month_starts = []  # first days of the last 12 months, newest first
        year, month = as_of.year, as_of.month
        for _ in range(12):
            self.month_starts.append((dt.date(year, month, 1) - M.EPOCH).days)
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        # Bijective scrambles of the business counter into organisation bodies: codes are unique
        # without remembering them. Old bodies are 8 digits, new ones `MA` + 6 base-31 symbols.
        self.old_mul = rng.randrange(10**7, 10**8) | 1
        while self.old_mul % 5 == 0:
            self.old_mul += 2
        self.old_add = rng.randrange(10**8)
        self.new_mul = rng.randrange(31**5, 31**6)
        if self.new_mul % 31 == 0:
            self.new_mul += 1
        self.new_add = rng.randrange(31**6)
        self.decision_seq: dict[str, int] = {}
        self.complaint_seq = 0
        self.injectors = [Injector(e, seed, self) for e in emerging]
        self.field = Field(seed, as_of, self.today, self.iso, emit)

    # ---- one business -------------------------------------------------------------------------

    def business(self, i: int) -> None:
        rng, r = self.rng, self.rng.random
        today = self.today
        entity = M.ENTITY(r())
        city, county, county_name = M.COUNTY(r())
        city_name = T.CITIES[city][0]
        industry = pick(T.COOPERATIVES, r()) if entity == "cooperative" else M.INDUSTRY(r())
        mu, sigma = M.SIZE[entity]
        size = math.exp(mu + sigma * rng.gauss(0.0, 1.0))
        tier_mult, class_choice, list_choice, propensity = M.TIERS(r())
        est = today - int((today - M.FIRST_DAY) * r() ** AGE_SHAPE[entity])
        status = M.STATUS(r()) if today - est > 365 else "active"
        body = self._body(i, est < M.USCC_ERA_DAY and entity == "enterprise")
        region = city if entity == "enterprise" and r() < 0.4 and city != county else county
        uscc = make_uscc(region, body, "9", M.ENTITY_CODE[entity])
        name = self._name(entity, industry, city, county_name)
        place = county_name if city == county else city_name + county_name
        address = f"湖北省{place}{self._street()}"
        rep = self._person()
        email = f"shop{i + 1}@example.cn"
        odr = None
        if r() < M.ODR_RATE[entity] * (1.6 if size > math.exp(mu) else 0.4):
            lo, hi = max(est + 30, (M.ODR_START - M.EPOCH).days), today - 7
            if lo < hi:
                odr = lo + int((hi - lo) * r() ** 1.5)
        self.emit_registration(
            (
                uscc,
                name,
                entity,
                status,
                self.iso[est],
                county,
                industry.code,
                address,
                rep,
                email,
                None if odr is None else self.iso[odr],
            )
        )
        n = poisson(rng, M.PENALTIES_PER_BUSINESS * tier_mult * industry.penalty_factor / M.PENALTY_NORM)
        revocation = status == "revoked" and r() < 0.35  # some revoked businesses lost their licence by decision
        for k in range(n + revocation):
            self.emit_penalty(
                self._penalty(
                    uscc, entity, industry, est, tier_mult, city, county, county_name, status, revocation and k == n
                )
            )
        # A business younger than the complaint window has had only that part of it to draw complaints;
        # dividing by the mix's mean share keeps the province's volume on target.
        active = min(1.0, (today - est + 1) / M.COMPLAINT_WINDOW) / self.mean_active[entity]
        lam = min(5000.0, M.COMPLAINTS_PER_BUSINESS * size * industry.complaint_factor / M.COMPLAINT_NORM * active)
        if n := poisson(rng, lam):
            self._complaints(n, uscc, county, industry, est, odr)
        for inject in self.injectors:
            inject(uscc, county, industry, est, lam)
        self._listings(uscc, est, tier_mult, list_choice)
        self._classes(uscc, est, class_choice)
        if r() < M.APPLICATION_SHARE * propensity * (1.04 if status == "active" else 0.25):
            self._applications(uscc, name, entity, industry, email)
        self.field.business(uscc, est, lam)

    def _body(self, i: int, old: bool) -> str:
        if old:
            return f"{(self.old_mul * i + self.old_add) % 10**8:08d}"
        v = (self.new_mul * i + self.new_add) % 31**6
        out = []
        for _ in range(6):
            v, d = divmod(v, 31)
            out.append(ALPHABET[d])
        return "MA" + "".join(out)

    def _name(self, entity: str, industry: T.Industry, city: str, county_name: str) -> str:
        r = self.rng.random
        brand = pick(T.BRAND_FIRST, r()) + pick(T.BRAND_SECOND, r())
        if entity == "enterprise":
            prefix = "湖北" if r() < 0.3 else M.NAME_PREFIX[city]
            return f"{prefix}{brand}{pick(industry.firm_words, r())}{M.FIRM_SUFFIX(r())}"
        if entity == "cooperative":
            return f"{county_name}{brand}{pick(industry.products, r())}专业合作社"
        if r() < 0.25:
            brand = pick(T.SHOP_PREFIX, r()) + pick(T.SURNAMES, r())
        return f"{county_name}{brand}{pick(industry.shop_words, r())}"

    def _street(self) -> str:
        r = self.rng.random
        unit = pick(T.UNIT_FORMS, r()).format(
            n=1 + int(r() * 888), b=1 + int(r() * 12), u=1 + int(r() * 60), f=1 + int(r() * 5)
        )
        return pick(T.ROADS, r()) + unit

    def _person(self) -> str:
        r = self.rng.random
        given = pick(T.GIVEN, r()) + (pick(T.GIVEN, r()) if r() < 0.7 else "")
        return pick(T.SURNAMES, r()) + given

    # ---- records of one business ----------------------------------------------------------------

    def _penalty(
        self,
        uscc: str,
        entity: str,
        industry: T.Industry,
        est: int,
        tier_mult: float,
        city: str,
        county: str,
        county_name: str,
        status: str,
        revocation: bool,
    ) -> tuple:
        r = self.rng.random
        today = self.today
        lo = max(est, today - M.PENALTY_WINDOW)
        decided = lo + int((today - lo + 1) * r())
        org = entity != "individual"
        simple = not revocation and r() < 0.2
        if simple:  # on-the-spot decisions: a warning, or at most 200 yuan (person) / 3,000 yuan (organisation)
            kinds: tuple[str, ...] = ("warning",) if r() < 0.5 else ("fine",)
            amounts = (500, 1000, 2000, 3000) if org else (50, 100, 200)
            fine = 0.0 if kinds == ("warning",) else float(pick(amounts, r()))
        else:
            kinds = M.PENALTY_GENERAL(r())
            while tier_mult < 1 and M.SEVERE.intersection(kinds) and r() < 0.7:
                kinds = M.PENALTY_GENERAL(r())  # severe penalties cluster on high-risk businesses
            if revocation:
                kinds = ("fine", "license_revocation")
            elif "license_revocation" in kinds and status != "revoked":  # still registered: suspended instead
                kinds = tuple("suspension" if k == "license_revocation" else k for k in kinds)
            fine = self._fine(org) if "fine" in kinds else 0.0
        u = r()
        if industry.code in M.SPECIAL_EQUIPMENT_USERS and u < 0.1:
            category = "special_equipment"
        elif industry.penalty_category != "general" and u < 0.75:
            category = industry.penalty_category
        else:
            category = "special_equipment" if u > 0.98 else "general"
        act, law = pick(T.VIOLATIONS[category], r())
        city_name, city_short, _, _ = T.CITIES[city]
        if r() < 0.15 and city != county:
            authority, abbr = f"{city_name}市场监督管理局", city_short
        else:
            authority = f"{county_name}市场监督管理局" if city == county else f"{city_name}{county_name}市场监督管理局"
            abbr = city_short + county_name[:2] if city != county else county_name[:2]
        year = self.iso[decided][:4]
        key = f"鄂{abbr}市监{'当罚' if simple else '处罚'}〔{year}〕"
        seq = self.decision_seq[key] = self.decision_seq.get(key, 0) + 1
        repaired = revoked = None
        if not simple and not revocation:
            if r() < 0.02:
                d = decided + 30 + int(150 * r())
                revoked = self.iso[d] if d <= today else None
            elif not M.SEVERE.intersection(kinds) and r() < 0.25:
                d = decided + (365 if category != "general" else 180) + int(300 * r())
                repaired = self.iso[d] if d <= today else None
        return (
            f"{key}{seq}号",
            uscc,
            self.iso[decided],
            authority,
            "simple" if simple else "general",
            list(kinds),
            fine,
            category,
            f"{act}（依据{law}）",
            repaired,
            revoked,
        )

    def _fine(self, org: bool) -> float:
        r = self.rng.random
        if org:
            lo, hi, step = (2_000, 90_000, 100) if r() < 0.85 else (100_000, 1_500_000, 1000)
        else:
            lo, hi, step = (500, 9_500, 100) if r() < 0.88 else (10_000, 150_000, 1000)
        return float(round(lo * (hi / lo) ** r() / step) * step)

    def _complaints(self, n: int, uscc: str, county: str, industry: T.Industry, est: int, odr: int | None) -> None:
        r = self.rng.random
        today, iso = self.today, self.iso
        lo = max(est, today - M.COMPLAINT_WINDOW + 1)
        span = today - lo + 1
        # Each enrolled business has its own rate around the platform figure; they average to it.
        rate_odr = M.ODR_RECONCILIATION + (r() - 0.5) * 0.06
        categories = M.CATEGORY[industry.code]
        place = "平台店铺" if industry.code == "F5292" else "店"
        verb = "购买" if industry.code[0] == "F" else ("消费" if industry.code[0] == "H" else "办理")
        for _ in range(n):
            received = lo + int(span * r())
            kind = M.KIND(r())
            enrolled = odr is not None and received >= odr
            channel = (M.CHANNEL_ODR if enrolled else M.CHANNEL_PLAIN)(r())
            category = categories(r())
            amount = recovered = 0.0
            if kind == "consultation":
                status, closed = "terminated", min(today, received + (r() < 0.3))
                text = f"消费者咨询{pick(T.CONSULT_TOPICS, r())}。"
                category = "咨询"
            else:
                if r() < M.NOT_ACCEPTED[enrolled]:
                    status = "not_accepted"
                elif r() < (rate_odr if enrolled else M.PLAIN_RECONCILIATION):
                    status = "reconciled"
                else:
                    status = (M.UNRECONCILED_ODR if enrolled else M.UNRECONCILED_PLAIN)(r())
                if status == "open":
                    closed = None
                else:
                    first, spread = M.CLOSING[status]
                    closed = received + first + int(spread * r() ** 2)
                    if closed > today:
                        # Still being handled on as_of, except outcomes already decided (and counted) by then.
                        if status in ("reconciled", "not_accepted"):
                            closed = today
                        else:
                            status, closed = "open", None
                amount = float(round(industry.amount * pick(M.AMOUNT_SPREAD, r())))
                if status == "reconciled":
                    recovered = amount if r() < 0.6 else round(amount * (0.3 + 0.6 * r()), 2)
                elif status == "mediated":
                    recovered = round(amount * (0.2 + 0.8 * r()), 2)
                text = self._text(kind, category, industry, place, verb, received, county)
            self.complaint_seq += 1
            self.emit_complaint(
                (
                    f"{county}{self.compact[received]}{self.complaint_seq:09d}",
                    uscc,
                    kind,
                    channel,
                    iso[received],
                    category,
                    status,
                    None if closed is None else iso[closed],
                    amount,
                    recovered,
                    text,
                )
            )

    def _text(
        self, kind: str, category: str, industry: T.Industry, place: str, verb: str, received: int, county: str
    ) -> str:
        """Complaint summary: who, when, what, the problem and the demand (some carry personal data)."""
        r = self.rng.random
        problem = pick(T.PROBLEMS[category], r())
        product = pick(industry.products, r())
        if kind == "report":
            return f"举报该{place}{verb}{product}时{problem}，要求监管部门依法查处。"
        who = "消费者"
        u = r()
        if u < 0.03:
            who = pick(T.SURNAMES, r()) + ("先生" if r() < 0.5 else "女士")
        day = self.cn_day[received - int(20 * r()) - self.cn_offset]
        text = f"{who}于{day}在该{place}{verb}的{product}{problem}，"
        u = r()
        if u < 0.02:
            text += f"联系电话1{3 + int(7 * r())}{int(1e9 * r()):09d}，"
        elif u < 0.03:
            birth = dt.date(1960, 1, 1) + dt.timedelta(int(r() * 15000))
            text += f"身份证号{id_number(county, birth, int(r() * 1000))}，"
        return text + pick(T.DEMANDS[category], r()) + "。"

    def _listings(self, uscc: str, est: int, tier_mult: float, list_choice: Choice) -> None:
        rng, r = self.rng, self.rng.random
        n = poisson(rng, M.LISTINGS_PER_BUSINESS * tier_mult)
        if not n:
            return
        today = self.today
        lo = max(est + 180, today - M.LISTING_WINDOW)
        if lo > today:
            return
        seen: set[tuple[str, int]] = set()
        for _ in range(n):
            which = list_choice(r())
            listed = lo + int((today - lo + 1) * r())
            if (which, listed) in seen:
                continue
            seen.add((which, listed))
            share, first, spread = M.REMOVAL[which]
            removed = None
            if r() < share:
                d = listed + first + int(spread * r())
                removed = self.iso[d] if d <= today else None
            self.emit_listing((uscc, which, self.iso[listed], removed, M.LIST_REASON[which](r())))

    def _classes(self, uscc: str, est: int, class_choice: Choice) -> None:
        r = self.rng.random
        k = M.CLASS_COUNT(r())
        months = [m for m in self.month_starts[:k] if m >= est - 31] or [max(est, self.month_starts[0])]
        cls = M.CLASSES.index(class_choice(r()))
        out = []
        for m in months:  # newest first, drifting back in time
            out.append((uscc, M.CLASSES[cls], self.iso[m]))
            if r() < 0.15:
                cls = min(3, max(0, cls + (1 if r() < 0.5 else -1)))
        for row in reversed(out):
            self.emit_class(row)

    def _applications(self, uscc: str, name: str, entity: str, industry: T.Industry, email: str) -> None:
        r = self.rng.random
        programs = M.PROGRAMS_STORE(r()) if industry.physical_store else ("model_unit",)
        for program in programs:
            channel = "online" if r() < 0.7 else "offline"
            submitted = self.today - int(120 * r())
            store = name
            if program == "seven_day_return" and entity == "enterprise":
                store = f"{name}{pick(T.ROADS, r())}店"
            returns = industry.physical_store
            commitments = {
                "return_days": M.RETURN_DAYS(r()) if returns else None,
                "return_scope": pick(T.RETURN_SCOPES, r()) if returns else None,
                "displayed": returns and r() < 0.9,
                "advance_compensation": r() < 0.7,
                "first_inquiry_responsibility": r() < 0.8,
                "service_station": r() < 0.45,
                "returns_any_branch": returns and entity == "enterprise" and r() < 0.4,
                "refund_within_48h": returns and r() < 0.3,
            }
            self.emit_application((uscc, program, channel, self.iso[submitted], store, email, commitments))
            self.field.applicant(uscc, program, submitted)


def rows(seed: int, as_of: dt.date, businesses: int) -> Iterator[tuple[str, tuple]]:
    """The province as `(kind, values)` pairs, one business at a time."""
    batch: list[tuple[str, tuple]] = []
    province = Province(seed, as_of, {k: partial(_collect, batch.append, k) for k in FIELDS})
    for i in range(businesses):
        province.business(i)
        yield from batch
        batch.clear()


def _collect(append: Callable[[tuple], None], kind: str, values: tuple) -> None:
    append((kind, values))
