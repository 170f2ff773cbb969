"""The risk report as a PDF in Chinese with charts (reportlab; returns bytes, writes nothing).

`render_report_pdf(report, font)` takes the dict of `scan.build_report` and the
name of a registered reportlab font that covers Chinese (the caller registers
an embedded TrueType font, or the CID fallback STSong-Light). The report's
texts are already masked; nothing else personal is printed.
"""
from __future__ import annotations

import io

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

DIMENSION_ZH = {"industry": "行业", "region": "地区", "category": "类别"}
WIDTH = 170 * mm


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    return {"title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=6),
            "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
            "body": base, "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=10)}


def _table(rows: list[list], font: str, widths: list[float], styles) -> Table:
    cells = [[Paragraph(str(c), styles["small"]) for c in row] for row in rows]
    t = Table(cells, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                           ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return t


def _term_chart(terms: list[dict], font: str) -> Drawing:
    terms = terms[:10]
    d = Drawing(WIDTH, 40 + 16 * max(len(terms), 1))
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 90, 25, WIDTH - 110, 16 * max(len(terms), 1)
    chart.data = [[t["window_rate"] * 1000 for t in terms] or [0], [t["baseline_rate"] * 1000 for t in terms] or [0]]
    chart.categoryAxis.categoryNames = [t["term"] for t in terms] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = font
    chart.bars[0].fillColor, chart.bars[1].fillColor = colors.HexColor("#c0392b"), colors.HexColor("#95a5a6")
    d.add(chart)
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.alignment = WIDTH - 160, 12, font, "right"
    legend.colorNamePairs = [(colors.HexColor("#c0392b"), "窗口期（每千件）"), (colors.HexColor("#95a5a6"), "基准期（每千件）")]
    legend.columnMaximum = 1
    d.add(legend)
    return d


def _line_chart(series: list[dict], font: str, title: str) -> Drawing:
    d = Drawing(WIDTH, 170)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 30, WIDTH - 60, 110
    data = []
    palette = [colors.HexColor(c) for c in ("#2c3e50", "#c0392b", "#27ae60", "#8e44ad", "#d35400")]
    for s in series[:4]:
        n = len(s["counts"])
        data.append([(i + 1, v) for i, v in enumerate(s["counts"])])
        data.append([(n - 1, s["counts"][-2] if n > 1 else 0), (n, s["forecast"]["upper"])])
    plot.data = data or [[(0, 0)]]
    for i in range(len(plot.data)):
        plot.lines[i].strokeColor = palette[(i // 2) % len(palette)]
        plot.lines[i].strokeWidth = 1.5 if i % 2 == 0 else 0.8
        if i % 2:
            plot.lines[i].strokeDashArray = (3, 2)
    plot.xValueAxis.labels.fontName = plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.valueMin = 0
    d.add(plot)
    d.add(String(40, 155, title, fontName=font, fontSize=9))
    legend = Legend()
    legend.x, legend.y, legend.fontName = 40, 12, font
    legend.colorNamePairs = [(palette[i % len(palette)], f"{DIMENSION_ZH[s['dimension']]} {s['key']}")
                             for i, s in enumerate(series[:4])]
    legend.columnMaximum, legend.alignment = 1, "right"
    d.add(legend)
    return d


def render_report_pdf(report: dict, font: str) -> bytes:
    st = _styles(font)
    w, b = report["window"], report["baseline"]
    story = [
        Paragraph("消费投诉风险预警报告", st["title"]),
        Paragraph(f"数据截至 {report['as_of']}；窗口期 {w['from']} 至 {w['to']}（{w['complaints']:,} 件）；"
                  f"基准期 {b['from']} 至 {b['to']}（{b['complaints']:,} 件）。投诉文本中的个人信息已脱敏。",
                  st["body"]),
        Paragraph("一、新兴词语（新词碰撞）", st["h2"]),
        Paragraph("按对数似然比 G² 排序；比率为窗口期与基准期每千件投诉中出现该词的件数之比。", st["small"]),
    ]
    terms = report["emerging_terms"]
    if terms:
        story.append(_term_chart(terms, font))
        rows = [["词语", "窗口期件数", "基准期件数", "比率", "G²", "新词", "集中行业", "集中地区"]]
        for t in terms:
            rows.append([t["term"], t["window_count"], t["baseline_count"], t["rate_ratio"], t["g2"],
                         "是" if t["new"] else "", "、".join(i["code"] for i in t["industries"]),
                         "、".join(r["code"] for r in t["regions"])])
        story.append(_table(rows, font, [28 * mm, 17 * mm, 17 * mm, 15 * mm, 17 * mm, 10 * mm, 33 * mm, 33 * mm], st))
        story.append(Paragraph("典型投诉（已脱敏）", st["h2"]))
        for t in terms[:5]:
            for e in t["examples"][:2]:
                story.append(Paragraph(f"【{t['term']}】{e['received_on']} {e['text']}", st["small"]))
    else:
        story.append(Paragraph("本期未发现显著上升的词语。", st["body"]))
    story.append(Paragraph("二、投诉主题聚类", st["h2"]))
    rows = [["主题", "标签", "件数", "基准期", "增长倍数", "新兴", "主导词（占比）", "集中行业"]]
    for t in report["topics"]:
        rows.append([t["topic"], t["label"], t["size"], t["baseline_size"], t["growth"], "是" if t["emerging"] else "",
                     f"{t['dominant_term'] or ''}（{t['dominant_share']:.0%}）",
                     "、".join(i["code"] for i in t["industries"])])
    story.append(_table(rows, font, [12 * mm, 42 * mm, 14 * mm, 16 * mm, 16 * mm, 10 * mm, 30 * mm, 30 * mm], st))
    for t in [t for t in report["topics"] if t["emerging"]][:3]:
        story.append(Paragraph(f"主题 {t['topic']}（{t['label']}）代表性投诉：", st["body"]))
        for e in t["representatives"]:
            story.append(Paragraph(f"{e['received_on']} {e['text']}", st["small"]))
    story.append(Paragraph("三、趋势与异常", st["h2"]))
    story.append(Paragraph("每期为窗口期长度；预测采用 Holt 线性指数平滑，预警线为预测值加 k 倍残差标准差"
                           "（不低于泊松波动）。最新一期超出预警线即为异常。", st["small"]))
    anomalies = report["anomalies"]
    if anomalies:
        story.append(_line_chart(anomalies, font, "异常序列（实线：各期件数；虚线：至预警上限）"))
        rows = [["维度", "代码", "最新一期", "预测", "预警上限"]]
        for a in anomalies:
            rows.append([DIMENSION_ZH[a["dimension"]], a["key"], a["counts"][-1], a["forecast"]["value"],
                         a["forecast"]["upper"]])
        story.append(_table(rows, font, [25 * mm, 35 * mm, 30 * mm, 30 * mm, 30 * mm], st))
    else:
        story.append(Paragraph("本期无超出预警线的序列。", st["body"]))
    story.append(Paragraph("四、风险提示经营者", st["h2"]))
    flags = report["flagged_businesses"]
    story.append(Paragraph(f"窗口期内涉及新兴词语或新兴主题的投诉达到 {report['parameters']['flag_min_complaints']} "
                           f"件及以上的经营者共 {len(flags)} 家。风险提示仅供审核参考，不作否决依据。", st["body"]))
    if flags:
        rows = [["统一社会信用代码", "相关投诉件数", "涉及词语", "涉及主题"]]
        for f in flags[:60]:
            rows.append([f["uscc"], f["complaints"], "、".join(f["terms"][:3]), "、".join(map(str, f["topics"]))])
        story.append(_table(rows, font, [45 * mm, 25 * mm, 60 * mm, 30 * mm], st))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title="消费投诉风险预警报告", author="assured",
                      invariant=1).build(story)
    return buf.getvalue()
