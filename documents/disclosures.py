"""The public disclosures as Chinese PDFs with charts (reportlab; plain dicts in, bytes out).

Documents are the dicts of `checks.disclosures` (built by `flows.publish`): red list, black
list, complaint information disclosure, industry complaint statistics and the notification
letters to member units. Charts are reportlab graphics (horizontal bars per industry, region
and category; lines per month with the previous period and the 92.78 % reference line).
Rendering is deterministic (`invariant=1`, sorted inputs). Long lists are cut into tables of
a page each, so reportlab never re-splits one huge table.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Spacer

from certificates.status import CertificateState
from checks.calendar import zh_date, zh_month
from checks.programmes import PROGRAMMES, title_zh
from documents.charts import ACCENT, GREY, bar_chart, line_chart
from documents.codes import region_name
from documents.drawing import build, paragraph, styles
from documents.fonts import LATIN
from documents.sheet import Grid

# The states a listed title can have on the publication day (the list's columns, in order).
LISTED_STATES = (CertificateState.valid, CertificateState.suspended, CertificateState.expired)
REFERENCE_RATE = 92.78


def previous_text(received: int, change: float | None, covered: bool) -> str:
    """The previous period's count and the change, or that its data is incomplete or empty."""
    if not covered:
        return "上年同期数据不全，不作比较"
    if change is None:
        return f"上年同期 {received:,} 件，无从比较" if received == 0 else f"上年同期 {received:,} 件"
    return f"上年同期 {received:,} 件，同比 {change_text(change)}"


def pct_text(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.2f}%"


def change_text(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:+.1f}%"


# -- text and tables ----------------------------------------------------------------------------


H2 = dict(fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4, keepWithNext=1)
H2_HEIGHT = H2["spaceBefore"] + H2["leading"] + H2["spaceAfter"]


class Doc:
    def __init__(self) -> None:
        self.s = styles(
            10,
            15,
            title=dict(fontSize=17, leading=24, alignment=1, spaceAfter=4),
            h2=H2,
            small=dict(fontSize=8, leading=11),
            cell=dict(fontSize=8, leading=10.5),
            right=dict(alignment=2),
        )
        self.story: list = []

    def p(self, text: str, style: str = "body") -> Paragraph:
        return paragraph(text, self.s[style])

    def add(self, text: str, style: str = "body") -> None:
        self.story.append(self.p(text, style))

    def table(self, header: Sequence[str], rows: Sequence[Sequence], widths: Sequence[float]) -> None:
        """One continuous table, its header repeated at the top of each page; ASCII cells in Latin 7.5 pt."""
        if not rows:
            self.add("（无）", "small")
            return
        cell = self.s["cell"]
        grid = Grid([header, *rows], widths, size=cell.fontSize, leading=cell.leading, latin=(LATIN, 7.5))
        if self.story and getattr(self.story[-1], "style", None) is self.s["h2"]:
            # A heading kept with a whole table longer than the page would go to the next page;
            # it goes there only when the table's header and first two rows do not fit under it.
            self.story[-1].keepWithNext = 0
            self.story.insert(-1, CondPageBreak(H2_HEIGHT + grid.lead(2)))
        self.story.append(grid)

    def build(self, title: str, pagesize=A4) -> bytes:
        return build(self.story, title, pagesize)


def _rate_values(entries: Sequence[dict]) -> list[float | None]:
    """Rates in percent; None (nothing accepted, or no data) stays None: a gap, never 0 %."""
    return [None if e["reconciliation_rate"] is None else round(e["reconciliation_rate"] * 100, 2) for e in entries]


# -- documents ----------------------------------------------------------------------------------


def render_red_list(doc: dict, authority: str) -> bytes:
    d, items = Doc(), doc["items"]
    d.add("放心消费红名单", "title")
    by: dict[tuple[str, str], int] = {}
    for e in items:
        by[(e["programme"], e["status"])] = by.get((e["programme"], e["status"]), 0) + 1
    d.add(
        f"截至 {zh_date(doc['as_of'])}，{authority}认定的{'和'.join(p.title_zh for p in PROGRAMMES.values())}共 {len(items)} 个"
        "（已撤销、已被换发证书替代的称号不在本名单）。状态为公示日当日的状态：有效、暂停或已到期。"
    )
    rows = []
    for prog in sorted(PROGRAMMES):
        rows.append(
            [
                PROGRAMMES[prog].title_zh,
                *(str(by.get((prog, s), 0)) for s in LISTED_STATES),
                str(sum(by.get((prog, s), 0) for s in LISTED_STATES)),
            ]
        )
    d.table(["项目", "有效", "暂停", "已到期", "合计"], rows, [70 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm])
    cities: dict[str, int] = {}
    for e in items:
        cities[e["region_code"][:4] + "00"] = cities.get(e["region_code"][:4] + "00", 0) + 1
    if items:
        keys = sorted(cities, key=lambda k: (-cities[k], k))[:20]
        d.story.append(Spacer(1, 3 * mm))
        d.story.append(
            bar_chart(
                "各市州认定数量", [doc["city_names"].get(k, k) for k in keys], [cities[k] for k in keys], 250 * mm
            )
        )
    d.add("名单", "h2")
    d.table(
        ["序号", "证书编号", "项目", "经营者名称", "统一社会信用代码", "行政区划", "有效期", "状态", "评价与暗访"],
        [
            [
                str(i),
                e["number_zh"],
                e["programme_zh"],
                e["business_name"],
                e["uscc"],
                region_name(e["region_code"]),
                f"{zh_date(e['valid_from'])}至{zh_date(e['valid_until'])}",
                e["status_zh"],
                field_text(e),
            ]
            for i, e in enumerate(items, 1)
        ],
        [10 * mm, 54 * mm, 40 * mm, 34 * mm, 34 * mm, 26 * mm, 26 * mm, 14 * mm, 28 * mm],
    )
    return d.build(f"放心消费红名单 {doc['as_of']}", landscape(A4))


def render_black_list(doc: dict, authority: str) -> bytes:
    d, items = Doc(), doc["items"]
    black = [e for e in items if e["entry"] == "complaint_blacklist"]
    revoked = [e for e in items if e["entry"] == "revoked_certificate"]
    d.add("放心消费黑名单", "title")
    d.add(
        f"截至 {zh_date(doc['as_of'])}：列入投诉黑名单的经营者 {len(black)} 家（逾期未处理消费者投诉，经湖北 315 平台公布）；"
        f"被撤销放心消费称号 {len(revoked)} 个。"
    )
    d.add("一、被撤销的称号", "h2")
    d.table(
        ["证书编号", "项目", "经营者名称", "统一社会信用代码", "撤销日期", "撤销原因", "说明"],
        [
            [
                e["certificate_number_zh"],
                title_zh(e["programme"]),
                e["business_name"],
                e["uscc"],
                zh_date(e["listed_on"]),
                e["reason_zh"],
                e["note"],
            ]
            for e in revoked
        ],
        [50 * mm, 36 * mm, 46 * mm, 36 * mm, 26 * mm, 42 * mm, 26 * mm],
    )
    d.add("二、投诉黑名单", "h2")
    d.table(
        ["序号", "经营者名称", "统一社会信用代码", "行政区划", "行业", "列入日期", "原因"],
        [
            [
                str(i),
                e["business_name"],
                e["uscc"],
                region_name(e["region_code"]),
                e["industry_code"],
                zh_date(e["listed_on"]),
                e["reason_zh"],
            ]
            for i, e in enumerate(black, 1)
        ],
        [12 * mm, 62 * mm, 38 * mm, 34 * mm, 16 * mm, 26 * mm, 73 * mm],
    )
    return d.build(f"放心消费黑名单 {doc['as_of']}", landscape(A4))


def render_complaint_disclosure(doc: dict, top: int = 100, with_samples: int = 30) -> bytes:
    d, items = Doc(), doc["items"]
    p = doc["period"]
    d.add("消费投诉信息公示", "title")
    d.add(
        f"统计期 {zh_date(p['from'])}至{zh_date(p['to'])}。公示统计期内收到投诉 {doc['min_complaints']} 件及以上的经营者共 "
        f"{len(items)} 家；"
        + (
            f"本文件按投诉件数列出前 {top} 家，完整名单见同时公布的开放数据（CSV、JSON 格式）。"
            if len(items) > top
            else "按投诉件数排列，全部列出。"
        )
        + "投诉不含咨询和举报；和解率 = 和解件数 ÷（收到件数 − "
        "不予受理件数）。投诉摘要中的姓名、电话、身份证号、电子邮箱等个人信息已脱敏。"
    )
    shown = items[:top]
    if shown:
        first = shown[:15]
        d.story.append(
            bar_chart(
                "投诉件数最多的经营者",
                [e["business_name"][:18] for e in first],
                [e["received"] for e in first],
                250 * mm,
            )
        )
    d.table(
        [
            "序号",
            "经营者名称",
            "统一社会信用代码",
            "行政区划",
            "行业",
            "收到",
            "不予受理",
            "和解",
            "和解率",
            "主要投诉类别",
        ],
        [
            [
                str(i),
                e["business_name"],
                e["uscc"],
                region_name(e["region_code"]),
                e["industry_code"],
                str(e["received"]),
                str(e["not_accepted"]),
                str(e["reconciled"]),
                pct_text(e["reconciliation_rate"]),
                "、".join(f"{c['category']}({c['count']})" for c in e["top_categories"]),
            ]
            for i, e in enumerate(shown, 1)
        ],
        [10 * mm, 56 * mm, 38 * mm, 34 * mm, 14 * mm, 12 * mm, 14 * mm, 12 * mm, 16 * mm, 55 * mm],
    )
    if shown[:with_samples]:
        d.add(f"典型投诉摘要（前 {min(with_samples, len(shown))} 家，已脱敏）", "h2")
        for e in shown[:with_samples]:
            d.add(f"{e['business_name']}（{e['uscc']}）", "small")
            for s in e["samples"]:
                d.add(f"　{zh_date(s['received_on'])}【{s['category']}】{s['text']}", "small")
    return d.build(f"消费投诉信息公示 {doc['as_of']}", landscape(A4))


def count_text(v: int | None) -> str:
    return "—" if v is None else f"{v:,}"


def monthly_charts(d: Doc, months: Sequence[dict], width: float) -> None:
    """The months as lines; the partial month is left out of them (a few days are no month's
    figure), a month without data is a gap."""
    keys = [m["key"] for m in months]
    whole = [m if not m["partial"] else dict.fromkeys(m, None) for m in months]
    partial = next((m["label"] for m in months if m["partial"]), None)
    note = f"；{zh_month(partial)}未满一月，不画" if partial else ""
    d.story.append(
        line_chart(
            f"各月投诉件数（件；实线：本期，虚线：上年同期；断开处无数据{note}）",
            keys,
            [
                ("本期", [m["received"] for m in whole], ACCENT),
                ("上年同期", [m["previous_year_received"] for m in whole], GREY),
            ],
            width,
        )
    )
    d.story.append(
        line_chart(
            f"各月和解率（%；无受理投诉的月份不画点{note}）",
            keys,
            [("和解率", _rate_values(whole), ACCENT)],
            width,
            reference=REFERENCE_RATE,
            percent=True,
        )
    )


def _month_table(d: Doc, months: Sequence[dict]) -> None:
    d.table(
        ["月份", "收到（件）", "上年同月（件）", "不予受理（件）", "和解（件）", "和解率"],
        [
            [
                m["label"],
                count_text(m["received"]),
                count_text(m["previous_year_received"]),
                count_text(m["not_accepted"]),
                count_text(m["reconciled"]),
                pct_text(m["reconciliation_rate"]),
            ]
            for m in months
        ],
        [34 * mm, 25 * mm, 27 * mm, 27 * mm, 25 * mm, 25 * mm],
    )
    if any(m["received"] is None or m["previous_year_received"] is None for m in months):
        d.add("“—”表示该月尚无投诉记录数据（不是零件）。", "small")


def count_rows(entries: Sequence[dict]) -> list[list[str]]:
    return [
        [
            e["key"] or "—",
            e["label"],
            str(e["received"]),
            str(e["not_accepted"]),
            str(e["reconciled"]),
            pct_text(e["reconciliation_rate"]),
        ]
        for e in entries
    ]


COUNT_HEADER = ["代码", "名称", "收到", "不予受理", "和解", "和解率"]
COUNT_WIDTHS = [22 * mm, 62 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm]


def render_statistics(stats: dict) -> bytes:
    d, width = Doc(), 170 * mm
    p, t, prev, ref = stats["period"], stats["totals"], stats["previous_totals"], stats["reference"]
    diff = "—" if stats["rate_vs_reference"] is None else f"{stats['rate_vs_reference'] * 100:+.2f} 个百分点"
    d.add("行业投诉统计", "title")
    d.add(
        f"统计期 {zh_date(p['from'])}至{zh_date(p['to'])}（上年同期 {zh_date(p['previous_from'])}至{zh_date(p['previous_to'])}）。全省共收到消费投诉 "
        f"{t['received']:,} 件（{previous_text(prev['received'], stats['change'], stats.get('previous_covered', True))}），不予受理 "
        f"{t['not_accepted']:,} 件，和解 {t['reconciled']:,} 件，平台和解率 {pct_text(t['reconciliation_rate'])}；"
        f"参考值 {ref['rate'] * 100:.2f}%（{ref['reconciled']:,} / {ref['received']:,}，{ref['source_zh']}），"
        f"差值 {diff}。投诉不含咨询和举报。"
    )
    d.add("一、按行业", "h2")
    sec = stats["by_section"]
    labels = [f"{e['key']} {e['label']}" if e["key"] else e["label"] for e in sec]
    d.story.append(bar_chart("各行业门类投诉件数", labels, [e["received"] for e in sec], width))
    d.story.append(
        bar_chart(
            "各行业门类和解率（%）",
            labels,
            _rate_values(sec),
            width,
            reference=REFERENCE_RATE,
            percent=True,
            colour=colors.HexColor("#27ae60"),
        )
    )
    d.table(COUNT_HEADER, count_rows(stats["by_industry"]), COUNT_WIDTHS)
    d.add("二、按地区（市州）", "h2")
    reg = stats["by_region"]
    rl = [e["label"] for e in reg]
    d.story.append(bar_chart("各市州投诉件数", rl, [e["received"] for e in reg], width))
    d.story.append(
        bar_chart(
            "各市州和解率（%）",
            rl,
            _rate_values(reg),
            width,
            reference=REFERENCE_RATE,
            percent=True,
            colour=colors.HexColor("#27ae60"),
        )
    )
    d.table(COUNT_HEADER, count_rows(reg), COUNT_WIDTHS)
    d.add("三、按投诉类别", "h2")
    cat = stats["by_category"][:20]
    d.story.append(bar_chart("各类别投诉件数", [e["label"] for e in cat], [e["received"] for e in cat], width))
    d.table(COUNT_HEADER, count_rows(stats["by_category"]), COUNT_WIDTHS)
    d.add("四、按月份", "h2")
    if p.get("partial_month"):
        d.add(f"{zh_month(p['partial_month'])}未满一月，只列件数，不与整月比较。", "small")
    monthly_charts(d, stats["by_month"], width)
    _month_table(d, stats["by_month"])
    return d.build(f"行业投诉统计 {p['to']}")


def field_text(e: dict) -> str:
    """One cell for a public table: "4.3 星（12 条）；暗访 2 次，拒绝退货 1 次", or "—"."""
    parts = []
    if e.get("ratings"):
        parts.append(f"{e['stars_mean']:.1f} 星（{e['ratings']} 条）")
    if e.get("mystery_shops"):
        refused = f"，拒绝退货 {e['returns_refused']} 次" if e.get("returns_refused") else ""
        parts.append(f"暗访 {e['mystery_shops']} 次{refused}")
    return "；".join(parts) or "—"
