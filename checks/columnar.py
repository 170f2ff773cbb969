"""Screening a chunk of businesses without building Evidence or Outcomes (the fast path).

`assess(build_evidence(...))` is the reference: it builds a pydantic Evidence per business
and runs every check, producing reasons and cited records. Screening a province needs
only each business's verdict, score, bonus and which checks vetoed, failed or lacked
data. `Kernel` computes exactly those from the same raw rows `build_evidence` reads
(registration, complaint counts, penalties, listings, credit classes, application, and the
field records: the latest inspection's failed items, mystery-shop visits, rating counts).

It holds no rule of its own: it is assembled from the screening parts the checks carry
(`Check.fast`, see `checks.fast`), for the checks `assess` runs in `assess`'s order. The
statuses of a business are kept as three bit masks over the check order, and the id lists
are made once per distinct mask. The tests hold the two paths to identical results
business by business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np

from checks.assess import Verdict, plan
from checks.evidence import Commitments, item_results, latest_inspection
from checks.fast import FEW, FIELDS, NO_COUNTS, Business, key_position
from checks.inspections import failed_items
from checks.outcome import Check, Status, pts
from checks.policy import Policy
from checks.uscc import ALPHABET, AUTHORITIES, ORG_WEIGHTS, PROVINCES, WEIGHTS, UsccError, validate_uscc

# A registration row as the kernel reads it: `RegistrationRow` without the name, plus the
# risk class of the business's latest credit class on or before the as-of date (None: none);
# a `Business` begins with it.
REGISTRATION = FIELDS[: FIELDS.index("risk_class") + 1]
REGION_CODE, INDUSTRY_CODE = FIELDS.index("region_code"), FIELDS.index("industry_code")
_NONE: Mapping[str, Any] = MappingProxyType({})
DECLARATIONS = frozenset({"commitments", "inspection"})


def inspection_failures(rows: Iterable[Any], as_of: dt.date) -> frozenset[str] | None:
    """`Business.inspection` from a business's inspection rows (`InspectionRow` attributes): the
    failed item ids of the latest completed one on or before `as_of`; None without one."""
    latest = latest_inspection(rows, as_of)
    return None if latest is None else failed_items(item_results(latest.items))


class Chunk(NamedTuple):
    """The raw rows of a chunk of businesses, as `registry.evidence.screening_batch` fetches them.

    `registrations`: tuples in `REGISTRATION` order; the dicts map a uscc to its complaint
    counts (`ComplaintCounts` order, at least the first five), its penalty rows
    (`PenaltyRow` attributes), listing rows (`ListingRow` attributes), and its application row
    (`ApplicationRow` attributes) — as `build_evidence` receives them; then the field records:
    the failed items of each inspected business's latest inspection (`inspection_failures`), its
    mystery-shop rows (uscc, *`ShopRow`) and its rating counts (count, stars).
    """

    registrations: Sequence[Any]
    complaints: Mapping[str, Sequence[int]]
    penalties: Mapping[str, Sequence[Any]]
    listings: Mapping[str, Sequence[Any]]
    applications: Mapping[str, Any]
    overrides: frozenset[str] = frozenset()
    inspections: Mapping[str, frozenset[str]] = _NONE
    mystery_shops: Mapping[str, Sequence[Any]] = _NONE
    ratings: Mapping[str, tuple[int, int]] = _NONE


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
_DIGIT[ord("0") : ord("9") + 1] = True
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

Result = tuple[str, float, float, int]
"""What `Kernel.run` gives one business: (verdict, score, bonus, combined status mask)."""
Hit = tuple[int, float, int]
"""What a group of checks gives one business: (scored points in hundredths, bonus points, status bits)."""


class Group(NamedTuple):
    """Checks answered together: those whose screening parts read no rows and key fields of one
    family (see `_family`), or those that read the same rows (a business's rows are scanned once
    for all of them)."""

    key: tuple[str, ...]
    rows: tuple[str, ...]
    checks: tuple[tuple[int, Check], ...]  # (position in the check order, check)


def _family(key: tuple[str, ...]) -> tuple[str, ...]:
    """Key-only checks remembered together: keyed on few-valued fields alone (`checks.fast.FEW`),
    or on complaint counts alone (one record; a province has a few thousand distinct counts), or
    on the declarations and what the inspection made of them (`DECLARATIONS`: a business without
    an application or an inspection has one value of both), or on exactly the same fields. Merging keys whose values multiply (two dates) would make most
    look-ups misses, so other keys stay apart."""
    if key and set(key) <= FEW:
        return ("few",)
    if key and all(k.startswith("complaints.") for k in key):
        return ("complaints",)
    if key and set(key) <= DECLARATIONS:
        return ("declarations",)
    return key


# The generated `run`'s names for a business's fields: its registration row `reg`, then these.
_NAMES = {
    "code_ok": "ok",
    "complaints": "c",
    "penalties": "pen",
    "listings": "lis",
    "commitments": "com",
    "inspection": "ins",
    "refused_returns": "shp",
    "ratings": "rat",
}
_BUSINESS = "new(Business, (*reg, ok, c, pen, lis, com, ins, shp, rat, {}))"


def _expression(name: str) -> str:
    """The generated code's expression for a key field of `Business`."""
    at, count = key_position(name)
    field = FIELDS[at]
    base = _NAMES.get(field) or f"reg[{at}]"
    return base if count is None else f"{base}[{count}]"


def _key(fields: Sequence[str]) -> str:
    """The expression of a group's memo key: one value, a prefix of the counts, or a tuple."""
    if not fields:
        return "0"
    positions = [key_position(f) for f in fields]
    counts = sorted(count for _, count in positions if count is not None)
    if len(counts) == len(positions) and counts == list(range(len(counts))) and len(counts) > 1:
        return f"c[:{len(counts)}]"  # a tuple slice: one operation instead of building a tuple
    exprs = [_expression(f) for f in fields]
    return exprs[0] if len(exprs) == 1 else f"({', '.join(exprs)})"


class Kernel:
    """One policy's checks on one as-of date, assembled from the checks' screening parts."""

    def __init__(self, policy: Policy, as_of: dt.date):
        r = policy.at(as_of)
        v = r.values
        self.policy, self.as_of, self.resolved = policy, as_of, r
        run = plan(v["vetoes.enabled"])
        self.ids: tuple[str, ...] = tuple(c.id for c in run.checks)
        self.width = n = len(self.ids)
        self._bits = {Status.PASS: 0, Status.VETO: 1, Status.FAIL: 1 << n, Status.MISSING: 1 << (n + n)}
        by_key: dict[tuple[str, ...], list[tuple[int, Check]]] = {}
        by_rows: dict[tuple[str, ...], list[tuple[int, Check]]] = {}
        for i, c in enumerate(run.checks):
            if c.fast.rows:
                by_rows.setdefault(c.fast.rows, []).append((i, c))
            else:
                by_key.setdefault(_family(c.fast.key), []).append((i, c))
        # the checks answered together, each group by one remembered answer per key value
        self.groups = tuple(
            Group(tuple(dict.fromkeys(k for _, c in members for k in c.fast.key)), rows, tuple(members))
            for rows, members in [*(((), m) for m in by_key.values()), *by_rows.items()]
        )
        bonus_groups = [g for g in self.groups if any(c.kind == "bonus" for _, c in g.checks)]
        # one group holding every bonus check (as both programmes have it) remembers its capped bonus
        self._capped = v["bonus.max_points"] if len(bonus_groups) == 1 else None
        vetoes = sum(1 << i for i in range(len(run.checks[run.vetoes])))
        self._run = self._compile(vetoes, v["pass_mark"], v["bonus.max_points"])
        self._masks: dict[int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

    def _decider(self, group: Group) -> Callable[[Business], Hit]:
        """The answer of a group's checks for one business: scored points as whole hundredths
        (each check's points are rounded to 0.01, as `assess` rounds them, so the sum over the
        groups is exact and the score one division), bonus points, status bits."""
        r, capped = self.resolved, self._capped
        parts = [
            (c.fast.decide, {status: bit << i for status, bit in self._bits.items()}, c.kind) for i, c in group.checks
        ]
        has_bonus = any(kind == "bonus" for _, _, kind in parts)

        def decide(b: Business) -> Hit:
            score = 0
            bonus = 0.0
            mask = 0
            for answer, bits, kind in parts:
                status, points = answer(b, r)
                mask |= bits[status]
                if kind == "scored":
                    score += round(points * 100)
                elif kind == "bonus":
                    bonus += points
            if capped is not None and has_bonus:
                bonus = pts(min(capped, bonus))
            return score, bonus, mask

        return decide

    def _compile(self, vetoes: int, pass_mark: float, bonus_max: float) -> Callable[..., list[Result]]:
        """`run(registrations, code_ok, overrides, counts, penalties, listings, commitments,
        inspections, shops, ratings)` — the last seven each a `get` by uscc — written out once per policy and date from the groups:
        per business and group, one look-up of the answer remembered for its key fields, or (when
        the business has rows the group reads) its answer computed afresh. The loop over the
        businesses and the groups is unrolled into one function, so screening a chunk is one call
        and a business's fields are read from its row where a group needs them; a `Business` is
        built only for a group's fresh answer."""
        env: dict[str, Any] = {
            "pts": pts,
            "min": min,
            "new": tuple.__new__,
            "Business": Business,
            "NO_COUNTS": NO_COUNTS,
            "ELIGIBLE": Verdict.ELIGIBLE.value,
            "INELIGIBLE": Verdict.INELIGIBLE.value,
            "PENDING": Verdict.PENDING.value,
        }
        body = [
            "u = reg[0]",
            "ok = ok or u in overrides",
            "c = counts(u, NO_COUNTS)",
            "pen = penalties(u)",
            "lis = listings(u)",
            "com = commitments(u)",
            "ins = inspections(u)",
            "shp = shops(u)",
            "rat = ratings(u)",
        ]
        scored, bonus = [], []
        for g, group in enumerate(self.groups):
            env[f"decide{g}"], env[f"memo{g}"] = self._decider(group), {}
            remembered = [
                f"h{g} = memo{g}.get(k := {_key(group.key)})",
                f"if h{g} is None:",
                f"    h{g} = memo{g}[k] = decide{g}({_BUSINESS})",
            ]
            if group.rows:
                body.append(f"if {' or '.join(_NAMES[name] for name in group.rows)}:")
                body.append(f"    h{g} = decide{g}({_BUSINESS})")
                body.append("else:")
                body += [f"    {line}" for line in remembered]
            else:
                body += remembered
            kinds = {c.kind for _, c in group.checks}
            if "scored" in kinds:
                scored.append(f"h{g}[0]")
            if "bonus" in kinds:
                bonus.append(f"h{g}[1]")
        n = self.width
        if self._capped is not None:
            (total,) = bonus
        else:
            total = f"pts(min({bonus_max!r}, {' + '.join(bonus) or '0.0'}))"
        body += [
            f"mask = {' | '.join(f'h{g}[2]' for g in range(len(self.groups)))}",
            f"score = ({' + '.join(scored) or '0'}) / 100",
            f"bonus = {total}",
            f"if mask & {vetoes}:",
            "    append((INELIGIBLE, score, bonus, mask))",
            f"elif mask >> {n + n} & {vetoes}:",
            "    append((PENDING, score, bonus, mask))",
            f"elif score >= {pass_mark!r}:",
            "    append((ELIGIBLE, score, bonus, mask))",
            "else:",
            "    append((INELIGIBLE, score, bonus, mask))",
        ]
        lines = [
            "def run(registrations, code_ok, overrides, counts, penalties, listings, commitments, inspections, shops,"
            " ratings):",
            "    out = []",
            "    append = out.append",
            "    for reg, ok in zip(registrations, code_ok):",
            *(f"        {line}" for line in body),
            "    return out",
        ]
        self.source = "\n".join(lines)  # kept for reading: what screening a chunk runs
        exec(compile(self.source, f"<screening kernel {self.policy.id} {self.as_of}>", "exec"), env)
        return env["run"]

    def checks(self, mask: int) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """(vetoing, failing, missing) check ids, in check order, of a combined mask as `run`
        returns it (cached per distinct mask: a province has a few hundred)."""
        hit = self._masks.get(mask)
        if hit is None:
            n, ids = len(self.ids), self.ids
            vetoing, failing, missing = (
                tuple(cid for i, cid in enumerate(ids) if part >> i & 1) for part in (mask, mask >> n, mask >> 2 * n)
            )
            hit = self._masks[mask] = (vetoing, failing, missing)
        return hit

    def run(self, chunk: Chunk) -> list[Result]:
        """(verdict, score, bonus, combined mask) per registration, in order: the mask holds the
        vetoing, failing and missing checks' bits in one int, `veto | fail << n | missing << 2n`
        for n checks (`checks` splits it)."""
        regs = chunk.registrations
        as_of, validate = self.as_of, Commitments.model_validate
        # an application's commitments count once it is submitted (as `build_evidence` keeps it)
        commitments = {u: validate(a.commitments) for u, a in chunk.applications.items() if a.submitted_on <= as_of}
        return self._run(
            regs,
            valid_codes([r[0] for r in regs]),
            chunk.overrides,
            chunk.complaints.get,
            chunk.penalties.get,
            chunk.listings.get,
            commitments.get,
            chunk.inspections.get,
            chunk.mystery_shops.get,
            chunk.ratings.get,
        )

    def screen(self, chunk: Chunk) -> list[Screened]:
        checks = self.checks
        return [
            Screened(reg[0], reg[REGION_CODE], reg[INDUSTRY_CODE], verdict, score, bonus, *checks(mask))
            for reg, (verdict, score, bonus, mask) in zip(chunk.registrations, self.run(chunk))
        ]

    def assess_one(
        self,
        uscc: str,
        registration: Any | None,
        complaints: Sequence[int] | None,
        penalties: Iterable[Any],
        listings: Iterable[Any],
        classes: Iterable[Any],
        application: Any | None,
        *,
        uscc_overrides: frozenset[str] = frozenset(),
        inspections: Iterable[Any] = (),
        mystery_shops: Iterable[Any] = (),
        ratings: tuple[int, int] | None = None,
    ) -> Screened:
        """One business, from `build_evidence`'s arguments (a `RegistrationRow`-shaped registration,
        every class row: the latest on or before the as-of date counts)."""
        as_of = self.as_of
        latest = max((c for c in classes if c.classified_on <= as_of), key=_classified_on, default=None)
        risk_class = None if latest is None else latest.risk_class
        r = registration
        if r is None:
            reg: tuple[Any, ...] = (uscc, None, None, None, None, None, None, risk_class)
        else:
            reg = (
                uscc,
                r.entity_type,
                r.status,
                r.established_on,
                r.region_code,
                r.industry_code,
                r.odr_enrolled_on,
                risk_class,
            )
        pens = [(uscc, *row) for row in penalties]
        lists = [(uscc, *row) for row in listings]
        failed = inspection_failures(inspections, as_of)
        shops = [(uscc, *row) for row in mystery_shops]
        chunk = Chunk(
            [reg],
            {} if complaints is None else {uscc: complaints},
            {uscc: pens} if pens else {},
            {uscc: lists} if lists else {},
            {} if application is None else {uscc: application},
            uscc_overrides,
            {} if failed is None else {uscc: failed},
            {uscc: shops} if shops else {},
            {} if ratings is None else {uscc: (ratings[0], ratings[1])},
        )
        [(verdict, score, bonus, mask)] = self.run(chunk)
        return Screened(
            uscc, reg[REGION_CODE] or "", reg[INDUSTRY_CODE] or "", verdict, score, bonus, *self.checks(mask)
        )


def _classified_on(row: Any) -> dt.date:
    return row.classified_on
