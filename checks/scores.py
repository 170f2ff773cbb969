"""Scored items (100 points: compliance 35, complaint handling 35, mechanisms 20, longevity 10,
less the deductions of the field records) and bonus items (up to 15, not counted toward the
pass mark). An item earning all its points passes; any shortfall is a `fail`, with the reason.

The declared mechanisms (先行赔付, 首问负责, 投诉服务站, the return promise) score what the
application commits to, checked against the latest on-site inspection (评价验收): an item the
checklist says verifies the mechanism (`verifies: mechanisms.X`) that failed takes its points
(`failed_on_site`); one that passed makes them `verified`; before any inspection they score
provisionally as `declared`, awaiting the on-site check. A failed item that is neither a veto nor
verifies a mechanism deducts `inspection.deduction_points`; a model unit loses
`field.refused_return_points` for each return refused to a mystery shopper within the
commitment (a seven-day-return store is vetoed instead, V9). The satisfaction bonus reads the
consumer ratings (fewer than the minimum: `missing`, not a fail).

Each check is declared once with both its parts side by side: the screening part
(`checks.fast`, status and points from raw rows) above the reference (reasons from Evidence)."""

from __future__ import annotations

from checks.calendar import add_years, full_years
from checks.evidence import Commitments, Evidence
from checks.fast import (
    CLOSED_WITHIN_LIMIT,
    MISSED,
    NOT_ACCEPTED,
    RECEIVED,
    RECONCILED,
    Business,
    Quick,
    checklist_roles,
    counted_refusals,
    fast,
    judged_penalties,
    kept_listings,
    scored,
)
from checks.outcome import Basis, Result, Status, check, once, pct, pts, result
from checks.penalties import REASON_TEXT, PenaltyReason
from checks.policy import Params, Resolved


def _scored(
    points: float,
    max_points: float,
    zh: str,
    en: str,
    args: tuple = (),
    refs: tuple[str, ...] = (),
    basis: Basis | None = None,
) -> Result:
    points = pts(points)
    status = Status.PASS if points >= max_points else Status.FAIL
    return result(status, points, float(max_points), zh, en, args, refs, basis)


def _no_registration(top: float) -> Result:
    return result(Status.MISSING, 0.0, float(top), "未找到登记信息", "no registration record on file", (), ())


@fast(rows=("penalties",))
def _penalties(b: Business, r: Resolved) -> Quick:
    top = r.values["compliance.penalties.max_points"]
    judged = judged_penalties(b, r)
    if not judged:
        return scored(top, top)
    counted = 0
    for _, x in judged:
        if x.reason is PenaltyReason.COUNTED:
            counted += 1
    return scored(max(0.0, top - r.values["compliance.penalties.points_each"] * counted), top)


@check("compliance.penalties", "行政处罚", "Administrative penalties", "scored", _penalties)
def penalties(ev: Evidence, p: Params) -> Result:
    """−10 per counted penalty (published, unrepaired, not revoked) decided within 2 years, floor 0."""
    top, years = p["compliance.penalties.max_points"], p["compliance.penalties.window_years"]
    if not ev.penalties:
        return once(
            p,
            "penalties.none",
            lambda: _scored(top, top, "{0}年内无行政处罚记录", "no penalty on record within {0} years", (years,)),
        )
    counted = [x for x in ev.penalties if x.counted]
    others = [x for x in ev.penalties if not x.counted and x.reason is not PenaltyReason.OUTSIDE_WINDOW]
    zh = "、".join(x.decision_no for x in counted) or "无"
    en = ", ".join(x.decision_no for x in counted) or "none"
    if others:
        zh += "；不计入：" + "、".join(f"{x.decision_no}（{REASON_TEXT[x.reason][0]}）" for x in others)
        en += "; not counted: " + ", ".join(f"{x.decision_no} ({REASON_TEXT[x.reason][1]})" for x in others)
    points = max(0.0, top - p["compliance.penalties.points_each"] * len(counted))
    return _scored(
        points,
        top,
        "{0}年内计入处罚{1}项：{2}",
        "{1} counted penalties within {0} years: {3}",
        (years, len(counted), zh, en),
        tuple(x.ref for x in counted + others),
    )


@fast(rows=("listings",))
def _abnormal_history(b: Business, r: Resolved) -> Quick:
    top = r.values["compliance.abnormal_history.points"]
    listed = "abnormal_operations" in kept_listings(b, r)[1]
    return scored(0 if listed else top, top)


@check("compliance.abnormal_history", "经营异常记录", "Abnormal-operation history", "scored", _abnormal_history)
def abnormal_history(ev: Evidence, p: Params) -> Result:
    """Full points unless listed abnormal at any time within 3 years (current or removed)."""
    top, years = p["compliance.abnormal_history.points"], p["compliance.abnormal_history.window_years"]
    if ev.listings:
        since = add_years(ev.as_of, -years)
        hits = [
            x for x in ev.listings if x.list == "abnormal_operations" and (x.removed_on is None or x.removed_on > since)
        ]
        if hits:
            return _scored(
                0,
                top,
                "{0}年内曾列入经营异常名录（{1}）",
                "listed as abnormal within {0} years ({1})",
                (years, tuple(x.listed_on for x in hits)),
                tuple(x.ref for x in hits),
            )
    return once(
        p,
        "abnormal.none",
        lambda: _scored(top, top, "{0}年内未列入经营异常名录", "not listed as abnormal within {0} years", (years,)),
    )


def reconciliation_points(rate: float, p: Params) -> float:
    """和解率 points: full at ≥ the full rate, the reference points at ≥ the reference rate,
    below it linear from the reference points down to 0 at the zero rate."""
    full, ref, zero = (
        p["complaints.reconciliation.full_rate"],
        p["complaints.reconciliation.reference_rate"],
        p["complaints.reconciliation.zero_rate"],
    )
    if rate >= full:
        return p["complaints.reconciliation.max_points"]
    if rate >= ref:
        return p["complaints.reconciliation.reference_points"]
    if rate <= zero:
        return 0.0
    return p["complaints.reconciliation.reference_points"] * (rate - zero) / (ref - zero)


def _no_complaints(ev: Evidence, p: Params, top: float, key: str) -> Result:
    c = ev.complaints
    return once(
        p,
        key,
        lambda: _scored(
            top,
            top,
            "{0}至{1}无受理投诉",
            "no accepted complaint received from {0} to {1}",
            (c.window_start, c.as_of),
            (c.ref,),
        ),
    )


@fast(key=("complaints.received", "complaints.not_accepted", "complaints.reconciled"))
def _reconciliation(b: Business, r: Resolved) -> Quick:
    top = r.values["complaints.reconciliation.max_points"]
    c = b.complaints
    accepted = c[RECEIVED] - c[NOT_ACCEPTED]
    if not accepted:
        return scored(top, top)
    return scored(reconciliation_points(c[RECONCILED] / accepted, r.values), top)


@check("complaints.reconciliation", "投诉和解率", "Complaint reconciliation rate", "scored", _reconciliation)
def reconciliation(ev: Evidence, p: Params) -> Result:
    """Reconciled / (complaints received − not accepted) over the complaint window;
    consultations are not complaints; no complaints earns full points."""
    top = p["complaints.reconciliation.max_points"]
    c = ev.complaints
    if not c.accepted:
        return _no_complaints(ev, p, top, "reconciliation.none")
    rate = c.reconciliation_rate
    assert rate is not None  # there are accepted complaints
    return _scored(
        reconciliation_points(rate, p),
        top,
        "和解率 {0}（和解{1}件/受理{2}件，不含不予受理{3}件）",
        "reconciliation rate {0} ({1} reconciled of {2} accepted; {3} not accepted excluded)",
        (pct(rate), c.reconciled, c.accepted, c.not_accepted),
        (c.ref,),
    )


@fast(key=("complaints.received", "complaints.not_accepted", "complaints.closed_within_limit"))
def _closed_promptly(b: Business, r: Resolved) -> Quick:
    top = r.values["complaints.closed_within.max_points"]
    c = b.complaints
    accepted = c[RECEIVED] - c[NOT_ACCEPTED]
    if not accepted:
        return scored(top, top)
    return scored(top * (c[CLOSED_WITHIN_LIMIT] / accepted), top)


@check("complaints.closed_within_7_days", "投诉及时办结", "Complaints closed promptly", "scored", _closed_promptly)
def closed_promptly(ev: Evidence, p: Params) -> Result:
    """Points in proportion to the share of accepted complaints closed within 7 days."""
    top, days = p["complaints.closed_within.max_points"], p["complaints.closed_within.days"]
    c = ev.complaints
    if not c.accepted:
        return _no_complaints(ev, p, top, "closed_within.none")
    share = c.closed_within_limit / c.accepted
    return _scored(
        top * share,
        top,
        "{0}天内办结{1}件/受理{2}件（{3}）",
        "{1} of {2} accepted complaints closed within {0} days ({3})",
        (days, c.closed_within_limit, c.accepted, pct(share)),
        (c.ref,),
    )


@fast(key=("status", "odr_enrolled_on"))
def _odr(b: Business, r: Resolved) -> Quick:
    if b.status is None:
        return MISSED
    top = r.values["mechanisms.points_each"]
    enrolled = b.odr_enrolled_on is not None and b.odr_enrolled_on <= r.as_of
    return scored(top if enrolled else 0, top)


@check("mechanisms.odr", "在线消费纠纷解决（ODR）", "Online dispute resolution (ODR) enrolment", "scored", _odr)
def odr(ev: Evidence, p: Params) -> Result:
    """Enrolled in ODR (在线消费纠纷解决) on or before the as-of date."""
    top = p["mechanisms.points_each"]
    reg = ev.registration
    if reg is None:
        return _no_registration(top)
    if reg.odr_enrolled_on is not None and reg.odr_enrolled_on <= ev.as_of:
        return _scored(top, top, "{0}加入ODR", "enrolled in ODR on {0}", (reg.odr_enrolled_on,), (ev.registration_ref,))
    return _scored(0, top, "未加入ODR", "not enrolled in ODR", (), (ev.registration_ref,))


def _committed(field: str, points: str):
    """The screening part of a bonus commitment worth `points`: all of them when `field` is committed to."""

    @fast(key=("commitments",))
    def decide(b: Business, r: Resolved) -> Quick:
        top = r[points]
        return scored(top if b.commitments is not None and getattr(b.commitments, field) else 0, top)

    return decide


def _failed_on_site(b: Business, r: Resolved, check_id: str) -> bool:
    """A verifying item of the check failed at the business's latest inspection."""
    failed = b.inspection
    if not failed:
        return False
    return not failed.isdisjoint(checklist_roles(r.values).verifying.get(check_id, ()))


def _declared(field: str, check_id: str):
    """The screening part of a declared mechanism: its points when committed to, unless an
    inspection item verifying it failed."""

    @fast(key=("commitments", "inspection"))
    def decide(b: Business, r: Resolved) -> Quick:
        top = r.values["mechanisms.points_each"]
        if b.commitments is None or not getattr(b.commitments, field) or _failed_on_site(b, r, check_id):
            return scored(0, top)
        return scored(top, top)

    return decide


def on_site(ev: Evidence, check_id: str, p: Params) -> tuple[Basis, str | None]:
    """What the latest inspection says of a declared check: (basis, the Chinese title of the first
    failed verifying item, or None). `declared` when there is no inspection or none of its items
    verifying the check was passed or failed (not applicable, or not on the checklist)."""
    ins = ev.inspection
    if ins is None:
        return Basis.DECLARED, None
    rl = checklist_roles(p)
    results = [(item, ins.result_of(item)) for item in rl.verifying.get(check_id, ())]
    for item, res in results:
        if res == "fail":
            return Basis.FAILED_ON_SITE, rl.titles[item]
    if any(res == "pass" for _, res in results):
        return Basis.VERIFIED, None
    return Basis.DECLARED, None


def _declared_points(
    ev: Evidence, check_id: str, p: Params, top: float, zh: str, en: str, args: tuple, refs: tuple[str, ...]
) -> Result:
    """A declared item's full points as the inspection leaves them; `zh`/`en` say what was
    declared (templates over `args`), and the inspection's finding is added to them."""
    basis, failed = on_site(ev, check_id, p)
    ins = ev.inspection
    n = len(args)
    if basis is Basis.FAILED_ON_SITE:
        assert ins is not None and failed is not None
        return _scored(
            0,
            top,
            f"{zh}，但{{{n}}}现场验收“{{{n + 1}}}”未通过，不得分",
            f"{en}, but the on-site inspection of {{{n}}} failed “{{{n + 1}}}”: no points",
            (*args, ins.inspected_on, failed),
            (*refs, ins.ref),
            Basis.FAILED_ON_SITE,
        )
    if basis is Basis.VERIFIED:
        assert ins is not None
        return _scored(
            top,
            top,
            f"{zh}，经{{{n}}}现场验收核实",
            f"{en}, verified on site on {{{n}}}",
            (*args, ins.inspected_on),
            (*refs, ins.ref),
            Basis.VERIFIED,
        )
    if ins is None:
        return _scored(
            top,
            top,
            f"{zh}（申报，待现场验收核实）",
            f"{en} (declared, awaiting the on-site check)",
            args,
            refs,
            Basis.DECLARED,
        )
    return _scored(
        top,
        top,
        f"{zh}（申报，{{{n}}}现场验收未核验此项）",
        f"{en} (declared; the on-site inspection of {{{n}}} did not check it)",
        (*args, ins.inspected_on),
        (*refs, ins.ref),
        Basis.DECLARED,
    )


def _commitment(field: str, check_id: str, zh: str, en: str):
    def score(ev: Evidence, p: Params) -> Result:
        top = p["mechanisms.points_each"]
        app = ev.application
        if app is None:
            return once(
                p,
                field + ".none",
                lambda: _scored(0, top, "无申请，无{0}承诺", "no application, so no {1} commitment", (zh, en)),
            )
        if getattr(app.commitments, field):
            return _declared_points(ev, check_id, p, top, "承诺{0}", "commits to {1}", (zh, en), (app.ref,))
        return _scored(0, top, "未承诺{0}", "no {1} commitment", (zh, en), (app.ref,), Basis.DECLARED)

    score.__doc__ = (
        f"The application commits to {en} ({zh}), and the latest on-site inspection did not fail an item verifying it."
    )
    return score


advance_compensation = check(
    "mechanisms.advance_compensation",
    "先行赔付",
    "Advance compensation",
    "scored",
    _declared("advance_compensation", "mechanisms.advance_compensation"),
)(_commitment("advance_compensation", "mechanisms.advance_compensation", "先行赔付", "advance compensation"))
first_inquiry = check(
    "mechanisms.first_inquiry_responsibility",
    "首问负责",
    "First-inquiry responsibility",
    "scored",
    _declared("first_inquiry_responsibility", "mechanisms.first_inquiry_responsibility"),
)(
    _commitment(
        "first_inquiry_responsibility",
        "mechanisms.first_inquiry_responsibility",
        "首问负责",
        "first-inquiry responsibility",
    )
)
service_station = check(
    "mechanisms.service_station",
    "投诉服务站",
    "Complaint service station",
    "scored",
    _declared("service_station", "mechanisms.service_station"),
)(_commitment("service_station", "mechanisms.service_station", "设立投诉服务站", "a complaint service station"))


def _commitments(ev: Evidence) -> tuple[Commitments | None, tuple[str, ...]]:
    app = ev.application
    return (None, ()) if app is None else (app.commitments, (app.ref,))


@fast(key=("commitments", "inspection"))
def _return_promise(b: Business, r: Resolved) -> Quick:
    top = r.values["mechanisms.points_each"]
    days = None if b.commitments is None else b.commitments.return_days
    if days is None or days < r.values["mechanisms.min_return_days"] or _failed_on_site(b, r, RETURN_PROMISE):
        return scored(0, top)
    return scored(top, top)


RETURN_PROMISE = "mechanisms.return_promise"


@check(RETURN_PROMISE, "无理由退货承诺", "No-reason return promise", "scored", _return_promise)
def return_promise(ev: Evidence, p: Params) -> Result:
    """The application promises no-reason returns for at least 7 days, and the latest on-site
    inspection did not fail an item verifying it."""
    top, least = p["mechanisms.points_each"], p["mechanisms.min_return_days"]
    c, refs = _commitments(ev)
    if c is None:
        return once(
            p,
            "return_promise.none",
            lambda: _scored(0, top, "无申请，无退货承诺", "no application, so no return promise"),
        )
    if c.return_days is not None and c.return_days >= least:
        return _declared_points(
            ev, RETURN_PROMISE, p, top, "承诺{0}天无理由退货", "promises {0}-day returns", (c.return_days,), refs
        )
    return _scored(0, top, "退货承诺不足{0}天", "return promise under {0} days", (least,), refs, Basis.DECLARED)


@fast(key=("status", "established_on"))
def _longevity(b: Business, r: Resolved) -> Quick:
    if b.status is None:
        return MISSED
    top = r.values["longevity.max_points"]
    return scored(min(top, r.values["longevity.points_per_year"] * full_years(b.established_on, r.as_of)), top)


@check("longevity", "经营年限", "Years in business", "scored", _longevity)
def longevity(ev: Evidence, p: Params) -> Result:
    """2 points per full year since establishment, up to 10."""
    top = p["longevity.max_points"]
    reg = ev.registration
    if reg is None:
        return _no_registration(top)
    years = full_years(reg.established_on, ev.as_of)
    return _scored(
        min(top, p["longevity.points_per_year"] * years),
        top,
        "成立于{0}，满{1}年",
        "established {0}, {1} full year(s)",
        (reg.established_on, years),
        (ev.registration_ref,),
    )


@fast(key=("inspection",))
def _inspection_deductions(b: Business, r: Resolved) -> Quick:
    if not b.inspection:
        return scored(0, 0)
    failed = len(b.inspection & checklist_roles(r.values).deducted)
    return scored(-r.values["inspection.deduction_points"] * failed, 0)


@check("inspection.deductions", "现场验收扣分", "On-site inspection deductions", "scored", _inspection_deductions)
def inspection_deductions(ev: Evidence, p: Params) -> Result:
    """−5 for each item of the latest on-site inspection that failed, is not a veto and verifies
    no mechanism (评价验收); nothing before any inspection."""
    ins = ev.inspection
    if ins is None:
        return once(
            p,
            "inspection.none",
            lambda: _scored(0, 0, "尚无现场验收记录，不扣分", "no on-site inspection on file yet: nothing deducted"),
        )
    rl = checklist_roles(p)
    failed = [x.id for x in ins.items if x.result == "fail" and x.id in rl.deducted]
    if not failed:
        return _scored(
            0,
            0,
            "{0}现场验收无扣分项",
            "the on-site inspection of {0} found nothing to deduct",
            (ins.inspected_on,),
            (ins.ref,),
        )
    each = p["inspection.deduction_points"]
    return _scored(
        -each * len(failed),
        0,
        "{0}现场验收未通过{1}项，扣{2:g}分：{3}",
        "the on-site inspection of {0} failed {1} item(s), {2:g} points deducted: {4}",
        (
            ins.inspected_on,
            len(failed),
            each * len(failed),
            "、".join(f"“{rl.titles[i]}”" for i in failed),
            ", ".join(f"{i} ({rl.titles[i]})" for i in failed),
        ),
        (ins.ref,),
    )


@fast(rows=("refused_returns",))
def _refused_return_deductions(b: Business, r: Resolved) -> Quick:
    return scored(-r.values["field.refused_return_points"] * counted_refusals(b, r), 0)


@check(
    "mystery_shop.refused_returns",
    "暗访拒绝退货扣分",
    "Returns refused to mystery shoppers",
    "scored",
    _refused_return_deductions,
)
def refused_return_deductions(ev: Evidence, p: Params) -> Result:
    """−10 (model unit) for each return a mystery shopper was refused within the committed period
    in the last 12 months (暗访); a seven-day-return store deducts nothing here (V9 vetoes it)."""
    months, each = p["field.refused_return_months"], p["field.refused_return_points"]
    refused = ev.refused_returns
    if not refused or not each:
        return once(
            p,
            "refused_returns.none",
            lambda: _scored(0, 0, "{0}个月内暗访无扣分", "no mystery-shop deduction within {0} months", (months,)),
        )
    days = tuple(v.visited_on for v in refused)
    return _scored(
        -each * len(refused),
        0,
        "{0}个月内暗访发现承诺期内拒绝无理由退货{1}次（{2}），扣{3:g}分",
        "{1} return(s) within the committed period refused to mystery shoppers within {0} months ({2}), {3:g} points deducted",
        (months, len(refused), days, each * len(refused)),
        tuple(v.ref for v in refused),
    )


@fast(key=("commitments",))
def _long_return_period(b: Business, r: Resolved) -> Quick:
    top = r.values["bonus.long_return_points"]
    days = None if b.commitments is None else b.commitments.return_days
    return scored(top if days is not None and days >= r.values["bonus.long_return_days"] else 0, top)


@check("bonus.long_return_period", "超长退货期", "Long return period", "bonus", _long_return_period)
def long_return_period(ev: Evidence, p: Params) -> Result:
    """Bonus: a return period of at least 30 days."""
    top, days = p["bonus.long_return_points"], p["bonus.long_return_days"]
    c, refs = _commitments(ev)
    if c is None:
        return once(
            p, "long_return.none", lambda: _scored(0, top, "退货期不足{0}天", "return period under {0} days", (days,))
        )
    if c.return_days is not None and c.return_days >= days:
        return _scored(top, top, "承诺{0}天退货", "{0}-day returns", (c.return_days,), refs)
    return _scored(0, top, "退货期不足{0}天", "return period under {0} days", (days,), refs)


def _bonus_flag(field: str, zh: str, en: str, points: str):
    def score(ev: Evidence, p: Params) -> Result:
        top = p[points]
        c, refs = _commitments(ev)
        if c is None:
            return once(p, field + ".none", lambda: _scored(0, top, "未承诺{0}", "no commitment to {1}", (zh, en)))
        if getattr(c, field):
            return _scored(top, top, "承诺{0}", "commits to {1}", (zh, en), refs)
        return _scored(0, top, "未承诺{0}", "no commitment to {1}", (zh, en), refs)

    score.__doc__ = f"Bonus: the application commits to {en} ({zh})."
    return score


returns_any_branch = check(
    "bonus.returns_any_branch",
    "异地门店退货",
    "Returns at any branch",
    "bonus",
    _committed("returns_any_branch", "bonus.any_branch_points"),
)(_bonus_flag("returns_any_branch", "任一门店可退货", "returns at any branch", "bonus.any_branch_points"))
refund_within_48h = check(
    "bonus.refund_within_48h",
    "48小时退款",
    "Refund within 48 hours",
    "bonus",
    _committed("refund_within_48h", "bonus.refund_48h_points"),
)(_bonus_flag("refund_within_48h", "48小时内退款", "refunds within 48 hours", "bonus.refund_48h_points"))


def satisfaction_points(mean: float, p: Params) -> float:
    """满意度 points: all of them at a mean of at least the full mean, the partial points at
    least the partial mean, none below."""
    if mean >= p["bonus.satisfaction.full_mean"]:
        return p["bonus.satisfaction.max_points"]
    if mean >= p["bonus.satisfaction.partial_mean"]:
        return p["bonus.satisfaction.partial_points"]
    return 0.0


@fast(key=("ratings",))
def _satisfaction(b: Business, r: Resolved) -> Quick:
    v = r.values
    count, stars = b.ratings or (0, 0)
    if count < v["bonus.satisfaction.min_count"]:
        return MISSED
    return scored(satisfaction_points(stars / count, v), v["bonus.satisfaction.max_points"])


@check("bonus.satisfaction", "消费者满意度", "Consumer satisfaction", "bonus", _satisfaction)
def satisfaction(ev: Evidence, p: Params) -> Result:
    """Bonus: the mean stars of the consumer ratings over the last 12 months (消费者评价), with at
    least 10 of them; fewer leave the item missing (no points, not a fail)."""
    top, least = p["bonus.satisfaction.max_points"], p["bonus.satisfaction.min_count"]
    rated = ev.ratings
    if rated is None or rated.count < least:
        count = 0 if rated is None else rated.count
        refs = () if rated is None else (rated.ref,)
        return result(
            Status.MISSING,
            0.0,
            float(top),
            "评价{0}条，少于{1}条，不评满意度",
            "{0} rating(s), fewer than {1}: satisfaction not scored",
            (count, least),
            refs,
        )
    mean = rated.mean
    assert mean is not None
    return _scored(
        satisfaction_points(mean, p),
        top,
        "{0}至{1}消费者评价{2}条，平均{3:.2f}星",
        "{2} consumer ratings from {0} to {1}, mean {3:.2f} stars",
        (rated.window_start, rated.as_of, rated.count, mean),
        (rated.ref,),
    )


SCORED = (
    penalties,
    abnormal_history,
    reconciliation,
    closed_promptly,
    odr,
    advance_compensation,
    first_inquiry,
    service_station,
    return_promise,
    longevity,
    inspection_deductions,
    refused_return_deductions,
)
BONUS = (long_return_period, returns_any_branch, refund_within_48h, satisfaction)
