"""The risk report as a PDF in Chinese with charts (reportlab; returns bytes, writes nothing).

`render_report_pdf(report)` takes the dict of `checks.risk.scan.build_report`. The report's
texts are already masked; nothing else personal is printed.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table

from checks.calendar import zh_date
from documents.drawing import RED, build, draw_text, legend, paragraph, styles, table
from documents.fonts import LATIN  # numbers on chart axes

DIMENSION_ZH = {"industry": "行业", "region": "地区", "category": "类别"}
WIDTH = 170 * mm


CHART_TEXT = 8  # points: labels and legends inside charts


def _styles() -> dict:
    return styles(
        9,
        13,
        title=dict(fontSize=16, leading=22, spaceAfter=6),
        h2=dict(fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        small=dict(fontSize=7.5, leading=10),
    )


def _table(rows: list[list], widths: list[float], st: dict) -> Table:
    return table([[paragraph(c, st["small"]) for c in row] for row in rows], widths)


GREY = colors.HexColor("#95a5a6")
PALETTE = [colors.HexColor(c) for c in ("#2c3e50", "#c0392b", "#27ae60", "#8e44ad")]


def _term_chart(terms: list[dict]) -> Drawing:
    """Window and baseline rate (per 1,000 complaints) of the strongest emerging terms."""
    terms = terms[:10]
    rows = max(len(terms), 1)
    d = Drawing(WIDTH, 45 + 16 * rows)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 95, 30, WIDTH - 110, 16 * rows
    chart.data = [[t["window_rate"] * 1000 for t in terms] or [0], [t["baseline_rate"] * 1000 for t in terms] or [0]]
    chart.categoryAxis.categoryNames = [""] * rows
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = LATIN
    chart.bars[0].fillColor, chart.bars[1].fillColor = RED, GREY
    d.add(chart)
    step = chart.height / rows
    for i, t in enumerate(terms):  # category labels drawn run by run (a term may mix scripts)
        draw_text(d, chart.x - 5, chart.y + chart.height - (i + 0.5) * step - 3, t["term"], CHART_TEXT, anchor="end")
    legend(d, chart.x, 5, [(RED, "窗口期（每千件）"), (GREY, "基准期（每千件）")], CHART_TEXT, 22)
    return d


def _line_chart(series: list[dict], title: str) -> Drawing:
    """Counts per period of up to four series, each with a dashed line up to its band's upper edge."""
    d = Drawing(WIDTH, 175)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 35, WIDTH - 60, 110
    data = []
    for s in series[:4]:
        n = len(s["counts"])
        data.append([(i + 1, v) for i, v in enumerate(s["counts"])])
        data.append([(n - 1, s["counts"][-2] if n > 1 else 0), (n, s["forecast"]["upper"])])
    plot.data = data or [[(0, 0)]]
    for i in range(len(plot.data)):
        plot.lines[i].strokeColor = PALETTE[(i // 2) % len(PALETTE)]
        plot.lines[i].strokeWidth = 1.5 if i % 2 == 0 else 0.8
        if i % 2:
            plot.lines[i].strokeDashArray = (3, 2)
    plot.xValueAxis.labels.fontName = plot.yValueAxis.labels.fontName = LATIN
    plot.yValueAxis.valueMin = 0
    d.add(plot)
    draw_text(d, 40, 160, title, 9)
    legend(
        d,
        40,
        5,
        [(PALETTE[i], f"{DIMENSION_ZH[s['dimension']]} {s['key']}") for i, s in enumerate(series[:4])],
        CHART_TEXT,
        22,
    )
    return d


def render_report_pdf(report: dict) -> bytes:
    st = _styles()

    def para(text: str, style: str) -> Paragraph:
        return paragraph(text, st[style])

    w, b = report["window"], report["baseline"]
    story = [
        para("消费投诉风险预警报告", "title"),
        para(
            f"数据截至 {zh_date(report['as_of'])}；窗口期 {zh_date(w['from'])}至{zh_date(w['to'])}（{w['complaints']:,} 件）；"
            f"基准期 {zh_date(b['from'])}至{zh_date(b['to'])}（{b['complaints']:,} 件）。投诉文本中的个人信息已脱敏。",
            "body",
        ),
        para("一、新兴词语（新词碰撞）", "h2"),
        para("按对数似然比 G² 排序；比率为窗口期与基准期每千件投诉中出现该词的件数之比。", "small"),
    ]
    terms = report["emerging_terms"]
    if terms:
        story.append(_term_chart(terms))
        rows = [["词语", "窗口期件数", "基准期件数", "比率", "G²", "新词", "集中行业", "集中地区"]]
        for t in terms:
            rows.append(
                [
                    t["term"],
                    t["window_count"],
                    t["baseline_count"],
                    t["rate_ratio"],
                    t["g2"],
                    "是" if t["new"] else "",
                    "、".join(i["code"] for i in t["industries"]),
                    "、".join(r["code"] for r in t["regions"]),
                ]
            )
        story.append(_table(rows, [28 * mm, 17 * mm, 17 * mm, 15 * mm, 17 * mm, 10 * mm, 33 * mm, 33 * mm], st))
        story.append(para("典型投诉（已脱敏）", "h2"))
        for t in terms[:5]:
            for e in t["examples"][:2]:
                story.append(para(f"【{t['term']}】{zh_date(e['received_on'])} {e['text']}", "small"))
    else:
        story.append(para("本期未发现显著上升的词语。", "body"))
    story.append(para("二、投诉主题聚类", "h2"))
    rows = [["主题", "标签", "件数", "基准期", "增长倍数", "新兴", "主导词（占比）", "集中行业"]]
    for t in report["topics"]:
        rows.append(
            [
                t["topic"],
                t["label"],
                t["size"],
                t["baseline_size"],
                t["growth"],
                "是" if t["emerging"] else "",
                f"{t['dominant_term']}（{t['dominant_share']:.0%}）" if t["dominant_term"] else "",
                "、".join(i["code"] for i in t["industries"]),
            ]
        )
    story.append(_table(rows, [12 * mm, 42 * mm, 14 * mm, 16 * mm, 16 * mm, 10 * mm, 30 * mm, 30 * mm], st))
    for t in [t for t in report["topics"] if t["emerging"]][:3]:
        story.append(para(f"主题 {t['topic']}（{t['label']}）代表性投诉：", "body"))
        for e in t["representatives"]:
            story.append(para(f"{zh_date(e['received_on'])} {e['text']}", "small"))
    story.append(para("三、趋势与异常", "h2"))
    story.append(
        para(
            "每期为窗口期长度；预测采用 Holt 线性指数平滑，预警线为预测值加 k 倍残差标准差"
            "（不低于泊松波动）。最新一期超出预警线即为异常。",
            "small",
        )
    )
    anomalies = report["anomalies"]
    if anomalies:
        story.append(_line_chart(anomalies, "异常序列（实线：各期件数；虚线：至预警上限）"))
        rows = [["维度", "代码", "最新一期", "预测", "预警上限"]]
        for a in anomalies:
            rows.append(
                [
                    DIMENSION_ZH[a["dimension"]],
                    a["key"],
                    a["counts"][-1],
                    a["forecast"]["value"],
                    a["forecast"]["upper"],
                ]
            )
        story.append(_table(rows, [25 * mm, 35 * mm, 30 * mm, 30 * mm, 30 * mm], st))
    else:
        story.append(para("本期无超出预警线的序列。", "body"))
    story.append(para("四、风险提示经营者", "h2"))
    flags = report["flagged_businesses"]
    story.append(
        para(
            f"窗口期内涉及新兴词语或新兴主题的投诉达到 {report['parameters']['flag_min_complaints']} "
            f"件及以上的经营者共 {len(flags)} 家。风险提示仅供审核参考，不作否决依据。",
            "body",
        )
    )
    if flags:
        rows = [["统一社会信用代码", "相关投诉件数", "涉及词语", "涉及主题"]]
        for f in flags[:60]:
            rows.append([f["uscc"], f["complaints"], "、".join(f["terms"][:3]), "、".join(map(str, f["topics"]))])
        story.append(_table(rows, [45 * mm, 25 * mm, 60 * mm, 30 * mm], st))
    return build(story, "消费投诉风险预警报告", margins=(20 * mm, 18 * mm))
