"""What would fix a failed check: the advice a rejection letter gives, in Chinese and English.

Keyed by check id; a check without an entry gets the general advice. Advice only:
the thresholds themselves are quoted from the assessment's own reasons.
"""

from __future__ import annotations

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
        "信用风险分类须为A类；请提升信用状况，待重新分类后申请。",
        "The credit-risk class must be A; apply after reclassification.",
    ),
    "V5": (
        "严重行政处罚不再计入审核期限后，可重新申请。",
        "Apply again once the severe penalty no longer falls within the look-back period.",
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
    "longevity": ("经营年限不足，持续守法经营后可获得更高评分。", "Longer lawful operation earns more points."),
}


def remedy(check_id: str) -> tuple[str, str]:
    return REMEDIES.get(check_id, GENERAL)
