"""Charts of the disclosures (reportlab graphics): horizontal bars per industry, region and
category; lines per month with the previous period and a reference line. Counts get whole-number
axes; a month without data is a gap in its line, never a point at 0."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from documents.drawing import RED, draw_text, legend
from documents.fonts import LATIN, cjk_font

ACCENT, GREY = colors.HexColor("#2c5f8a"), colors.HexColor("#b0b8c0")
CHART_TEXT = 7.5  # points: labels and legends inside charts


def count_axis(top: float) -> tuple[float, float]:
    """(maximum, step) of a value axis of counts: whole numbers in steps of 1, 2 or 5 × 10^k with at
    most six ticks and room above the largest bar, so an axis never ticks 0.2, 0.4."""
    need = max(top * 1.1, 1)
    scale = 1
    while True:
        for nice in (1, 2, 5):
            step = nice * scale
            if need / step <= 6:
                return float(step * -(-need // step)), float(step)
        scale *= 10


def runs(values: Sequence[float | None]) -> list[list[float | None]]:
    """The values split where one is None (a month without data), each run a row of its own, None
    elsewhere: reportlab would join the points across the gap."""
    out: list[list[float | None]] = []
    current: list[float | None] | None = None
    for i, v in enumerate(values):
        if v is None:
            current = None
            continue
        if current is None:
            current = [None] * len(values)
            out.append(current)
        current[i] = v
    return out


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    width: float,
    reference: float | None = None,
    percent: bool = False,
    colour=ACCENT,
) -> Drawing:
    """Horizontal bars, one per label (top to bottom), with an optional vertical reference line; a
    None value (no rate: nothing accepted) draws no bar."""
    n = max(len(labels), 1)
    label_w = min(max((cjk_font().width(lb, CHART_TEXT) for lb in labels), default=20) + 8, width * 0.4)
    d = Drawing(width, 40 + 13 * n)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = label_w + 4, 22, width - label_w - 30, 13 * n
    chart.data = [list(values) or [0]]
    chart.categoryAxis.categoryNames = [""] * n
    chart.categoryAxis.reverseDirection = True
    chart.valueAxis.valueMin = 0
    top = max([v for v in values if v is not None] + [reference or 0, 1])
    if percent:
        chart.valueAxis.valueMax = 100
    else:
        chart.valueAxis.valueMax, chart.valueAxis.valueStep = count_axis(top)
        chart.valueAxis.labelTextFormat = "%d"
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
    series: Sequence[tuple[str, Sequence[float | None], object]],
    width: float,
    reference: float | None = None,
    percent: bool = False,
) -> Drawing:
    """Lines over the months (x: 'YYYY-MM'), one per (label, values, colour), optional reference
    line. A None value (a month without data) is a gap in its line; counts get whole-number ticks."""
    d = Drawing(width, 190)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 42, 48, width - 60, 115
    rows = [(i, run) for i, (_, vs, _) in enumerate(series) for run in runs(vs)]
    chart.data = [run for _, run in rows] or [[None] * max(len(months), 1)]
    chart.categoryAxis.categoryNames = list(months)
    chart.categoryAxis.labels.fontName = LATIN
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    values = [v for _, vs, _ in series for v in vs if v is not None]
    vmin = 0.0
    if percent:
        vmax = 100.0
        vmin = max(0.0, min(values + [reference or 100]) - 10)
        vmin = float(int(vmin // 10 * 10))
    else:
        vmax, chart.valueAxis.valueStep = count_axis(max(values + [1]))
        chart.valueAxis.labelTextFormat = "%d"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = vmin, vmax
    chart.valueAxis.labels.fontName = LATIN
    chart.valueAxis.labels.fontSize = 7
    chart.joinedLines = 0  # each run joins its own points; a run of one month is a dot, not a line
    for k, (i, run) in enumerate(rows):
        if sum(v is not None for v in run) > 1:
            chart.lines[k].lineStyle = "joinedLine"
        chart.lines[k].strokeColor = series[i][2]
        chart.lines[k].strokeWidth = 1.6 if i == 0 else 1
        chart.lines[k].symbol = makeMarker("FilledCircle", size=2.5, fillColor=series[i][2], strokeColor=None)
        if i:
            chart.lines[k].strokeDashArray = (3, 2)
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
