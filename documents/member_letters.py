"""诉求信息通报函: the letter to one member unit of the joint meeting about its sectors' complaints
(plain dicts of `checks.disclosures.statistics.letters` in, PDF bytes out).

Periods are told honestly: the last complete month is compared, the partial month only counted; a
comparison with an empty or unknown period is left out, never -100 %. A unit with nothing to
report gets one paragraph; the issuing bureau does not write a letter to itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from checks.calendar import zh_date, zh_month
from checks.disclosures.figures import SECTIONS
from documents.charts import bar_chart
from documents.codes import region_name
from documents.disclosures import (
    COUNT_HEADER,
    COUNT_WIDTHS,
    Doc,
    change_text,
    count_rows,
    count_text,
    monthly_charts,
    pct_text,
    previous_text,
)
from documents.official import Official, closing, heading, official_title


def _brief_rows(entries: Sequence[dict]) -> list[list[str]]:
    return [
        [
            e["business_name"],
            e["uscc"],
            region_name(e["region_code"]),
            e["industry_code"] or "",
            str(e["received"]),
            str(e["reconciled"]),
            pct_text(e["reconciliation_rate"]),
        ]
        for e in entries
    ]


BRIEF_HEADER = ["经营者名称", "统一社会信用代码", "行政区划", "行业", "收到", "和解", "和解率"]
BRIEF_WIDTHS = [46 * mm, 34 * mm, 30 * mm, 14 * mm, 12 * mm, 12 * mm, 16 * mm]


def _trend_text(tr: dict) -> str:
    """The last complete month against a year before and the month before; the partial month by its
    count only. Comparisons with an empty month are left out, never -100 %."""
    if tr["last_month"] is None:
        return ""
    parts = []
    if tr["last_month_change_year_on_year"] is not None:
        parts.append(
            f"上年同月 {tr['last_month_previous_year']:,} 件，同比 {change_text(tr['last_month_change_year_on_year'])}"
        )
    if tr["month_on_month"] is not None:
        parts.append(f"上月 {tr['previous_month_received']:,} 件，环比 {change_text(tr['month_on_month'])}")
    text = f"最近一个完整月份 {zh_month(tr['last_month'])} 收到 {count_text(tr['last_month_received'])} 件"
    text += f"（{'；'.join(parts)}）。" if parts else "。"
    if tr.get("partial_month"):
        text += (
            f"{zh_month(tr['partial_month'])}收到 {count_text(tr['partial_month_received'])} 件（未满一月，不作比较）。"
        )
    return text


def _sector(u: dict) -> str:
    """The unit's industries in words: a section by its name, a narrower code with its section's
    name beside it (F52（批发和零售业）), never a bare code in brackets."""
    if u["industries"] == ["*"]:
        return "其他未列明行业"
    return "、".join(SECTIONS[k] if len(k) == 1 else f"{k}（{SECTIONS[k[0]]}）" for k in u["industries"])


def writes_to_itself(unit_name_zh: str, addressee: str, authority: str) -> bool:
    """Whether the unit is the issuing bureau itself (its full name, or a bureau of its kind): the
    bureau does not write a letter to itself."""
    return addressee == authority or unit_name_zh in authority


def render_letter(letter: dict, form: Official, addressee: str, listed: int = 50) -> bytes:
    """诉求信息通报函 to one member unit, addressed by its full name (湖北省商务厅) in the official
    form (`form`: the bureau, the document number, the date, the contact line). The issuing bureau
    does not write to itself: for its own sectors the document is a summary without addressee or
    number. A unit with nothing to report gets one paragraph saying so."""
    d, width = Doc(), 170 * mm
    u, t, tr, p = letter["unit"], letter["totals"], letter["trend"], letter["period"]
    own = writes_to_itself(u["name_zh"], addressee, form.authority)
    title = (
        f"{form.authority}消费者诉求信息汇总（本机关主管行业）"
        if own
        else official_title(form.authority, "通报消费者诉求信息", "函")
    )
    d.story += heading(form, title)
    if not own:
        d.add(f"{addressee}：")
    scope = "本机关直接监管行业" if own else "贵单位主管行业"
    if letter.get("nothing_to_report"):
        d.add(
            f"{zh_date(p['from'])}至{zh_date(p['to'])}，{scope}（{_sector(u)}）未收到消费投诉，也没有列入投诉黑名单"
            "或风险预警提示的经营者。本期无需通报的事项，特此告知。"
        )
        d.story.append(closing(form))
        return d.build(f"{title} {u['name_zh']} {letter['as_of']}")
    lead = "根据消费维权联席会议工作机制，现将" if not own else "现将"
    d.add(
        f"{lead} {zh_date(p['from'])}至{zh_date(p['to'])} {scope}（{_sector(u)}）的消费者诉求情况{'通报' if not own else '汇总'}如下。"
    )
    d.add(
        f"一、总体情况：共收到消费投诉 {t['received']:,} 件（"
        f"{previous_text(tr['previous_received'], tr['change'], letter.get('previous_covered', True))}）；不予受理 "
        f"{t['not_accepted']:,} 件，和解 {t['reconciled']:,} 件，和解率 {pct_text(t['reconciliation_rate'])}（参考值 92.78%）。"
        + _trend_text(tr)
    )
    monthly_charts(d, letter["by_month"], width)
    d.add("二、分行业情况", "h2")
    d.table(COUNT_HEADER, count_rows(letter["by_industry"]), COUNT_WIDTHS)
    d.add("三、主要投诉类别", "h2")
    cat = letter["by_category"]
    if cat:
        d.story.append(bar_chart("投诉类别（件）", [e["label"] for e in cat], [e["received"] for e in cat], width))
    d.add("四、需要关注的经营者", "h2")
    a = letter["attention"]
    d.add(f"（一）投诉件数最多的经营者（统计期内投诉 {letter['min_complaints']} 件及以上）", "body")
    d.table(BRIEF_HEADER, _brief_rows(a["most_complaints"]), BRIEF_WIDTHS)
    d.add("（二）和解率最低的经营者", "body")
    d.table(BRIEF_HEADER, _brief_rows(a["lowest_rates"]), BRIEF_WIDTHS)
    black = a["blacklisted"]
    d.add(
        f"（三）列入投诉黑名单的经营者：共 {len(black)} 家"
        + (f"，以下列出最近列入的 {listed} 家，完整名单见随函的开放数据（JSON 格式）" if len(black) > listed else ""),
        "body",
    )
    d.table(
        ["经营者名称", "统一社会信用代码", "行政区划", "行业", "列入日期"],
        [
            [b["business_name"], b["uscc"], region_name(b["region_code"]), b["industry_code"], zh_date(b["listed_on"])]
            for b in black[:listed]
        ],
        [56 * mm, 36 * mm, 34 * mm, 16 * mm, 22 * mm],
    )
    flags = a["risk_flagged"]
    d.add(
        f"（四）风险预警提示的经营者：共 {len(flags)} 家"
        + (f"，以下列出前 {listed} 家" if len(flags) > listed else ""),
        "body",
    )
    d.table(
        ["经营者名称", "统一社会信用代码", "扫描日期", "相关投诉", "涉及问题"],
        [
            [f["business_name"] or "—", f["uscc"], f["scanned_on"], str(f["complaints"]), "、".join(f["terms"])]
            for f in flags[:listed]
        ],
        [52 * mm, 38 * mm, 22 * mm, 18 * mm, 40 * mm],
    )
    d.story.append(Spacer(1, 6 * mm))
    d.add("请结合行业监管职责，督促相关经营者落实消费维权主体责任，及时妥善处理消费者诉求。", "body")
    d.story.append(closing(form))
    return d.build(f"{title} {u['name_zh']} {letter['as_of']}")
