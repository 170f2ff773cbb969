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

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer

from certificates.status import CertificateState
from checks.programmes import PROGRAMMES, title_zh
from documents.drawing import RED, build, draw_text, legend, paragraph, styles, table
from documents.fonts import LATIN, cjk_font

ROWS_PER_TABLE = 40
# The states a listed title can have on the publication day (the list's columns, in order).
LISTED_STATES = (CertificateState.valid, CertificateState.suspended, CertificateState.expired)
ACCENT, GREY = colors.HexColor("#2c5f8a"), colors.HexColor("#b0b8c0")
CHART_TEXT = 7.5  # points: labels and legends inside charts
REFERENCE_RATE = 92.78


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.2f}%"


def _chg(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:+.1f}%"


# -- text and tables ----------------------------------------------------------------------------


class _Doc:
    def __init__(self) -> None:
        self.s = styles(
            10,
            15,
            title=dict(fontSize=17, leading=24, alignment=1, spaceAfter=4),
            h2=dict(fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4),
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
        """Rows in tables of ROWS_PER_TABLE each (header repeated); ASCII cells as plain strings."""
        head = [self.p(h, "cell") for h in header]
        if not rows:
            self.add("（无）", "small")
            return
        for i in range(0, len(rows), ROWS_PER_TABLE):
            cells = [head] + [
                [c if isinstance(c, str) and c.isascii() else self.p(c, "cell") for c in row]
                for row in rows[i : i + ROWS_PER_TABLE]
            ]
            self.story.append(table(cells, widths, font=(LATIN, 7.5)))

    def build(self, title: str, pagesize=A4) -> bytes:
        return build(self.story, title, pagesize)


# -- charts -------------------------------------------------------------------------------------


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    width: float,
    reference: float | None = None,
    percent: bool = False,
    colour=ACCENT,
) -> Drawing:
    """Horizontal bars, one per label (top to bottom), with an optional vertical reference line."""
    n = max(len(labels), 1)
    label_w = min(max((cjk_font().width(lb, CHART_TEXT) for lb in labels), default=20) + 8, width * 0.4)
    d = Drawing(width, 40 + 13 * n)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = label_w + 4, 22, width - label_w - 30, 13 * n
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = [""] * n
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    top = max(list(values) + [reference or 0, 1])
    chart.valueAxis.valueMax = 100 if percent else top * 1.1
    chart.valueAxis.labels.fontName = LATIN
    chart.valueAxis.labels.fontSize = 7
    chart.barLabelFormat = "%.1f%%" if percent else "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize = LATIN, 6
    chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 2
    chart.bars[0].fillColor, chart.bars[0].strokeColor = colour, None
    d.add(chart)
    step = chart.height / n
    for i, lb in enumerate(labels):
        draw_text(d, chart.x - 4, chart.y + chart.height - (i + 0.5) * step - 2.5, lb, CHART_TEXT, anchor="end")
    if reference is not None:
        x = chart.x + chart.width * reference / chart.valueAxis.valueMax
        d.add(
            Line(x, chart.y - 2, x, chart.y + chart.height + 2, strokeColor=RED, strokeWidth=1, strokeDashArray=(3, 2))
        )
        draw_text(d, x, chart.y + chart.height + 4, f"参考值 {reference:.2f}%", 7, anchor="middle")
    draw_text(d, 0, d.height - 10, title, 9)
    return d


def line_chart(
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], object]],
    width: float,
    reference: float | None = None,
    percent: bool = False,
) -> Drawing:
    """Lines over the months (x: 'YYYY-MM'), one per (label, values, colour), optional reference line."""
    d = Drawing(width, 190)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 42, 48, width - 60, 115
    chart.data = [list(v) for _, v, _ in series] or [[0]]
    chart.categoryAxis.categoryNames = list(months)
    chart.categoryAxis.labels.fontName = LATIN
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    values = [v for _, vs, _ in series for v in vs]
    vmin = 0.0
    vmax = 100.0 if percent else max(values + [1]) * 1.15
    if percent:
        vmin = max(0.0, min(values + [reference or 100]) - 10)
        vmin = float(int(vmin // 10 * 10))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = vmin, vmax
    chart.valueAxis.labels.fontName = LATIN
    chart.valueAxis.labels.fontSize = 7
    for i, (_, _, colour) in enumerate(series):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.6 if i == 0 else 1
        if i:
            chart.lines[i].strokeDashArray = (3, 2)
    d.add(chart)
    if reference is not None and vmin <= reference <= vmax:
        y = chart.y + chart.height * (reference - vmin) / (vmax - vmin)
        d.add(Line(chart.x, y, chart.x + chart.width, y, strokeColor=RED, strokeWidth=1, strokeDashArray=(4, 2)))
        draw_text(d, chart.x + chart.width, y + 2, f"参考值 {reference:.2f}%", 7, anchor="end")
    draw_text(d, 0, d.height - 10, title, 9)
    legend(
        d,
        chart.x,
        4,
        [(c, label) for label, _, c in series]
        + ([(RED, "参考值 92.78%（湖北 315 平台）")] if reference is not None else []),
        CHART_TEXT,
        24,
    )
    return d


def _rate_values(entries: Sequence[dict]) -> list[float]:
    return [round((e["reconciliation_rate"] or 0) * 100, 2) for e in entries]


# -- documents ----------------------------------------------------------------------------------


def render_red_list(doc: dict, authority: str) -> bytes:
    d, items = _Doc(), doc["items"]
    d.add("放心消费红名单", "title")
    by: dict[tuple[str, str], int] = {}
    for e in items:
        by[(e["programme"], e["status"])] = by.get((e["programme"], e["status"]), 0) + 1
    d.add(
        f"截至 {doc['as_of']}，{authority}认定的{'和'.join(p.title_zh for p in PROGRAMMES.values())}共 {len(items)} 个"
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
        ["序号", "证书编号", "项目", "经营者名称", "统一社会信用代码", "行政区划", "有效期", "状态"],
        [
            [
                str(i),
                e["number_zh"],
                e["programme_zh"],
                e["business_name"],
                e["uscc"],
                e["region_code"],
                f"{e['valid_from']} – {e['valid_until']}",
                e["status_zh"],
            ]
            for i, e in enumerate(items, 1)
        ],
        [12 * mm, 52 * mm, 38 * mm, 56 * mm, 38 * mm, 18 * mm, 38 * mm, 14 * mm],
    )
    return d.build(f"放心消费红名单 {doc['as_of']}", landscape(A4))


def render_black_list(doc: dict, authority: str) -> bytes:
    d, items = _Doc(), doc["items"]
    black = [e for e in items if e["entry"] == "complaint_blacklist"]
    revoked = [e for e in items if e["entry"] == "revoked_certificate"]
    d.add("放心消费黑名单", "title")
    d.add(
        f"截至 {doc['as_of']}：列入投诉黑名单的经营者 {len(black)} 家（逾期未处理消费者投诉，经湖北 315 平台公布）；"
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
                e["listed_on"],
                f"{e['reason_zh']}（{e['reason_code']}）",
                e["note"],
            ]
            for e in revoked
        ],
        [50 * mm, 36 * mm, 50 * mm, 36 * mm, 20 * mm, 42 * mm, 28 * mm],
    )
    d.add("二、投诉黑名单", "h2")
    d.table(
        ["序号", "经营者名称", "统一社会信用代码", "行政区划", "行业", "列入日期", "原因"],
        [
            [
                str(i),
                e["business_name"],
                e["uscc"],
                e["region_code"],
                e["industry_code"],
                e["listed_on"],
                e["reason_zh"],
            ]
            for i, e in enumerate(black, 1)
        ],
        [14 * mm, 70 * mm, 38 * mm, 18 * mm, 16 * mm, 20 * mm, 86 * mm],
    )
    return d.build(f"放心消费黑名单 {doc['as_of']}", landscape(A4))


def render_complaint_disclosure(doc: dict, top: int = 100, with_samples: int = 30) -> bytes:
    d, items = _Doc(), doc["items"]
    p = doc["period"]
    d.add("消费投诉信息公示", "title")
    d.add(
        f"统计期 {p['from']} 至 {p['to']}。公示统计期内收到投诉 {doc['min_complaints']} 件及以上的经营者共 "
        f"{len(items)} 家；本文件按投诉件数列出前 {min(top, len(items))} 家，完整名单见同目录的 "
        "complaint_disclosure.csv / complaint_disclosure.json。投诉不含咨询和举报；和解率 = 和解件数 ÷（收到件数 − "
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
                e["region_code"],
                e["industry_code"],
                str(e["received"]),
                str(e["not_accepted"]),
                str(e["reconciled"]),
                _pct(e["reconciliation_rate"]),
                "、".join(f"{c['category']}({c['count']})" for c in e["top_categories"]),
            ]
            for i, e in enumerate(shown, 1)
        ],
        [12 * mm, 62 * mm, 38 * mm, 18 * mm, 14 * mm, 14 * mm, 16 * mm, 14 * mm, 18 * mm, 56 * mm],
    )
    if shown[:with_samples]:
        d.add(f"典型投诉摘要（前 {min(with_samples, len(shown))} 家，已脱敏）", "h2")
        for e in shown[:with_samples]:
            d.add(f"{e['business_name']}（{e['uscc']}）", "small")
            for s in e["samples"]:
                d.add(f"　{s['received_on']}【{s['category']}】{s['text']}", "small")
    return d.build(f"消费投诉信息公示 {doc['as_of']}", landscape(A4))


def _monthly_charts(d: _Doc, months: Sequence[dict], width: float) -> None:
    keys = [m["key"] for m in months]
    d.story.append(
        line_chart(
            "各月投诉件数（实线：本期；虚线：上年同期）",
            keys,
            [
                ("本期", [m["received"] for m in months], ACCENT),
                ("上年同期", [m["previous_year_received"] for m in months], GREY),
            ],
            width,
        )
    )
    d.story.append(
        line_chart(
            "各月和解率（%）",
            keys,
            [("和解率", _rate_values(months), ACCENT)],
            width,
            reference=REFERENCE_RATE,
            percent=True,
        )
    )


def _count_rows(entries: Sequence[dict]) -> list[list[str]]:
    return [
        [
            e["key"] or "—",
            e["label"],
            str(e["received"]),
            str(e["not_accepted"]),
            str(e["reconciled"]),
            _pct(e["reconciliation_rate"]),
        ]
        for e in entries
    ]


COUNT_HEADER = ["代码", "名称", "收到", "不予受理", "和解", "和解率"]
COUNT_WIDTHS = [22 * mm, 62 * mm, 20 * mm, 20 * mm, 20 * mm, 20 * mm]


def render_statistics(stats: dict) -> bytes:
    d, width = _Doc(), 170 * mm
    p, t, prev, ref = stats["period"], stats["totals"], stats["previous_totals"], stats["reference"]
    diff = "—" if stats["rate_vs_reference"] is None else f"{stats['rate_vs_reference'] * 100:+.2f} 个百分点"
    d.add("行业投诉统计", "title")
    d.add(
        f"统计期 {p['from']} 至 {p['to']}（上年同期 {p['previous_from']} 至 {p['previous_to']}）。全省共收到消费投诉 "
        f"{t['received']:,} 件（上年同期 {prev['received']:,} 件，变化 {_chg(stats['change'])}），不予受理 "
        f"{t['not_accepted']:,} 件，和解 {t['reconciled']:,} 件，平台和解率 {_pct(t['reconciliation_rate'])}；"
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
    d.table(COUNT_HEADER, _count_rows(stats["by_industry"]), COUNT_WIDTHS)
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
    d.table(COUNT_HEADER, _count_rows(reg), COUNT_WIDTHS)
    d.add("三、按投诉类别", "h2")
    cat = stats["by_category"][:20]
    d.story.append(bar_chart("各类别投诉件数", [e["label"] for e in cat], [e["received"] for e in cat], width))
    d.table(COUNT_HEADER, _count_rows(stats["by_category"]), COUNT_WIDTHS)
    d.add("四、按月份", "h2")
    _monthly_charts(d, stats["by_month"], width)
    d.table(
        ["月份", "收到", "上年同月", "不予受理", "和解", "和解率"],
        [
            [
                m["key"],
                str(m["received"]),
                str(m["previous_year_received"]),
                str(m["not_accepted"]),
                str(m["reconciled"]),
                _pct(m["reconciliation_rate"]),
            ]
            for m in stats["by_month"]
        ],
        [30 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm, 25 * mm],
    )
    return d.build(f"行业投诉统计 {p['to']}")


def _brief_rows(entries: Sequence[dict]) -> list[list[str]]:
    return [
        [
            e["business_name"],
            e["uscc"],
            e["region_code"] or "",
            e["industry_code"] or "",
            str(e["received"]),
            str(e["reconciled"]),
            _pct(e["reconciliation_rate"]),
        ]
        for e in entries
    ]


BRIEF_HEADER = ["经营者名称", "统一社会信用代码", "行政区划", "行业", "收到", "和解", "和解率"]
BRIEF_WIDTHS = [52 * mm, 36 * mm, 16 * mm, 14 * mm, 14 * mm, 14 * mm, 18 * mm]


def render_letter(letter: dict, authority: str, listed: int = 50) -> bytes:
    """诉求信息通报函 to one member unit."""
    d, width = _Doc(), 170 * mm
    u, t, tr, p = letter["unit"], letter["totals"], letter["trend"], letter["period"]
    d.add("消费者诉求信息通报函", "title")
    d.add(f"{u['name_zh']}：")
    d.add(
        f"根据消费维权联席会议工作机制，现将 {p['from']} 至 {p['to']} 贵单位主管行业（"
        f"{'、'.join(u['industries']) if u['industries'] != ['*'] else '其他未列明行业'}）的消费者诉求情况通报如下。"
    )
    d.add(
        f"一、总体情况：共收到消费投诉 {t['received']:,} 件，上年同期 {tr['previous_received']:,} 件，同比 "
        f"{_chg(tr['change'])}；不予受理 {t['not_accepted']:,} 件，和解 {t['reconciled']:,} 件，和解率 "
        f"{_pct(t['reconciliation_rate'])}（参考值 92.78%）。{tr['last_month']} 收到 {tr['last_month_received']:,} 件"
        f"（上年同月 {tr['last_month_previous_year']:,} 件，同比 {_chg(tr['last_month_change_year_on_year'])}；"
        f"上月 {tr['previous_month_received'] if tr['previous_month_received'] is not None else '—'} 件，环比 "
        f"{_chg(tr['month_on_month'])}）。"
    )
    _monthly_charts(d, letter["by_month"], width)
    d.add("二、分行业情况", "h2")
    d.table(COUNT_HEADER, _count_rows(letter["by_industry"]), COUNT_WIDTHS)
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
        + (f"，以下列出最近列入的 {listed} 家，完整名单见同名 JSON 文件" if len(black) > listed else ""),
        "body",
    )
    d.table(
        ["经营者名称", "统一社会信用代码", "行政区划", "行业", "列入日期"],
        [[b["business_name"], b["uscc"], b["region_code"], b["industry_code"], b["listed_on"]] for b in black[:listed]],
        [62 * mm, 38 * mm, 20 * mm, 18 * mm, 24 * mm],
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
    d.story.append(KeepTogether([Spacer(1, 8 * mm), d.p(authority, "right"), d.p(letter["as_of"], "right")]))
    return d.build(f"消费者诉求信息通报函 {u['name_zh']} {letter['as_of']}")
