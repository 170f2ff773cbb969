"""Drawing helpers shared by every document: stylesheets, paragraph markup, tables, the page
template, and text and legends inside charts.

The CJK face may lack Latin letters and digits (`documents.fonts`), so text is always set run by
run, each run in a font that has its characters. Output is deterministic (`invariant=1`).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle

from documents.fonts import cjk_font, text_run
from documents.linebreak import Text

HEADER_BLUE = colors.HexColor("#e8eef5")
RED = colors.HexColor("#c0392b")


def styles(size: float, leading: float, **variants: dict) -> dict[str, ParagraphStyle]:
    """A stylesheet: "body" in the CJK font, and each variant a style based on it with its overrides."""
    body = ParagraphStyle("body", fontName=cjk_font().name, fontSize=size, leading=leading, wordWrap="CJK")
    return {"body": body, **{name: ParagraphStyle(name, parent=body, **kw) for name, kw in variants.items()}}


def markup(text: object) -> str:
    """Paragraph markup setting each run of `text` in a font that has its characters."""
    font = cjk_font()
    return "".join(
        escape(run) if name == font.name else f'<font name="{name}">{escape(run)}</font>'
        for name, run in font.runs(str(text))
    )


def paragraph(text: object, style: ParagraphStyle) -> Paragraph:
    """`text` as a paragraph broken by `documents.linebreak`'s rules (a date or a 文号 stays on one line)."""
    return Text(markup(text), style)


class ListTable(LongTable):
    """A long table (its row heights computed a page at a time) that keeps its last row with the
    one before: a page break that would leave a single row for the next page comes a row earlier."""

    def _getFirstPossibleSplitRowPosition(self, availHeight, ignoreSpans=0):  # noqa: N802, N803  (reportlab's names)
        n = super()._getFirstPossibleSplitRowPosition(availHeight, ignoreSpans)
        if n == len(self._cellvalues) - 1 and n - 1 > self.repeatRows:
            return n - 1
        return n


def table(
    cells: Sequence[Sequence],
    widths: Sequence[float],
    *,
    font: tuple[str, float] | None = None,
    header=HEADER_BLUE,
    grid: tuple[float, object] = (0.3, colors.grey),
) -> LongTable:
    """One continuous table whose first row is a tinted header repeated at the top of every page
    it runs onto; its last row never stands alone on a page; a grid; cells top-aligned."""
    t = ListTable([list(row) for row in cells], colWidths=list(widths), repeatRows=1)
    t.setStyle(
        TableStyle(
            ([("FONT", (0, 0), (-1, -1), *font)] if font else [])
            + [
                ("GRID", (0, 0), (-1, -1), *grid),
                ("BACKGROUND", (0, 0), (-1, 0), header),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return t


class NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end, then numbers each "第 x 页 共 y 页" at the
    foot when there is more than one (the total is known only once the story is laid out)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802  (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            if total > 1:
                self._number(self._pageNumber, total)
            super().showPage()
        super().save()

    def _number(self, page: int, total: int) -> None:
        text, size = page_label(page, total), 9
        font = cjk_font()
        width, _ = self._pagesize
        x = (width - font.width(text, size)) / 2
        for name, run in font.runs(text):
            self.setFont(name, size)
            self.drawString(x, 8 * mm, run)
            x += stringWidth(run, name, size)


def page_label(page: int, total: int) -> str:
    return f"第 {page} 页 共 {total} 页"


def build(story: list, title: str, pagesize=A4, margins: tuple[float, float] = (18 * mm, 16 * mm)) -> bytes:
    """The story as PDF bytes; `margins` is (left and right, top and bottom). A document of more
    than one page carries "第 x 页 共 y 页" at the foot of each."""
    side, top = margins
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=side,
        rightMargin=side,
        topMargin=top,
        bottomMargin=top,
        title=title,
        author="assured",
        invariant=1,
    ).build(story, canvasmaker=NumberedCanvas)
    return buf.getvalue()


def draw_text(d: Drawing, x: float, y: float, text: str, size: float, anchor: str = "start") -> None:
    """Draw `text` into a chart run by run (a graphics String has one font); anchor start, middle or end."""
    font = cjk_font()
    if anchor == "end":
        x -= font.width(text, size)
    elif anchor == "middle":
        x -= font.width(text, size) / 2
    for name, run in font.runs(text):
        d.add(String(x, y, run, fontName=name, fontSize=size))
        x += stringWidth(run, name, size)


def canvas_text(c: Canvas, x: float, y: float, text: str, size: float, anchor: str = "start") -> None:
    """Draw `text` on a canvas run by run; anchor start, middle or end."""
    font = cjk_font()
    if anchor == "end":
        x -= font.width(text, size)
    elif anchor == "middle":
        x -= font.width(text, size) / 2
    for name, run in font.runs(text):
        c.setFont(name, size)
        c.drawString(x, y, run)
        x += stringWidth(run, name, size)


SEAL_RED = (0.86, 0.08, 0.08)


def draw_seal(c: Canvas, x: float, y: float, r: float, authority: str, label: str = "") -> None:
    """A drawn round official seal (公章) centred on (x, y): ring, five-pointed star, the authority's
    name along the upper arc and `label` (证书专用章) under the star; everything scales with `r`
    (the certificate's seal has r = 56 pt)."""
    k = r / 56
    c.saveState()
    c.setFillAlpha(0.72)
    c.setStrokeAlpha(0.72)
    c.setStrokeColorRGB(*SEAL_RED)
    c.setFillColorRGB(*SEAL_RED)
    c.setLineWidth(3.2 * k)
    c.circle(x, y, r, stroke=1, fill=0)
    star = c.beginPath()
    for i in range(10):
        radius = 15 * k if i % 2 == 0 else 15 * k * 0.382
        a = math.pi / 2 + i * math.pi / 5
        (star.moveTo if i == 0 else star.lineTo)(x + radius * math.cos(a), y + radius * math.sin(a))
    star.close()
    c.drawPath(star, stroke=0, fill=1)
    size = (12 if len(authority) <= 12 else 9.5) * k
    span = min(260.0, 21.0 * len(authority))
    arc = r - 7 * k - size
    font = cjk_font()
    t = c.beginText()
    for i, ch in enumerate(authority):  # one text object, a rotated text matrix per character
        angle = 90 + span / 2 - span * (i + 0.5) / len(authority)
        a, turn = math.radians(angle), math.radians(angle - 90)
        cos, sin = math.cos(turn), math.sin(turn)
        half = font.width(ch, size) / 2
        t.setTextTransform(cos, sin, -sin, cos, x + arc * math.cos(a) - half * cos, y + arc * math.sin(a) - half * sin)
        for name, run in font.runs(ch):
            text_run(t, name, size, run)
    if label:
        t.setTextTransform(1, 0, 0, 1, x - font.width(label, 8.5 * k) / 2, y - 31 * k)
        text_run(t, font.name, 8.5 * k, label)
    c.drawText(t)
    c.restoreState()


def legend(d: Drawing, x: float, y: float, pairs: Sequence[tuple], size: float, gap: float) -> None:
    """A row of (colour, label) swatches starting at (x, y), `gap` points between entries."""
    for colour, label in pairs:
        d.add(Rect(x, y, 8, 8, fillColor=colour, strokeColor=None))
        draw_text(d, x + 11, y + 1, label, size)
        x += gap + cjk_font().width(label, size)
