"""Drawing helpers shared by every document: stylesheets, paragraph markup, tables, the page
template, and text and legends inside charts.

The CJK face may lack Latin letters and digits (`documents.fonts`), so text is always set run by
run, each run in a font that has its characters. Output is deterministic (`invariant=1`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from documents.fonts import cjk_font

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
    return Paragraph(markup(text), style)


def table(
    cells: Sequence[Sequence],
    widths: Sequence[float],
    *,
    font: tuple[str, float] | None = None,
    header=HEADER_BLUE,
    grid: tuple[float, object] = (0.3, colors.grey),
) -> Table:
    """A table whose first row is a tinted header repeated on every page; a grid; cells top-aligned."""
    t = Table([list(row) for row in cells], colWidths=list(widths), repeatRows=1)
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


def build(story: list, title: str, pagesize=A4, margins: tuple[float, float] = (18 * mm, 16 * mm)) -> bytes:
    """The story as PDF bytes; `margins` is (left and right, top and bottom)."""
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
    ).build(story)
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


def legend(d: Drawing, x: float, y: float, pairs: Sequence[tuple], size: float, gap: float) -> None:
    """A row of (colour, label) swatches starting at (x, y), `gap` points between entries."""
    for colour, label in pairs:
        d.add(Rect(x, y, 8, 8, fillColor=colour, strokeColor=None))
        draw_text(d, x + 11, y + 1, label, size)
        x += gap + cjk_font().width(label, size)
