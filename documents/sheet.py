"""Running text drawn straight on a canvas, for documents sent by the thousand (the status notices):
wrapped paragraphs, rules, a gridded table whose header row repeats on each page it runs onto,
blocks kept on one page, and "第 x 页 共 y 页" at the foot of a document of more than one page.

Platypus lays out every paragraph through its general CJK line breaker, which costs tens of
milliseconds a page; here lines are broken by `documents.certificate.wrap` (memoised: most of a
notice's text is the same in every notice) and set with the certificate's `Writer`, one text
object per stretch of text. The page geometry follows `documents.drawing.build`'s (A4, 18 mm and
16 mm margins, the frame's 6 pt padding), so a document looks as it did through platypus.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import lru_cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from documents.certificate import Writer, wrap
from documents.drawing import HEADER_BLUE, NumberedCanvas
from documents.fonts import LATIN, first_subset, seed

BLACK = (0.0, 0.0, 0.0)
PADDING = 6  # platypus's frame padding, points
CELL_PAD_X, CELL_PAD_Y = 6, 3  # a table cell's padding (platypus's defaults)


@lru_cache(maxsize=8192)
def lines(text: str, size: float, width: float) -> tuple[str, ...]:
    """`text` broken into lines of at most `width` points at `size` (an explicit newline breaks too)."""
    return tuple(line for part in text.split("\n") for line in (wrap(part, size, width) or [""]))


class Sheet:
    """One document being drawn: `y` is the top of what is still free on the page."""

    def __init__(self, title: str, fixed: str = "", author: str = "assured", pagesize=A4, margins=(18 * mm, 16 * mm)):
        """`fixed`: the text every document of this kind carries, whose characters take the font's
        first subset (`documents.fonts.first_subset`), cut once for all of them."""
        side, top = margins
        self.buf = io.BytesIO()
        self.c: Canvas = NumberedCanvas(self.buf, pagesize=pagesize, invariant=1)
        seed(self.c._doc, first_subset(fixed))
        self.c.setTitle(title)
        self.c.setAuthor(author)
        self.page_w, self.page_h = pagesize
        self.x0 = side + PADDING
        self.width = self.page_w - 2 * side - 2 * PADDING
        self.top = self.page_h - top - PADDING
        self.bottom = top + PADDING
        self.y = self.top
        self.w = Writer(self.c)

    def flush(self) -> None:
        """Draw the text set so far (so what is drawn next comes after it in the page's content)."""
        self.w.close()
        self.w = Writer(self.c)

    def new_page(self) -> None:
        self.w.close()
        self.c.showPage()
        self.w = Writer(self.c)
        self.y = self.top

    def need(self, height: float) -> None:
        """A new page unless `height` points fit above the bottom margin (a fresh page always takes it)."""
        if self.y - height < self.bottom and self.y < self.top:
            self.new_page()

    def space(self, height: float) -> None:
        self.y = max(self.y - height, self.bottom)

    def text(
        self, text: str, size: float, leading: float, align: str = "left", colour=BLACK, width: float | None = None
    ) -> None:
        """A paragraph, line by line (a page break may fall between its lines); align left, centre or right."""
        width = width or self.width
        x = {"left": self.x0, "centre": self.x0 + width / 2, "right": self.x0 + width}[align]
        for line in lines(text, size, width):
            self.need(leading)
            self.w(x, self.y - size, line, size, align, colour)
            self.y -= leading

    def rule(self, thickness: float, colour, before: float = 1, after: float = 1) -> None:
        self.space(before)
        c = self.c
        c.setStrokeColor(colour)
        c.setLineWidth(thickness)
        c.line(self.x0, self.y - thickness / 2, self.x0 + self.width, self.y - thickness / 2)
        self.y -= thickness + after

    def table(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        size: float,
        leading: float,
        header_fill,
        grid: tuple[float, object],
        colour=BLACK,
    ) -> None:
        """A grid whose first row is a tinted header, repeated at the top of each page the table
        runs onto; cells top-aligned, their text wrapped; centred on the text column like platypus's."""
        left = self.x0 + (self.width - sum(widths)) / 2
        wrapped = [[lines(cell, size, w - 2 * CELL_PAD_X) for cell, w in zip(row, widths)] for row in rows]
        heights = [max(len(cell) for cell in row) * leading + 2 * CELL_PAD_Y for row in wrapped]
        last = len(rows) - 1
        for i, (row, h) in enumerate(zip(wrapped, heights)):
            # the header goes with the first body row, and the last row with the one before it
            keep = h + (heights[1] if i == 0 < last else heights[last] if i == last - 1 > 1 else 0)
            if self.y - keep < self.bottom and self.y < self.top:
                self.new_page()
                if i > 0:
                    self._row(wrapped[0], widths, heights[0], left, size, leading, header_fill, grid, colour)
            self._row(row, widths, h, left, size, leading, header_fill if i == 0 else None, grid, colour)

    def _row(self, cells, widths, h, left, size, leading, fill, grid, colour) -> None:
        draw_row(
            self.c, self.w, [(cell, size, leading, None) for cell in cells], widths, h, left, self.y, fill, grid, colour
        )
        self.y -= h

    def block(self, height: float, draw: Callable[[Sheet, float], None]) -> None:
        """`draw(sheet, bottom)` a block `height` points high kept on one page, its bottom at `bottom`."""
        self.need(height)
        self.y -= height
        draw(self, self.y)

    def pdf(self) -> bytes:
        self.w.close()
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def draw_row(c, w: Writer, cells, widths, h, left, top, fill, grid, colour) -> None:
    """One table row `h` points high, its top at `top`: the fill (a header's tint, or None), each
    cell's grid rectangle, and each cell's (lines, size, leading, font) set from its top-left."""
    if fill is not None:
        c.setFillColor(fill)
        c.rect(left, top - h, sum(widths), h, stroke=0, fill=1)
    c.setStrokeColor(grid[1])
    c.setLineWidth(grid[0])
    x = left
    for (cell, size, leading, font), width in zip(cells, widths):
        c.rect(x, top - h, width, h, stroke=1, fill=0)
        for n, line in enumerate(cell):
            w(x + CELL_PAD_X, top - CELL_PAD_Y - size - n * leading, line, size, "left", colour, font=font)
        x += width


class Grid(Flowable):
    """A long list's table inside a platypus story, laid out like `documents.drawing.table` — a
    tinted header repeated on every page it runs onto, the last row never alone on a page, cells
    top-aligned in a grid, ASCII-only cells (numbers, codes) set in `latin` — but drawn like the
    `Sheet`'s table: cell lines broken by the memoised `lines`, set with `Writer`. A list of
    thousands of rows through platypus's Paragraph per cell cost seconds in its CJK line breaker."""

    def __init__(
        self,
        rows: Sequence[Sequence[object]],
        widths: Sequence[float],
        *,
        size: float = 8,
        leading: float = 10.5,
        latin: tuple[str, float] = (LATIN, 7.5),
        header=HEADER_BLUE,
        grid: tuple[float, object] = (0.3, colors.grey),
        _laid: tuple[list, list[float]] | None = None,
    ) -> None:
        super().__init__()
        self.widths, self.fill, self.grid = list(widths), header, grid
        self.hAlign = "CENTER"
        if _laid is None:
            _laid = ([], [])
            for row in rows:
                cells: list[tuple[tuple[str, ...], float, float, str | None]] = []
                for cell, width in zip((str(c) for c in row), self.widths):
                    if cell.isascii():  # as platypus sets a plain string: no wrapping, 1.2 x size apart
                        cells.append((tuple(cell.split("\n")), latin[1], 1.2 * latin[1], latin[0]))
                    else:
                        cells.append((lines(cell, size, width - 2 * CELL_PAD_X), size, leading, None))
                _laid[0].append(cells)
                _laid[1].append(max(len(c[0]) * c[2] for c in cells) + 2 * CELL_PAD_Y)
        self.cells, self.heights = _laid

    def lead(self, rows: int) -> float:
        """The height of the header and the first `rows` rows."""
        return sum(self.heights[: rows + 1])

    def wrap(self, aW, aH):  # noqa: N803  (reportlab's names)
        self.width, self.height = sum(self.widths), sum(self.heights)
        return self.width, self.height

    def _part(self, start: int, end: int) -> Grid:
        cells, heights = [self.cells[0], *self.cells[start:end]], [self.heights[0], *self.heights[start:end]]
        return Grid((), self.widths, header=self.fill, grid=self.grid, _laid=(cells, heights))

    def split(self, aW, aH):  # noqa: N803
        """The rows that fit in `aH` (the header and at least one row), and the header with the rest."""
        used, n, last = self.heights[0], 1, len(self.heights)
        while n < last and used + self.heights[n] <= aH:
            used += self.heights[n]
            n += 1
        if n == last:
            return [self]
        if n == last - 1 and n - 1 > 1:  # the last row goes with the one before
            n -= 1
        if n <= 1:
            return []  # not even the header and a row: the next frame
        return [self._part(1, n), self._part(n, last)]

    def draw(self) -> None:
        c, w, top = self.canv, Writer(self.canv), self.height
        for i, (cells, h) in enumerate(zip(self.cells, self.heights)):
            draw_row(c, w, cells, self.widths, h, 0, top, self.fill if i == 0 else None, self.grid, BLACK)
            top -= h
        w.close()
