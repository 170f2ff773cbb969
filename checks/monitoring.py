"""Dynamic management (动态管理): what a recheck's fresh assessment means for a certificate.

Pure: a certificate's state, its fresh assessment (with the complaint figures inside the
evidence), the policy's `recheck.*` values, what the previous recheck warned about and the
latest risk notice go in; the findings and one action come out.

- past `valid_until` → expired (an expired title is no longer watched);
- any veto → suspend at once (a veto found while suspended leaves it suspended);
- a complaint spike or a reconciliation rate below the floor → a warning to reviewers, and
  suspension when the same warning stood at the previous recheck;
- a suspended certificate with nothing standing against it → reinstatable (a reviewer decides);
- a veto check without data and a risk-scan flag → advisory findings, never an action;
- for a seven-day-return store, a mystery shopper's return request refused within the
  committed period (`outcome: refused`, `within_commitment: true`) in the last
  `recheck.mystery_shop_months` months → suspend at once (reason `return_refused`); the
  finding cites the visit's date and scenario, never the shopper's code (when the fresh
  assessment's V9 veto already holds it, the veto stands for it);
- a mean consumer rating below `recheck.satisfaction_floor` (with at least the satisfaction
  item's minimum count) → a warning to reviewers that never suspends, however long it stands.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from checks.assess import Assessment
from checks.calendar import add_months, zh_date
from checks.complaints import ComplaintFigures
from checks.evidence import Ratings, refused_within_commitment
from checks.outcome import Status
from checks.policy import Resolved

Action = Literal["suspend", "warn", "expire", "reinstatable", "none"]
Kind = Literal["veto", "warning", "expired", "advisory", "cleared"]

SPIKE = "recheck.complaint_spike"
LOW_RATE = "recheck.reconciliation_rate"
EXPIRED = "lifecycle.expired"
CLEARED = "recheck.cleared"
RISK = "risk.flag"
REFUSED = "recheck.return_refused"
SATISFACTION = "recheck.satisfaction"
# veto id -> status reason code (certificates.status.REASONS)
VETO_REASONS = {
    "V1": "business_closed",
    "V2": "serious_dishonest_listing",
    "V3": "abnormal_operations_listing",
    "V4": "credit_class_drop",
    "V5": "severe_penalty",
    "V6": "complaint_blacklist",
    "V7": "commitment_not_met",
    "V8": "inspection_failed",
    "V9": "return_refused",
}
WARNING_REASONS = {SPIKE: "complaint_spike", LOW_RATE: "low_reconciliation_rate"}
FIELD_REASONS = {REFUSED: "return_refused"}  # field findings that suspend like a veto
SCENARIO_ZH = {
    "return_request": "无理由退货",
    "price_display": "明码标价",
    "complaint_handling": "投诉处理",
    "other": "其他",
}
MONITORED = ("valid", "suspended")


@dataclass(frozen=True)
class Finding:
    check_id: str
    kind: Kind
    title_zh: str
    reason_zh: str
    reason_en: str
    evidence: tuple[str, ...] = ()
    figures: dict[str, Any] = field(default_factory=dict)

    def detail(self) -> dict[str, Any]:
        return {
            "title_zh": self.title_zh,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "evidence": list(self.evidence),
            "figures": self.figures,
        }


@dataclass(frozen=True)
class Decision:
    action: Action
    reason_code: str | None
    findings: tuple[Finding, ...]
    cause: Finding | None = None  # the finding the action rests on


@dataclass(frozen=True)
class Visit:
    """A mystery-shopping visit as the recheck reads it (no shopper code: it is never shown)."""

    shop_id: str
    visited_on: dt.date
    scenario: str
    outcome: str
    within_commitment: bool | None


def refused_return(program: str, visits: tuple[Visit, ...], as_of: dt.date, p: Resolved) -> Finding | None:
    """The latest return refused within the committed period at a seven-day-return store, on or
    before `as_of` and after `as_of` less `recheck.mystery_shop_months` months; None without one.
    A refusal outside the committed period (`within_commitment` false or unknown) does not count."""
    if program != "seven_day_return":
        return None
    months = p["recheck.mystery_shop_months"]
    since = add_months(as_of, -months)
    counted = [v for v in visits if refused_within_commitment(v, since, as_of)]
    if not counted:
        return None
    v = max(counted, key=lambda v: (v.visited_on, v.shop_id))
    scenario = SCENARIO_ZH.get(v.scenario, v.scenario)
    return Finding(
        REFUSED,
        "veto",
        "暗访：拒绝无理由退货",
        f"{zh_date(v.visited_on)}暗访（{scenario}）发现：在承诺的退货期限和范围内拒绝无理由退货",
        f"mystery shop on {v.visited_on} ({v.scenario}): a return within the committed period was refused",
        (f"mystery_shop:{v.shop_id}",),
        {"visited_on": v.visited_on.isoformat(), "scenario": v.scenario, "months": months, "refusals": len(counted)},
    )


def complaint_spike(c: ComplaintFigures, p: Resolved) -> Finding | None:
    """Complaints in the recent window ≥ factor × the business's own monthly mean over the
    complaint window, and ≥ the minimum count."""
    months = p["complaints.window_months"]
    days, factor, least = p["recheck.spike_window_days"], p["recheck.spike_factor"], p["recheck.spike_min_count"]
    mean = c.received / months
    if c.received_recent < least or c.received_recent < factor * mean:
        return None
    times = c.received_recent / mean if mean else float("inf")
    figures = {
        "recent": c.received_recent,
        "recent_days": days,
        "monthly_mean": round(mean, 2),
        "months": months,
        "factor": factor,
        "min_count": least,
    }
    return Finding(
        SPIKE,
        "warning",
        "投诉量异常增长",
        f"近{days}天收到投诉{c.received_recent}件，为近{months}个月月均{mean:.1f}件的{times:.1f}倍"
        f"（监测阈值：{factor:g}倍且不少于{least}件）",
        f"{c.received_recent} complaints in the last {days} days, {times:.1f}× the {months}-month monthly "
        f"mean of {mean:.1f} (threshold {factor:g}× and at least {least})",
        c.refs,
        figures,
    )


def low_reconciliation(c: ComplaintFigures, p: Resolved) -> Finding | None:
    floor, rate = p["recheck.reconciliation_floor"], c.reconciliation_rate
    if rate is None or rate >= floor:
        return None
    figures = {"reconciled": c.reconciled, "accepted": c.accepted, "rate": round(rate, 4), "floor": floor}
    return Finding(
        LOW_RATE,
        "warning",
        "投诉和解率",
        f"近{p['complaints.window_months']}个月投诉和解率{rate:.2%}（和解{c.reconciled}件/受理{c.accepted}件），"
        f"低于监测下限{floor:.0%}",
        f"reconciliation rate {rate:.2%} ({c.reconciled} of {c.accepted} accepted) over "
        f"{p['complaints.window_months']} months, below the floor of {floor:.0%}",
        c.refs,
        figures,
    )


def low_satisfaction(r: Ratings | None, p: Resolved) -> Finding | None:
    """The mean stars over the satisfaction window below the floor, with at least the minimum
    count of ratings (fewer say nothing)."""
    least, floor = p["bonus.satisfaction.min_count"], p["recheck.satisfaction_floor"]
    if r is None or r.count < least or r.stars / r.count >= floor:
        return None
    mean = r.stars / r.count
    figures = {"ratings": r.count, "mean": round(mean, 2), "floor": floor, "min_count": least}
    return Finding(
        SATISFACTION,
        "warning",
        "消费者满意度",
        f"{zh_date(r.window_start)}至{zh_date(r.as_of)}消费者评价{r.count}条，平均{mean:.2f}星，低于监测下限{floor:g}星",
        f"{r.count} consumer ratings from {r.window_start} to {r.as_of}, mean {mean:.2f} stars, "
        f"below the floor of {floor:g}",
        (r.ref,),
        figures,
    )


def _risk(notice: dict[str, Any]) -> Finding:
    """The risk scan's notice (checks.risk.scan.risk_notice) as an advisory finding."""
    return Finding(
        RISK,
        "advisory",
        "投诉文本风险提示",
        notice.get("zh", "投诉文本风险提示"),
        notice.get("en", "risk notice"),
        (f"risk_scan:{notice.get('as_of', '')}",),
        {k: notice[k] for k in ("as_of", "complaints", "terms") if k in notice},
    )


def decide(
    state: str,
    valid_until: dt.date,
    assessment: Assessment,
    p: Resolved,
    *,
    warned_before: frozenset[str] = frozenset(),
    expiry_noted: bool = False,
    risk_notice: dict[str, Any] | None = None,
    program: str | None = None,
    visits: tuple[Visit, ...] = (),
) -> Decision:
    """The recheck's decision for one certificate (state `valid` or `suspended`)."""
    if state not in MONITORED:
        raise ValueError(f"state {state!r}: only {' and '.join(MONITORED)} certificates are rechecked")
    as_of = assessment.as_of
    if as_of > valid_until:
        finding = Finding(
            EXPIRED,
            "expired",
            "证书有效期",
            f"证书有效期至{zh_date(valid_until)}，已届满",
            f"valid until {valid_until}: expired",
            (),
            {"valid_until": valid_until.isoformat()},
        )
        return Decision("none" if expiry_noted else "expire", None, (finding,), finding)
    findings: list[Finding] = []
    for o in assessment.outcomes:
        if o.status == Status.VETO:
            findings.append(Finding(o.id, "veto", o.title_zh, o.reason_zh, o.reason_en, o.evidence))
        elif o.status == Status.MISSING and o.id in VETO_REASONS:
            findings.append(
                Finding(
                    o.id,
                    "advisory",
                    o.title_zh,
                    f"缺少数据，无法复核：{o.reason_zh}",
                    f"no data to recheck: {o.reason_en}",
                    o.evidence,
                )
            )
    refused = refused_return(program, visits, as_of, p) if program and visits else None
    if refused is not None and not any(f.check_id == "V9" for f in findings):
        findings.append(refused)
    c = assessment.evidence.complaints
    warnings = [w for w in (complaint_spike(c, p), low_reconciliation(c, p)) if w is not None]
    findings += warnings
    unhappy = low_satisfaction(assessment.evidence.ratings, p)
    if unhappy is not None:
        findings.append(unhappy)
    if risk_notice:
        findings.append(_risk(risk_notice))
    vetoes = [f for f in findings if f.kind == "veto"]
    if vetoes:
        code = VETO_REASONS.get(vetoes[0].check_id) or FIELD_REASONS[vetoes[0].check_id]
        return Decision("suspend" if state == "valid" else "none", code, tuple(findings), vetoes[0])
    if warnings:
        persisting = [w for w in warnings if w.check_id in warned_before]
        if state == "valid" and persisting:
            return Decision("suspend", WARNING_REASONS[persisting[0].check_id], tuple(findings), persisting[0])
        return Decision("warn" if state == "valid" else "none", None, tuple(findings), warnings[0])
    if unhappy is not None and state == "valid":
        return Decision("warn", None, tuple(findings), unhappy)
    if state == "suspended":
        cleared = Finding(
            CLEARED,
            "cleared",
            "复核结果",
            "复核未发现否决事项或投诉异常，可由审核人员决定恢复",
            "no veto or complaint warning stands: a reviewer may reinstate",
        )
        return Decision("reinstatable", None, (*findings, cleared), cleared)
    return Decision("none", None, tuple(findings))
