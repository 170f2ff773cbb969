"""Veto checks V1–V9 (否决项, docs/domain.md): any veto makes the applicant ineligible; a veto
check without its data gives `missing`, which makes the verdict `pending`, never a pass.
V8 and V9 read the field records (issue 16): a failed veto item of the latest on-site
inspection, and a return refused to a mystery shopper within the commitment; before any
inspection or visit they pass (the review gate asks for the inspection, not the assessment).

Each check is declared once with both its parts side by side: the screening part
(`checks.fast`, statuses from raw rows) above the reference (reasons from Evidence)."""

from __future__ import annotations

import datetime as dt

from checks.calendar import add_years, zh_date
from checks.evidence import Evidence
from checks.fast import (
    MISSED,
    OPEN_PAST_LIMIT,
    PASSED,
    VETOED,
    Business,
    Quick,
    checklist_roles,
    counted_refusals,
    currently_listed,
    fast,
    judged_penalties,
)
from checks.outcome import Result, Status, check, once, result
from checks.penalties import PenaltyReason
from checks.policy import Params, Resolved
from checks.uscc import UsccError, validate_uscc

STATUS_ZH = {"active": "存续", "suspended": "停业", "revoked": "吊销", "deregistered": "注销"}
LIST_ZH = {
    "serious_dishonest": "严重违法失信名单",
    "abnormal_operations": "经营异常名录",
    "complaint_blacklist": "投诉黑名单",
}
LIST_EN = {
    "serious_dishonest": "serious illegal and dishonest list",
    "abnormal_operations": "abnormal-operation list",
    "complaint_blacklist": "complaint black list",
}


def _ok(zh: str, en: str, args: tuple = (), refs: tuple[str, ...] = ()) -> Result:
    return result(Status.PASS, 0.0, 0.0, zh, en, args, refs)


def _veto(zh: str, en: str, args: tuple = (), refs: tuple[str, ...] = ()) -> Result:
    return result(Status.VETO, 0.0, 0.0, zh, en, args, refs)


def _missing(zh: str, en: str) -> Result:
    return result(Status.MISSING, 0.0, 0.0, zh, en, (), ())


@fast(key=("code_ok", "status"))
def _registration_active(b: Business, r: Resolved) -> Quick:
    if not b.code_ok:
        return VETOED
    if b.status is None:
        return MISSED
    return PASSED if b.status == "active" else VETOED


@check("V1", "主体资格", "Valid code and active registration", "veto", _registration_active)
def registration_active(ev: Evidence, p: Params) -> Result:
    """V1: the USCC passes GB 32100 (or is on the audited override list) and the business is active (存续)."""
    ref = (ev.registration_ref,)
    if not ev.uscc_overridden:
        try:
            validate_uscc(ev.uscc)
        except UsccError as exc:
            where = f"第{exc.position}位" if exc.position else "长度"
            return _veto("统一社会信用代码 {0} 校验不通过（{1}）", "{2}", (ev.uscc, where, exc), ref)
    reg = ev.registration
    if reg is None:
        return _missing("未找到登记信息", "no registration record on file")
    if reg.status != "active":
        return _veto(
            "登记状态为{0}，非存续",
            "registration status is {1}, not active",
            (STATUS_ZH.get(reg.status, reg.status), reg.status),
            ref,
        )
    return _ok("统一社会信用代码有效，登记状态为存续", "code valid and registration active", (), ref)


_NOT_LISTED = {name: _ok("未列入{0}", "not on the {1}", (LIST_ZH[name], LIST_EN[name])) for name in LIST_ZH}


def _current_listing(ev: Evidence, name: str) -> Result:
    for x in ev.listings:
        if x.current and x.list == name:
            hits = [y for y in ev.listings if y.current and y.list == name]
            since = tuple(y.listed_on for y in hits)
            return _veto(
                "现列入{0}（{2}起）",
                "currently on the {1} since {2}",
                (LIST_ZH[name], LIST_EN[name], since),
                tuple(y.ref for y in hits),
            )
    return _NOT_LISTED[name]


@fast(rows=("listings",))
def _not_seriously_dishonest(b: Business, r: Resolved) -> Quick:
    return VETOED if "serious_dishonest" in currently_listed(b, r) else PASSED


@check("V2", "严重违法失信", "Serious illegal and dishonest list", "veto", _not_seriously_dishonest)
def not_seriously_dishonest(ev: Evidence, p: Params) -> Result:
    """V2: not currently on the serious-illegal-dishonest list (SAMR Order 44)."""
    return _current_listing(ev, "serious_dishonest")


@fast(rows=("listings",))
def _not_abnormal(b: Business, r: Resolved) -> Quick:
    return VETOED if "abnormal_operations" in currently_listed(b, r) else PASSED


@check("V3", "经营异常", "Abnormal-operation list", "veto", _not_abnormal)
def not_abnormal(ev: Evidence, p: Params) -> Result:
    """V3: not currently on the abnormal-operation list (经营异常名录)."""
    return _current_listing(ev, "abnormal_operations")


@fast(key=("risk_class",))
def _credit_class_required(b: Business, r: Resolved) -> Quick:
    if b.risk_class is None:
        return MISSED
    return PASSED if b.risk_class == r.values["vetoes.required_credit_class"] else VETOED


@check("V4", "信用风险分类", "Credit-risk class", "veto", _credit_class_required)
def credit_class_required(ev: Evidence, p: Params) -> Result:
    """V4 (model_unit): the latest credit-risk class is the required one (A)."""
    required = p["vetoes.required_credit_class"]
    cc = ev.credit_class
    if cc is None:
        return _missing("无信用风险分类记录", "no credit-risk class on record")
    if cc.risk_class != required:
        return _veto(
            "最新信用风险分类为{0}类（{1}），要求{2}类",
            "latest credit-risk class is {0} ({1}), {2} required",
            (cc.risk_class, cc.classified_on, required),
            (cc.ref,),
        )
    return _ok(
        "最新信用风险分类为{0}类（{1}）",
        "latest credit-risk class is {0} ({1})",
        (required, cc.classified_on),
        (cc.ref,),
    )


@fast(rows=("penalties",))
def _no_severe_penalty(b: Business, r: Resolved) -> Quick:
    since = r.derived("severe penalties since", _severe_since)
    for decided, x in judged_penalties(b, r):
        if x.severe and x.reason is not PenaltyReason.REVOKED and decided > since:
            return VETOED
    return PASSED


def _severe_since(r: Resolved) -> dt.date:
    return add_years(r.as_of, -r.values["vetoes.severe_penalty_years"])


@check("V5", "严重行政处罚", "Severe penalty", "veto", _no_severe_penalty)
def no_severe_penalty(ev: Evidence, p: Params) -> Result:
    """V5: no severe penalty (suspension, licence revocation, employment ban) decided within
    3 years and not revoked; repair and publicity do not matter for these."""
    years = p["vetoes.severe_penalty_years"]
    if any(x.severe for x in ev.penalties):
        since = add_years(ev.as_of, -years)
        hits = [x for x in ev.penalties if x.severe and x.reason is not PenaltyReason.REVOKED and x.decided_on > since]
        if hits:
            return _veto(
                "{0}年内受到严重行政处罚：{1}",
                "severe penalty within {0} years: {2}",
                (
                    years,
                    "、".join(f"{x.decision_no}（{zh_date(x.decided_on)}）" for x in hits),
                    ", ".join(f"{x.decision_no} ({x.decided_on})" for x in hits),
                ),
                tuple(x.ref for x in hits),
            )
    return once(p, "V5.pass", lambda: _ok("{0}年内无严重行政处罚", "no severe penalty within {0} years", (years,)))


@fast(key=("complaints.open_past_limit",), rows=("listings",))
def _complaints_handled(b: Business, r: Resolved) -> Quick:
    if "complaint_blacklist" in currently_listed(b, r) or b.complaints[OPEN_PAST_LIMIT]:
        return VETOED
    return PASSED


@check("V6", "投诉黑名单", "Complaint black list", "veto", _complaints_handled)
def complaints_handled(ev: Evidence, p: Params) -> Result:
    """V6: not currently on the complaint black list, and no complaint in the complaint window
    left open longer than the black-list limit (14 days)."""
    result = _current_listing(ev, "complaint_blacklist")
    if result.status is Status.VETO:
        return result
    c = ev.complaints
    days = p["handling.blacklist_days"]
    if c.open_past_limit:
        return _veto(
            "{0}至{1}有{2}件投诉超过{3}天未办结",
            "{2} complaint(s) received from {0} to {1} left open past {3} days",
            (c.window_start, c.as_of, c.open_past_limit, days),
            c.refs,
        )
    return once(
        p,
        "V6.pass",
        lambda: _ok(
            "未列入投诉黑名单，无超过{0}天未办结的投诉",
            "not black-listed and no complaint left open past {0} days",
            (days,),
            (c.ref,),
        ),
    )


@fast(key=("commitments",))
def _return_commitment(b: Business, r: Resolved) -> Quick:
    c = b.commitments
    if c is None or c.return_days is None or c.return_days < r.values["vetoes.min_return_days"] or not c.displayed:
        return VETOED
    return PASSED


@check("V7", "七日无理由退货承诺", "Seven-day return commitment", "veto", _return_commitment)
def return_commitment(ev: Evidence, p: Params) -> Result:
    """V7 (seven_day_return): the committed return period is at least 7 days and displayed in store."""
    least = p["vetoes.min_return_days"]
    app = ev.application
    if app is None:
        return _veto("无申请，无退货承诺", "no application, so no return commitment")
    c = app.commitments
    if c.return_days is None:
        return _veto("申请未承诺退货期", "the application commits to no return period", (), (app.ref,))
    if c.return_days < least:
        return _veto(
            "承诺退货期{0}天，少于{1}天",
            "committed return period {0} days, under {1}",
            (c.return_days, least),
            (app.ref,),
        )
    if not c.displayed:
        return _veto("退货承诺未在店内明示", "the return commitment is not displayed in the store", (), (app.ref,))
    return _ok("承诺{0}天无理由退货并明示", "{0}-day returns committed and displayed", (c.return_days,), (app.ref,))


@fast(key=("inspection",))
def _inspection_passed(b: Business, r: Resolved) -> Quick:
    if b.inspection and not b.inspection.isdisjoint(checklist_roles(r.values).veto):
        return VETOED
    return PASSED


@check("V8", "现场验收否决项", "On-site inspection veto items", "veto", _inspection_passed)
def inspection_passed(ev: Evidence, p: Params) -> Result:
    """V8: the latest on-site inspection (评价验收) failed no item the checklist makes a veto."""
    ins = ev.inspection
    if ins is None:
        return once(p, "V8.none", lambda: _ok("尚无现场验收记录", "no on-site inspection on file yet"))
    rl = checklist_roles(p)
    failed = [x.id for x in ins.items if x.result == "fail" and x.id in rl.veto]
    if failed:
        return _veto(
            "{0}现场验收未通过否决项：{1}",
            "the on-site inspection of {0} failed veto item(s): {2}",
            (
                ins.inspected_on,
                "、".join(f"“{rl.titles[i]}”" for i in failed),
                ", ".join(f"{i} ({rl.titles[i]})" for i in failed),
            ),
            (ins.ref,),
        )
    return _ok(
        "{0}现场验收否决项均通过",
        "the on-site inspection of {0} passed every veto item",
        (ins.inspected_on,),
        (ins.ref,),
    )


@fast(rows=("refused_returns",))
def _no_refused_return(b: Business, r: Resolved) -> Quick:
    return VETOED if counted_refusals(b, r) else PASSED


@check("V9", "暗访拒绝无理由退货", "Return refused to a mystery shopper", "veto", _no_refused_return)
def no_refused_return(ev: Evidence, p: Params) -> Result:
    """V9 (seven_day_return): no mystery shopper was refused a return within the committed period
    (`outcome: refused`, `within_commitment: true`) in the 12 months up to the as-of date (暗访)."""
    months = p["field.refused_return_months"]
    refused = ev.refused_returns
    if refused:
        return _veto(
            "{0}个月内暗访发现在承诺的退货期限和范围内拒绝无理由退货：{1}",
            "a return within the committed period was refused to a mystery shopper within {0} months: {1}",
            (months, tuple(v.visited_on for v in refused)),
            tuple(v.ref for v in refused),
        )
    return once(
        p,
        "V9.pass",
        lambda: _ok(
            "{0}个月内暗访未发现承诺期内拒绝退货",
            "no return within the commitment refused to a mystery shopper within {0} months",
            (months,),
        ),
    )


VETOES = (
    registration_active,
    not_seriously_dishonest,
    not_abnormal,
    credit_class_required,
    no_severe_penalty,
    complaints_handled,
    return_commitment,
    inspection_passed,
    no_refused_return,
)
