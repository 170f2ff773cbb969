"""Screening a chunk of businesses without building Evidence or Outcomes (the fast path).

`assess(build_evidence(...))` is the reference: it builds a pydantic Evidence per business
and runs every check, producing reasons and cited records. Screening a province needs
only each business's verdict, score, bonus and which checks vetoed, failed or lacked
data. `Kernel` computes exactly those from the same raw rows `build_evidence` reads
(registration, complaint counts, penalties, listings, credit classes, application),
with the policy's values resolved once per as-of date, the statuses of a business kept
as three bit masks over the check order, and the id lists made once per distinct mask.

Every rule below mirrors one check of `checks.vetoes` / `checks.scores` and the filters
of `checks.evidence.build_evidence`; where a rule is not trivial it calls the same
function (`judge_penalty`, `reconciliation_points`, `full_years`, `validate_uscc`).
The tests hold the two paths to identical results business by business.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from checks.calendar import add_years, full_years
from checks.evidence import Commitments
from checks.outcome import pts
from checks.penalties import PenaltyReason, judge_penalty, lookback_start, penalty_kinds
from checks.policy import VETO_IDS, Policy
from checks.scores import reconciliation_points
from checks.uscc import ALPHABET, AUTHORITIES, ORG_WEIGHTS, PROVINCES, WEIGHTS, UsccError, validate_uscc

ELIGIBLE, INELIGIBLE, PENDING = "eligible", "ineligible", "pending"
COUNTED, REVOKED = PenaltyReason.COUNTED, PenaltyReason.REVOKED


# A registration row as the kernel reads it: `RegistrationRow` without the name, plus the
# risk class of the business's latest credit class on or before the as-of date (None: none).
REGISTRATION = ("uscc", "entity_type", "status", "established_on", "region_code", "industry_code",
                "odr_enrolled_on", "risk_class")


class Chunk(NamedTuple):
    """The raw rows of a chunk of businesses, as `registry.evidence.screening_batch` fetches them.

    `registrations`: tuples in `REGISTRATION` order; the dicts map a uscc to its complaint
    counts (`ComplaintCounts` order, at least the first five), its penalty rows
    (`PenaltyRow` attributes), listing rows (`ListingRow` attributes), and its application row
    (`ApplicationRow` attributes) — as `build_evidence` receives them.
    """

    registrations: Sequence[Any]
    complaints: Mapping[str, Sequence[int]]
    penalties: Mapping[str, Sequence[Any]]
    listings: Mapping[str, Sequence[Any]]
    applications: Mapping[str, Any]
    overrides: frozenset[str] = frozenset()


class Screened(NamedTuple):
    """One business's screening result: what a screening row and the summary need."""

    uscc: str
    region_code: str  # "" without a registration
    industry_code: str
    verdict: str
    score: float
    bonus: float
    vetoes: tuple[str, ...]
    failed: tuple[str, ...]
    missing: tuple[str, ...]


# -- GB 32100 check over a whole chunk at once ------------------------------------------------

_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _ch in enumerate(ALPHABET):
    _VALUE[ord(_ch)] = _i
_ORG_VALUE = np.full(256, 0, dtype=np.int64)
for _ch in "0123456789":
    _ORG_VALUE[ord(_ch)] = int(_ch)
for _ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _ORG_VALUE[ord(_ch)] = ord(_ch) - ord("A") + 10
_AUTHORITY = np.zeros(256, dtype=bool)
_AUTHORITY[[ord(c) for c in AUTHORITIES]] = True
_ENTITY_UNDER_9 = np.zeros(256, dtype=bool)
_ENTITY_UNDER_9[[ord(c) for c in "123"]] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True
_PROVINCE = np.zeros(100, dtype=bool)
_PROVINCE[[int(p) for p in PROVINCES]] = True
_ORG_CHAR = np.array([ord("0")] + [ord(str(c)) for c in range(1, 10)] + [ord("X")], dtype=np.uint8)
_CHECK_CHAR = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
_ORG_WEIGHTS = np.array(ORG_WEIGHTS, dtype=np.int64)


def valid_codes(codes: Sequence[str]) -> list[bool]:
    """`validate_uscc(code)` passes, for each code (no override list). Upper-case 18-character
    codes are checked together with array arithmetic; any other code goes through
    `validate_uscc` itself (it normalises, so e.g. lower case may still pass)."""
    out = [False] * len(codes)
    fast = [i for i, c in enumerate(codes) if len(c) == 18 and c.isascii()]
    if fast:
        arr = np.frombuffer("".join([codes[i] for i in fast]).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        val = _VALUE[arr]
        ok = (val >= 0).all(axis=1)
        ok &= _AUTHORITY[arr[:, 0]]
        ok &= (arr[:, 0] != ord("9")) | _ENTITY_UNDER_9[arr[:, 1]]
        digits = _DIGIT[arr[:, 2:8]].all(axis=1)
        ok &= digits
        province = np.where(digits, (arr[:, 2].astype(np.int64) - 48) * 10 + (arr[:, 3].astype(np.int64) - 48), 0)
        ok &= _PROVINCE[province]
        org = (11 - (_ORG_VALUE[arr[:, 8:16]] @ _ORG_WEIGHTS) % 11) % 11
        ok &= _ORG_CHAR[org] == arr[:, 16]
        check = (31 - (np.where(val[:, :17] >= 0, val[:, :17], 0) @ _WEIGHTS) % 31) % 31
        ok &= _CHECK_CHAR[check] == arr[:, 17]
        for i, good in zip(fast, ok.tolist()):
            out[i] = good
    for i, code in enumerate(codes):
        if not out[i]:  # the array test only says "certainly valid"; the reference decides the rest
            try:
                validate_uscc(code)
                out[i] = True
            except UsccError:
                pass
    return out


# -- the kernel --------------------------------------------------------------------------------

class Kernel:
    """One policy's checks on one as-of date, as plain values and bit positions."""

    def __init__(self, policy: Policy, as_of: dt.date):
        from checks.assess import _plan  # the assessment's check order, the single source of it

        p = policy.at(as_of)
        v = p.values
        self.policy, self.as_of, self.p, self.values = policy, as_of, p, v
        plan = _plan(v["vetoes.enabled"])
        self.ids: tuple[str, ...] = tuple(c.id for c in plan.checks)
        bit = {cid: 1 << i for i, cid in enumerate(self.ids)}
        bit.update({cid: 0 for cid in VETO_IDS if cid not in bit})  # a disabled veto sets no bit
        self.bit = bit
        self.width = len(self.ids)
        self.enabled = frozenset(c.id for c in plan.checks[plan.vetoes])
        self.pass_mark = v["pass_mark"]
        # dates every business shares
        self.penalties_since = lookback_start(as_of, p)
        self.listings_since = add_years(as_of, -v["compliance.abnormal_history.window_years"])
        self.severe_since = add_years(as_of, -v["vetoes.severe_penalty_years"])
        self.natural_person_types = frozenset(v["penalties.natural_person_entity_types"])
        self.required_class = v.get("vetoes.required_credit_class")
        self.check_class = "V4" in self.enabled
        # points and statuses that depend on the policy alone
        self.pen_top = v["compliance.penalties.max_points"]
        self.pen_each = v["compliance.penalties.points_each"]
        self.pen_none = self._item(self.pen_top, self.pen_top, "compliance.penalties")
        abn_top = v["compliance.abnormal_history.points"]
        self.abn = (self._item(abn_top, abn_top, "compliance.abnormal_history"),
                    self._item(0, abn_top, "compliance.abnormal_history"))
        self.rec_top = v["complaints.reconciliation.max_points"]
        self.closed_top = v["complaints.closed_within.max_points"]
        self.no_complaints = (self._item(self.rec_top, self.rec_top, "complaints.reconciliation"),
                              self._item(self.closed_top, self.closed_top, "complaints.closed_within_7_days"))
        each = v["mechanisms.points_each"]
        self.odr = (self._item(each, each, "mechanisms.odr"), self._item(0, each, "mechanisms.odr"))
        self.no_registration = (0.0, bit["mechanisms.odr"]), (0.0, bit["longevity"])  # missing, 0 points
        self.long_top = v["longevity.max_points"]
        self.long_per_year = v["longevity.points_per_year"]
        self._masks: dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        self._years: dict[Any, tuple[float, int]] = {}
        self._rec: dict[tuple[int, int], tuple[float, int]] = {}
        self._closed: dict[tuple[int, int], tuple[float, int]] = {}
        self.no_application = self._commitments(None)

    def _item(self, points: float, top: float, cid: str) -> tuple[float, int]:
        """(points as scored, fail bit or 0): `_scored`'s rule — an item earning all its points passes."""
        points = pts(points)
        return points, 0 if points >= float(top) else self.bit[cid]

    def _commitments(self, c: Commitments | None) -> tuple[tuple[float, ...], float, int, int]:
        """What the commitments decide: (mechanism points in order, bonus, fail bits, V7 veto bit)."""
        v, item = self.values, self._item
        each = v["mechanisms.points_each"]
        days = None if c is None else c.return_days
        parts = [
            item(each if c is not None and c.advance_compensation else 0, each, "mechanisms.advance_compensation"),
            item(each if c is not None and c.first_inquiry_responsibility else 0, each,
                 "mechanisms.first_inquiry_responsibility"),
            item(each if c is not None and c.service_station else 0, each, "mechanisms.service_station"),
            item(each if days is not None and days >= v["mechanisms.min_return_days"] else 0, each,
                 "mechanisms.return_promise"),
        ]
        top = v["bonus.long_return_points"]
        bonus = [item(top if days is not None and days >= v["bonus.long_return_days"] else 0, top,
                      "bonus.long_return_period")]
        top = v["bonus.any_branch_points"]
        bonus.append(item(top if c is not None and c.returns_any_branch else 0, top, "bonus.returns_any_branch"))
        top = v["bonus.refund_48h_points"]
        bonus.append(item(top if c is not None and c.refund_within_48h else 0, top, "bonus.refund_within_48h"))
        fail = 0
        for _, f in parts + bonus:
            fail |= f
        veto = 0
        if "V7" in self.enabled and (days is None or days < v["vetoes.min_return_days"] or not c.displayed):
            veto = self.bit["V7"]
        extra = pts(min(v["bonus.max_points"], sum(b for b, _ in bonus)))
        return tuple(x for x, _ in parts), extra, fail, veto

    def checks(self, mask: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(vetoing, failing, missing) check ids, in check order, of a combined mask as `one`
        returns it (cached per distinct mask: a province has a few hundred)."""
        hit = self._masks.get(mask)
        if hit is None:
            n, ids = len(self.ids), self.ids
            hit = self._masks[mask] = tuple(tuple(cid for i, cid in enumerate(ids) if part >> i & 1)
                                            for part in (mask, mask >> n, mask >> 2 * n))
        return hit

    def run(self, chunk: Chunk) -> list[tuple[str, float, float, int]]:
        """(verdict, score, bonus, combined mask) per registration, in order."""
        regs = chunk.registrations
        valid = valid_codes([r[0] for r in regs])
        overrides = chunk.overrides
        complaints, penalties, listings, apps = chunk.complaints, chunk.penalties, chunk.listings, chunk.applications
        one = self.one
        return [one(r[0], r, complaints.get(r[0]), penalties.get(r[0]), listings.get(r[0]), apps.get(r[0]),
                    ok or r[0] in overrides)
                for r, ok in zip(regs, valid)]

    def screen(self, chunk: Chunk) -> list[Screened]:
        checks = self.checks
        return [Screened(reg[0], reg[4], reg[5], verdict, score, bonus, *checks(mask))
                for reg, (verdict, score, bonus, mask) in zip(chunk.registrations, self.run(chunk))]

    def assess_one(self, uscc: str, registration: Any | None, complaints: Sequence[int] | None,
                   penalties: Iterable[Any], listings: Iterable[Any], classes: Iterable[Any],
                   application: Any | None, *, uscc_overrides: frozenset[str] = frozenset()) -> Screened:
        """One business, from `build_evidence`'s arguments (a `RegistrationRow`-shaped registration,
        every class row: the latest on or before the as-of date counts)."""
        as_of = self.as_of
        latest = max((c for c in classes if c.classified_on <= as_of), key=_classified_on, default=None)
        reg = None
        if registration is not None:
            r = registration
            reg = (uscc, r.entity_type, r.status, r.established_on, r.region_code, r.industry_code,
                   r.odr_enrolled_on, None if latest is None else latest.risk_class)
        code_ok = uscc in uscc_overrides or valid_codes([uscc])[0]
        verdict, score, bonus, mask = self.one(
            uscc, reg, complaints, [(uscc, *row) for row in penalties] or None,
            [(uscc, *row) for row in listings] or None, application, code_ok,
            None if latest is None else latest.risk_class)
        return Screened(uscc, "" if reg is None else reg[4], "" if reg is None else reg[5], verdict, score, bonus,
                        *self.checks(mask))

    def one(self, uscc: str, reg: Sequence[Any] | None, counts: Sequence[int] | None, pens: Sequence[Any] | None,
            lists: Sequence[Any] | None, app: Any | None, code_ok: bool, no_reg_class: str | None = None):
        """One business from its rows: `reg` in `REGISTRATION` order or None (then `no_reg_class` is
        its latest class); `counts` in `ComplaintCounts` order or None; the others lists of rows or None.
        Gives (verdict, score, bonus, mask): the vetoing, failing and missing checks' bits in one
        int, `veto | fail << n | missing << 2n` for n checks (`checks` splits it)."""
        bit = self.bit
        as_of = self.as_of
        veto = missing = 0

        # V1: the code, then the registration
        if not code_ok:
            veto = bit["V1"]
        elif reg is None:
            missing = bit["V1"]
        elif reg[2] != "active":
            veto = bit["V1"]

        # listings as build_evidence keeps them (V2, V3, V6, abnormal history); rows as
        # `screening_chunks` fetches them: (uscc, list, listed_on, removed_on, reason)
        s_abn, fail = self.abn[0]
        if lists:
            current = set()
            since = self.listings_since
            for _, name, listed_on, removed_on, _ in lists:
                if listed_on <= as_of and (removed_on is None or removed_on > since):
                    if removed_on is None or removed_on > as_of:
                        current.add(name)
                    if name == "abnormal_operations":
                        # as known on the as-of date, and (by the filter above) within the window
                        s_abn, fail = self.abn[1]
            if "serious_dishonest" in current:
                veto |= bit["V2"]
            if "abnormal_operations" in current:
                veto |= bit["V3"]
            if "complaint_blacklist" in current:
                veto |= bit["V6"]

        # V4: the latest class on or before the as-of date
        if self.check_class:
            risk_class = no_reg_class if reg is None else reg[7]
            if risk_class is None:
                missing |= bit["V4"]
            elif risk_class != self.required_class:
                veto |= bit["V4"]

        # penalties: V5 and the penalty points; rows (uscc, *`PenaltyRow`)
        s_pen, f = self.pen_none
        if pens:
            since = self.penalties_since
            natural_person = uscc[1:2] == "2" if reg is None else reg[1] in self.natural_person_types
            p = self.p
            severe_since = self.severe_since
            counted = 0
            seen = severe = False
            for _, _, decided, procedure, kinds, fine, category, repaired, revoked in pens:
                if since < decided <= as_of:
                    seen = True
                    x = judge_penalty(decided, procedure, penalty_kinds(kinds), fine, category, repaired, revoked, as_of,
                                      natural_person, p)
                    if x.reason is COUNTED:
                        counted += 1
                    if x.severe and x.reason is not REVOKED and decided > severe_since:
                        severe = True
            if severe:
                veto |= bit["V5"]
            if seen:
                s_pen, f = self._item(max(0.0, self.pen_top - self.pen_each * counted), self.pen_top,
                                      "compliance.penalties")
        fail |= f

        # complaints: V6, reconciliation, closed within 7 days
        if counts is not None and counts[4]:
            veto |= bit["V6"]
        if counts is None or not counts[0] - counts[1]:
            (s_rec, f), (s_closed, f2) = self.no_complaints
        else:
            accepted = counts[0] - counts[1]
            key = (counts[2], accepted)
            hit = self._rec.get(key)
            if hit is None:
                hit = self._rec[key] = self._item(reconciliation_points(counts[2] / accepted, self.values),
                                                  self.rec_top, "complaints.reconciliation")
            s_rec, f = hit
            key = (counts[3], accepted)
            hit = self._closed.get(key)
            if hit is None:
                hit = self._closed[key] = self._item(self.closed_top * (counts[3] / accepted), self.closed_top,
                                                     "complaints.closed_within_7_days")
            s_closed, f2 = hit
        fail |= f | f2

        # registration items
        if reg is None:
            (s_odr, m), (s_long, m2) = self.no_registration
            missing |= m | m2
        else:
            odr_on = reg[6]
            s_odr, f = self.odr[0] if odr_on is not None and odr_on <= as_of else self.odr[1]
            established = reg[3]
            hit = self._years.get(established)
            if hit is None:
                hit = self._years[established] = self._item(
                    min(self.long_top, self.long_per_year * full_years(established, as_of)), self.long_top,
                    "longevity")
            s_long, f2 = hit
            fail |= f | f2

        # the application's commitments (V7, mechanisms, bonus)
        if app is not None and app.submitted_on <= as_of:
            mech, bonus, f, v7 = self._commitments(Commitments.model_validate(app.commitments))
        else:
            mech, bonus, f, v7 = self.no_application
        fail |= f
        veto |= v7

        score = pts(sum((s_pen, s_abn, s_rec, s_closed, s_odr, *mech, s_long)))
        if veto:
            verdict = INELIGIBLE
        elif missing:
            verdict = PENDING
        else:
            verdict = ELIGIBLE if score >= self.pass_mark else INELIGIBLE
        n = self.width
        return verdict, score, bonus, veto | fail << n | missing << (n + n)


def _classified_on(row: Any) -> dt.date:
    return row.classified_on
