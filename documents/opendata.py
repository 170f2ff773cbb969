"""The open-data files of the disclosures: deterministic JSON and CSV bytes and the README of fields."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from checks.disclosures.figures import REFERENCE, SECTIONS, Period, section
from checks.disclosures.lists import BLACK_COLUMNS, DISCLOSURE_COLUMNS, RED_COLUMNS
from checks.disclosures.members import MemberUnits
from checks.disclosures.statistics import STAT_COLUMNS, statistics_rows
from documents.codes import region_name
from documents.csvfile import BOM, Column, columns_readme, csv_text, readme_text, table_bytes


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


NAMES = {  # a name column printed beside its code column (the code stays: open-data users join on it)
    "region_code": ("region_name", lambda r: region_name(r.get("region_code"))),
    "industry_code": ("industry_section", lambda r: SECTIONS.get(section(r.get("industry_code")), "")),
}


def named(columns: Sequence[str]) -> tuple[str, ...]:
    """`columns` with each code column followed by its name: region_code, region_name (GB/T 2260);
    industry_code, industry_section (the GB/T 4754 section: no licensed table of the class names
    is shipped, see documents/data/README.md)."""
    return tuple(c for col in columns for c in (col, *([NAMES[col][0]] if col in NAMES else [])))


def csv_bytes(rows: Iterable[Mapping], columns: Sequence[str]) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), the Chinese headers of
    `columns` (field names, documented in the README) with a name beside each code (`named`), LF
    line ends; formula-like cells neutralised (`documents.csvfile`)."""
    fields = named(columns)
    derived = {name: value for name, value in NAMES.values()}
    return table_bytes(
        ([_cell(derived[c](r) if c in derived else r.get(c)) for c in fields] for r in rows),
        [COLUMNS[c] for c in fields],
        line_end="\n",
    )


# -- README of fields ---------------------------------------------------------------------------

_COLUMNS = (
    Column("number", "证书编号", "证书编号（ASCII） / certificate number, ASCII form (HB-FX-2026-420000-000001)"),
    Column(
        "number_zh",
        "证书编号（中文）",
        "证书编号（中文） / certificate number, Chinese form (鄂放心〔2026〕第420000-000001号)",
    ),
    Column(
        "programme",
        "项目代码",
        "项目：model_unit 放心消费创建示范单位，seven_day_return 七日无理由退货承诺示范店 / programme id",
    ),
    Column("programme_zh", "项目", "项目名称 / programme title in Chinese"),
    Column("business_name", "经营者名称", "经营者名称 / business name"),
    Column("uscc", "统一社会信用代码", "统一社会信用代码 / unified social credit code"),
    Column("region_code", "行政区划代码", "行政区划代码（GB/T 2260） / region code"),
    Column(
        "region_name",
        "行政区划",
        "行政区划名称（GB/T 2260，如 武汉市蔡甸区；代码不在所附代码表中时为代码本身；仅 CSV，JSON 中见 region_code） / "
        "region name (the code itself where the shipped table lacks it; CSV only)",
    ),
    Column("industry_code", "行业代码", "行业代码（GB/T 4754） / industry code"),
    Column(
        "industry_section",
        "行业门类",
        "行业代码所属门类的名称（GB/T 4754，如 批发和零售业；未附小类名称表；仅 CSV） / "
        "name of the industry code's section (no table of class names is shipped; CSV only)",
    ),
    Column("valid_from", "有效期起", "有效期起 / valid from"),
    Column("valid_until", "有效期至", "有效期至 / valid until"),
    Column(
        "status", "状态代码", "截至公示日的状态：valid 有效，suspended 暂停，expired 已到期 / status on the as-of date"
    ),
    Column("status_zh", "状态", "状态（中文） / status in Chinese"),
    Column("entry", "类型代码", "类型：complaint_blacklist 投诉黑名单，revoked_certificate 撤销称号 / entry type"),
    Column("entry_zh", "类型", "类型（中文） / entry type in Chinese"),
    Column("listed_on", "列入日期", "列入日期或撤销日期 / date listed or revoked"),
    Column("reason_code", "原因代码", "原因代码 / reason code"),
    Column("reason_zh", "原因", "原因 / reason (Chinese)"),
    Column("reason_en", "原因（英文）", "reason (English)"),
    Column("note", "说明", "说明（已脱敏） / note (personal data masked)"),
    Column("certificate_number", "被撤销证书编号", "被撤销证书编号 / revoked certificate number"),
    Column(
        "certificate_number_zh",
        "被撤销证书编号（中文）",
        "被撤销证书编号（中文） / revoked certificate number, Chinese form",
    ),
    Column(
        "received",
        "收到投诉件数",
        "收到投诉件数（不含咨询、举报） / complaints received (consultations and reports excluded)",
    ),
    Column("not_accepted", "不予受理件数", "不予受理件数 / complaints not accepted"),
    Column("accepted", "受理件数", "受理件数 = received − not_accepted / complaints accepted"),
    Column("reconciled", "和解件数", "和解件数 / complaints reconciled"),
    Column("open", "未办结件数", "尚未办结件数 / complaints still open"),
    Column(
        "reconciliation_rate",
        "和解率",
        "和解率 = reconciled / accepted（小数，空表示无受理投诉） / reconciliation rate as a fraction",
    ),
    Column("top_categories", "主要投诉类别", "主要投诉类别（前三，件数） / top 3 categories with counts"),
    Column("samples", "典型投诉摘要", "典型投诉摘要（个人信息已脱敏） / sample complaint texts, personal data masked"),
    Column("ratings", "消费者评价条数", "近 12 个月消费者评价条数 / consumer ratings in the last 12 months"),
    Column(
        "stars_mean",
        "平均星级",
        "近 12 个月消费者评价平均星级（1–5，一位小数；空表示无评价） / mean stars, 1-5, empty without ratings",
    ),
    Column("mystery_shops", "暗访次数", "近 12 个月暗访次数 / mystery-shopping visits in the last 12 months"),
    Column(
        "returns_refused",
        "暗访拒绝退货次数",
        "近 12 个月暗访中在承诺期限和范围内被拒绝退货的次数 / returns refused within the commitment on those visits",
    ),
    Column(
        "dimension",
        "统计维度",
        "统计维度：total, section 行业门类, industry 行业代码, region 市州, category 类别, month 月份 / dimension",
    ),
    Column("key", "维度取值", "维度取值 / key within the dimension"),
    Column("label", "名称", "名称 / label"),
    Column(
        "previous_received",
        "上年同期收到件数",
        "上年同期收到件数：total 行为上年同期，month 行为上年同月；空表示该期数据不全或不作比较（与 PDF 所示相同） / "
        "complaints received a year earlier (the total: the previous period; a month: the same month a year "
        "before); empty where the records do not cover it, as in the PDF",
    ),
)
COLUMNS: dict[str, Column] = {c.id: c for c in _COLUMNS}
FILES: dict[str, tuple[str, str, Sequence[str]]] = {
    "red_list": ("红名单", "red list: certified model units and seven-day-return stores", RED_COLUMNS),
    "black_list": ("黑名单", "black list: complaint black list and revoked titles", BLACK_COLUMNS),
    "complaint_disclosure": ("投诉信息公示", "complaint information per enterprise", DISCLOSURE_COLUMNS),
    "industry_statistics": (
        "行业投诉统计",
        "complaint statistics by industry, region, category, month",
        (*STAT_COLUMNS, "previous_received"),
    ),
}


def statistics_csv(stats: Mapping) -> bytes:
    """The industry statistics as CSV: the rows of `statistics_rows`, each with the previous-year
    figure the PDF shows beside it (the total's previous period, each month's same month a year
    before), empty where the PDF compares nothing."""
    previous = {
        ("total", ""): stats["previous_totals"]["received"] if stats.get("previous_covered", True) else None,
        **{("month", m["key"]): m["previous_year_received"] for m in stats["by_month"]},
    }
    rows = [r | {"previous_received": previous.get((r["dimension"], r["key"]))} for r in statistics_rows(stats)]
    return csv_bytes(rows, FILES["industry_statistics"][2])


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
        'CSV 为 UTF-8（带 BOM），首行为中文列名（下表列出对应的 JSON 字段）；JSON 为 {"as_of", "period", "count", "items"}。'
        " / CSV is UTF-8 with a BOM, its first row the Chinese headers (the table below maps each to its JSON field);"
        ' JSON is {"as_of", "period", "count", "items"}.',
        "",
        "## 字段 / Fields",
        "",
    ]
    for stem, (zh, _, columns) in FILES.items():
        lines += columns_readme(f"{stem}.csv", zh, [COLUMNS[c] for c in named(columns)])
    lines += ["## 成员单位 / Member units", "", f"映射文件 / mapping: `{Path(units.path).name}`", ""]
    for u in units.all():
        lines.append(
            f"- `{u.id}` {u.name_zh} / {u.name_en}: {', '.join(u.industries) or '其他行业 / all other industries'}"
        )
    return "\n".join(lines) + "\n"


# -- announcement lists (公示名单) -----------------------------------------------------------------

ANNOUNCEMENT_COLUMNS = (
    Column(
        "application_id", "申请编号", "申请的编号，对公示有异议时请注明 / application number, to quote in an objection"
    ),
    Column("business_name", "经营者名称", "经营者名称 / business name"),
    Column("uscc", "统一社会信用代码", "统一社会信用代码 / unified social credit code"),
    Column("store_name", "门店名称", "门店名称（七日无理由退货承诺示范店；空表示与经营者名称相同） / store name"),
    Column("region_code", "行政区划代码", "行政区划代码（GB/T 2260） / region code"),
    COLUMNS["region_name"],
    Column("score", "评价得分", "评价得分（满分 100） / assessment score out of 100"),
    Column(
        "window_ends_on", "公示截止日期", "公示期最后一天，异议须在此日之前提出 / last day of the announcement window"
    ),
)


def announcement_csv(entries: Iterable[Any], window_ends_on: dt.date) -> bytes:
    """The announcement list as a spreadsheet reads it: the fields of each entry, then the window's end."""
    fields = [c.id for c in ANNOUNCEMENT_COLUMNS[:-1]]
    rows = (
        [region_name(e.region_code) if f == "region_name" else getattr(e, f) for f in fields]
        + [window_ends_on.isoformat()]
        for e in entries
    )
    return table_bytes(rows, ANNOUNCEMENT_COLUMNS)


def announcement_readme() -> str:
    """The README beside the announcement lists: what each CSV column holds."""
    intro = [
        "每次公示一个 PDF 和一个 CSV，文件名为 <项目>-<公示日期>-<公示编号>。 / One PDF and one CSV per announcement, "
        "named <programme>-<published on>-<announcement id>.",
    ]
    return readme_text("拟认定名单公示 / Announcement lists", intro, [("<公示>.csv", "公示名单", ANNOUNCEMENT_COLUMNS)])


# -- the recheck's worklist (复查工作清单) ----------------------------------------------------------

WORKLIST_COLUMNS = (
    Column("uscc", "统一社会信用代码", "统一社会信用代码 / unified social credit code"),
    Column("number", "证书编号", "证书编号（ASCII） / certificate number"),
    Column(
        "program",
        "项目代码",
        "项目：model_unit 放心消费创建示范单位，seven_day_return 七日无理由退货承诺示范店 / programme id",
    ),
    Column("check_id", "检查项代码", "检查项编号（V1–V7 否决项，其余为评分项） / check id"),
    Column(
        "kind",
        "发现类型",
        "发现类型：veto 否决，warning 预警，expired 到期，advisory 提示，cleared 已消除 / finding kind",
    ),
    Column(
        "action",
        "处理",
        "复查的处理：suspend 暂停，warn 预警，expire 到期，reinstatable 可恢复，none 无 / action taken",
    ),
    Column("reason_code", "原因代码", "状态变更的原因代码（无变更为空） / reason code of a status change"),
    Column("title_zh", "检查项", "检查项名称 / check title in Chinese"),
    Column("reason_zh", "情况", "发现的情况（中文） / finding in Chinese"),
    Column("reason_en", "情况（英文）", "发现的情况（英文） / finding in English"),
    Column("evidence", "依据", "所依据的记录（处罚决定书号、投诉编号等） / the records relied on"),
)


def worklist_csv(rows: Iterable[Mapping]) -> bytes:
    """The reviewers' worklist of one recheck as a spreadsheet reads it (BOM, Chinese headers)."""
    return table_bytes(([r.get(c.id) for c in WORKLIST_COLUMNS] for r in rows), WORKLIST_COLUMNS)


def worklist_readme() -> str:
    """The README beside a recheck's worklist: what each CSV column holds."""
    intro = [
        "每次复查一个文件夹（复查日期），内含 findings.csv 和 findings.json（同一内容）。 / One folder per "
        "recheck date with findings.csv and findings.json (the same rows).",
    ]
    return readme_text("复查工作清单 / Recheck worklist", intro, [("findings.csv", "复查发现", WORKLIST_COLUMNS)])


# -- a region's screening (批量筛查) ------------------------------------------------------------------

SCREENING_COLUMNS = (  # the order of flows.screen.FIELDS (codes only: a province's worklist, joined on them)
    Column("uscc", "统一社会信用代码", "统一社会信用代码 / unified social credit code"),
    Column("region_code", "行政区划代码", "行政区划代码（GB/T 2260） / region code"),
    Column("industry_code", "行业代码", "行业代码（GB/T 4754） / industry code"),
    Column(
        "verdict",
        "结论代码",
        "结论：eligible 符合条件，ineligible 不符合，pending 缺少数据待定 / verdict",
    ),
    Column("score", "评分", "评分（满分 100，不含加分） / score out of 100, bonus excluded"),
    Column("bonus", "加分", "加分（不计入合格线） / bonus points, not counted toward the pass mark"),
    Column("vetoes", "否决项", "触发的否决项编号，以 | 分隔（V1–V7） / vetoes that apply, separated by |"),
    Column("failed", "未达标项", "未达标的评分项编号，以 | 分隔 / scored checks that failed, separated by |"),
    Column("missing", "缺少数据项", "缺少数据的检查项编号，以 | 分隔 / checks without data, separated by |"),
)


def screening_header() -> str:
    """The first line of a screening CSV: the BOM and the Chinese headers (the rows follow, written
    chunk by chunk in the order of `SCREENING_COLUMNS`)."""
    return BOM + csv_text((), [c.zh for c in SCREENING_COLUMNS])


def screening_readme(name: str) -> str:
    """The README beside a screening CSV named `name`: what each column holds."""
    intro = [
        "批量筛查：按统一社会信用代码排序，每个经营者一行，结论与逐个评估相同。 / A region's screening: one row per "
        "business in code order, the same verdict as assessing each alone.",
    ]
    return readme_text("批量筛查结果 / Screening", intro, [(name, "筛查结果", SCREENING_COLUMNS)])
