"""The open-data files of the disclosures: deterministic JSON and CSV bytes and the README of fields."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from checks.disclosures.figures import REFERENCE, Period
from checks.disclosures.lists import BLACK_COLUMNS, DISCLOSURE_COLUMNS, RED_COLUMNS
from checks.disclosures.members import MemberUnits
from checks.disclosures.statistics import STAT_COLUMNS
from documents.csvfile import csv_text


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False, default=str) + "\n").encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "count" in value[0]:
            return "；".join(f"{v['category']}({v['count']})" for v in value)
        if value and isinstance(value[0], dict) and "text" in value[0]:
            return " | ".join(f"{v['received_on']} {v['category']}：{v['text']}" for v in value)
        return "；".join(map(str, value))
    return str(value)


def csv_bytes(rows: Iterable[Mapping], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), LF line ends;
    formula-like cells neutralised (`documents.csvfile`)."""
    text = csv_text(([_cell(r.get(c)) for c in columns] for r in rows), columns, line_end="\n")
    return ("\ufeff" + text).encode("utf-8")


# -- README of fields ---------------------------------------------------------------------------

FIELDS: dict[str, str] = {
    "number": "证书编号（ASCII） / certificate number, ASCII form (HB-FX-2026-420000-000001)",
    "number_zh": "证书编号（中文） / certificate number, Chinese form (鄂放心〔2026〕第420000-000001号)",
    "programme": "项目：model_unit 放心消费创建示范单位，seven_day_return 七日无理由退货承诺示范店 / programme id",
    "programme_zh": "项目名称 / programme title in Chinese",
    "business_name": "经营者名称 / business name",
    "uscc": "统一社会信用代码 / unified social credit code",
    "region_code": "行政区划代码（GB/T 2260） / region code",
    "industry_code": "行业代码（GB/T 4754） / industry code",
    "valid_from": "有效期起 / valid from",
    "valid_until": "有效期至 / valid until",
    "status": "截至公示日的状态：valid 有效，suspended 暂停，expired 已到期 / status on the as-of date",
    "status_zh": "状态（中文） / status in Chinese",
    "entry": "类型：complaint_blacklist 投诉黑名单，revoked_certificate 撤销称号 / entry type",
    "entry_zh": "类型（中文） / entry type in Chinese",
    "listed_on": "列入日期或撤销日期 / date listed or revoked",
    "reason_code": "原因代码 / reason code",
    "reason_zh": "原因 / reason (Chinese)",
    "reason_en": "reason (English)",
    "note": "说明（已脱敏） / note (personal data masked)",
    "certificate_number": "被撤销证书编号 / revoked certificate number",
    "certificate_number_zh": "被撤销证书编号（中文） / revoked certificate number, Chinese form",
    "received": "收到投诉件数（不含咨询、举报） / complaints received (consultations and reports excluded)",
    "not_accepted": "不予受理件数 / complaints not accepted",
    "accepted": "受理件数 = received − not_accepted / complaints accepted",
    "reconciled": "和解件数 / complaints reconciled",
    "open": "尚未办结件数 / complaints still open",
    "reconciliation_rate": "和解率 = reconciled / accepted（小数，空表示无受理投诉） / reconciliation rate as a fraction",
    "top_categories": "主要投诉类别（前三，件数） / top 3 categories with counts",
    "samples": "典型投诉摘要（个人信息已脱敏） / sample complaint texts, personal data masked",
    "dimension": "统计维度：total, section 行业门类, industry 行业代码, region 市州, category 类别, month 月份 / dimension",
    "key": "维度取值 / key within the dimension",
    "label": "名称 / label",
}
FILES: dict[str, tuple[str, str, Sequence[str]]] = {
    "red_list": ("红名单", "red list: certified model units and seven-day-return stores", RED_COLUMNS),
    "black_list": ("黑名单", "black list: complaint black list and revoked titles", BLACK_COLUMNS),
    "complaint_disclosure": ("投诉信息公示", "complaint information per enterprise", DISCLOSURE_COLUMNS),
    "industry_statistics": ("行业投诉统计", "complaint statistics by industry, region, category, month", STAT_COLUMNS),
}


def readme(as_of: dt.date, period: Period, min_complaints: int, units: MemberUnits) -> str:
    lines = [
        f"# 消费投诉信息公示 / Consumer complaint disclosures — {as_of.isoformat()}",
        "",
        f"统计期 / period: {period.start} – {period.end}（对比期 / compared with {period.previous_start} – "
        f"{period.previous_end}）。投诉指类型为 complaint 的记录，不含咨询和举报；和解率 = 和解件数 /（收到件数 − 不予受理件数）。"
        f"参考值 92.78%（31,844 / 34,321，{REFERENCE['source_zh']}）。",
        "Complaints are records of kind `complaint` (consultations and reports excluded); reconciliation rate = "
        "reconciled / (received − not accepted); reference 92.78 % (31,844 / 34,321, Hubei 315 platform).",
        "",
        "个人信息已脱敏：手机号、固定电话、身份证号、电子邮箱、长数字、“某先生/女士”前的姓名，法定代表人姓名不予公示。",
        "Personal data is masked: phone numbers, ID numbers, e-mail addresses, long numbers, names before 先生/女士; "
        "legal representatives are never published.",
        "",
        "## 文件 / Files",
        "",
    ]
    for stem, (zh, en, _) in FILES.items():
        lines.append(f"- `{stem}.pdf`, `{stem}.csv`, `{stem}.json` — {zh} / {en}")
    lines += [
        f"- `complaint_disclosure.*`: 统计期内投诉 ≥ {min_complaints} 件的经营者（PDF 仅列前若干家，CSV/JSON 为全部） / "
        f"enterprises with at least {min_complaints} complaints in the period (the PDF shows the top ones only)",
        "- `letters/<unit>.pdf`, `letters/<unit>.json` — 诉求信息通报函，每个消费维权联席会议成员单位一份 / "
        "notification letter per member unit of the joint meeting",
        "",
        'CSV 为 UTF-8（带 BOM）；JSON 为 {"as_of", "period", "count", "items"}。'
        ' / CSV is UTF-8 with a BOM; JSON is {"as_of", "period", "count", "items"}.',
        "",
        "## 字段 / Fields",
        "",
    ]
    for stem, (zh, _, columns) in FILES.items():
        lines.append(f"### {stem} ({zh})")
        lines.append("")
        lines += [f"- `{c}`: {FIELDS[c]}" for c in columns]
        lines.append("")
    lines += ["## 成员单位 / Member units", "", f"映射文件 / mapping: `{Path(units.path).name}`", ""]
    for u in units.all():
        lines.append(
            f"- `{u.id}` {u.name_zh} / {u.name_en}: {', '.join(u.industries) or '其他行业 / all other industries'}"
        )
    return "\n".join(lines) + "\n"
