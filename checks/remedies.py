"""What would fix a failed check: the advice a rejection letter gives, in Chinese and English.

Keyed by check id; a check without an entry gets the general advice. Advice only:
the thresholds themselves are quoted from the assessment's own reasons. Every remedy is
something the business can do; a check that measures what it cannot change (its years in
business) is `NOTHING_TO_DO` and is told apart from the faults. One fault is said once: a scored
item that fails for the same fact as a veto (`SAME_FAULT`) is left out where the veto is told.
"""

from __future__ import annotations

from collections.abc import Collection

GENERAL = ("请对照审核意见整改后重新申请。", "Address the finding and apply again.")

REMEDIES: dict[str, tuple[str, str]] = {
    "V1": (
        "请确认统一社会信用代码正确且登记状态为存续后重新申请。",
        "Apply with a valid code once the registration is active.",
    ),
    "V2": (
        "须移出严重违法失信名单（信用修复）后方可申请。",
        "Apply once removed from the serious illegal and dishonest list (credit repair).",
    ),
    "V3": (
        "请补报年报或更正公示信息，申请移出经营异常名录后重新申请。",
        "File the missing annual report or correct the disclosure, get removed from the list, then apply.",
    ),
    "V4": (
        "按时报送年报、依法履行行政处罚、及时处理投诉，信用风险分类按月更新为A类后重新申请。",
        "File reports on time, comply with penalties and handle complaints; apply once reclassified as A.",
    ),
    "V5": (
        "依法履行处罚决定、整改到位；该处罚超出审核年限后可重新申请。",
        "Comply with the decision and correct the violation; apply again once it falls outside the look-back period.",
    ),
    "V6": (
        "请及时办结超期投诉，移出投诉黑名单后重新申请。",
        "Close the overdue complaints and get off the complaint black list, then apply.",
    ),
    "V7": (
        "须承诺不少于七日的线下无理由退货期限，并在店内显著位置公示退货范围和条件。",
        "Commit to at least seven days of offline no-reason returns and display scope and conditions in store.",
    ),
    "V8": (
        "请按现场验收意见整改未通过的否决项，整改后重新申请并接受现场验收。",
        "Put right the failed veto items of the on-site inspection, then apply again and be inspected.",
    ),
    "V9": (
        "须在承诺的期限和范围内受理无理由退货；暗访拒绝退货不再计入审核期限后，可重新申请。",
        "Accept returns within the committed period and scope; apply again once the refusal is out of the look-back.",
    ),
    "inspection.deductions": (
        "请按现场验收意见整改未通过的项目。",
        "Put right the items the on-site inspection failed.",
    ),
    "mystery_shop.refused_returns": (
        "须在承诺的期限和范围内受理无理由退货。",
        "Accept returns within the committed period and scope.",
    ),
    "compliance.penalties": (
        "依法整改违法行为，符合条件的可申请信用修复。",
        "Correct the violations; apply for credit repair where eligible.",
    ),
    "compliance.abnormal_history": (
        "按时报送年报、如实公示信息，避免再次列入经营异常名录。",
        "File annual reports on time and disclose truthfully.",
    ),
    "complaints.reconciliation": (
        "积极与消费者和解，提高投诉和解率。",
        "Settle complaints with consumers to raise the reconciliation rate.",
    ),
    "complaints.closed_within_7_days": (
        "建立投诉快速处理机制，七日内办结投诉。",
        "Set up fast complaint handling and close complaints within 7 days.",
    ),
    "mechanisms.odr": (
        "加入全国12315平台在线消费纠纷解决（ODR）机制。",
        "Enrol in the 12315 online dispute resolution (ODR) mechanism.",
    ),
    "mechanisms.advance_compensation": ("建立并承诺先行赔付制度。", "Commit to advance compensation."),
    "mechanisms.first_inquiry_responsibility": ("建立并承诺首问负责制度。", "Commit to first-inquiry responsibility."),
    "mechanisms.service_station": ("设立消费投诉服务站。", "Set up a consumer complaint service station."),
    "mechanisms.return_promise": (
        "作出七日以上无理由退货承诺并公示。",
        "Make and display a return promise of at least seven days.",
    ),
    "longevity": (
        "本项按成立年限计分，无需整改；持续守法经营，年限增加后得分相应提高。",
        "Scored by years in business: nothing to correct; the points grow with the years.",
    ),
}

# Checks that measure what the business cannot change: told as a note, never as a fault to correct.
NOTHING_TO_DO = frozenset({"longevity"})

# scored item -> the veto that fails for the same fact (a return period under seven days fails both V7
# and the return-promise item; a current abnormal-operation listing fails V3 and the listing history).
SAME_FAULT: dict[str, str] = {
    "mechanisms.return_promise": "V7",
    "compliance.abnormal_history": "V3",
}


def remedy(check_id: str) -> tuple[str, str]:
    return REMEDIES.get(check_id, GENERAL)


def said_once(check_ids: Collection[str]) -> list[str]:
    """The failed checks a letter tells, in order: each fault once (a scored item whose veto also
    failed is left out)."""
    return [c for c in check_ids if SAME_FAULT.get(c) not in check_ids]
