"""Chinese line breaking, one set of rules for every document: the certificate's own lines and
every reportlab paragraph (`Text`, which `documents.drawing.paragraph` makes).

A line may break before any character except where a rule says no:
- closing punctuation never starts a line (GB/T 15834's 避头点号): the piece before it goes down
  with it; an opening bracket never ends one: it goes down with what follows;
- some runs never break: a Chinese date (2026年6月30日, 二〇二六年六月三十日, 2026年6月, 6月30日), a
  document or certificate number (鄂市监消〔2026〕17号, 鄂放心〔2026〕第420000-000001号) and a run of
  Latin letters and digits; only a run longer than a whole line is broken, between characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import ParaLines, cjkU, makeCJKParaLine

NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’…·%,.;:?!)]")
NO_LINE_END = frozenset("（《「『【〔“‘([")
_ZH_YEAR, _ZH_SMALL = "[〇一二三四五六七八九]{4}", "[一二三四五六七八九十]{1,3}"
UNBREAKABLE = re.compile(
    r"\d{4}年\d{1,2}月\d{1,2}日"
    rf"|{_ZH_YEAR}年{_ZH_SMALL}月{_ZH_SMALL}日"
    r"|\d{4}年\d{1,2}月"
    r"|\d{1,2}月\d{1,2}日"
    r"|[\u4e00-\u9fff]{0,4}〔\s*\d{4}\s*〕第?[0-9A-Za-z\-]*号"
    r"|[A-Za-z0-9@&_.:/#%+\-]+"
    r"|[ \t\u3000]+"
)
_FUZZ = 1e-6


def pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of `text` a line break may not enter: the unbreakable runs and
    runs of white space whole, every other character alone."""
    out: list[tuple[int, int]] = []
    at = 0
    for m in UNBREAKABLE.finditer(text):
        out += [(i, i + 1) for i in range(at, m.start())]
        out.append(m.span())
        at = m.end()
    return out + [(i, i + 1) for i in range(at, len(text))]


def line_ranges(
    text: str, glyph_widths: Sequence[float], max_width: Callable[[int], float], hard: frozenset[int] = frozenset()
) -> list[tuple[int, int]]:
    """The lines of `text` as (start, end) character ranges, filled greedily: `glyph_widths` holds
    one width per character, `max_width(n)` the width of line n, `hard` the positions after which a
    line must end (a <br/>). Trailing white space may hang past the width."""
    units = pieces(text)
    lines: list[tuple[int, int]] = []
    first = 0  # index into units of the current line's first piece
    used = 0.0

    def width(u: int) -> float:
        a, b = units[u]
        return sum(glyph_widths[a:b])

    u = 0
    while u < len(units):
        a, b = units[u]
        w = width(u)
        limit = max_width(len(lines))
        if u == first and w > limit + _FUZZ and b - a > 1:  # longer than a line: break between its characters
            units[u : u + 1] = [(i, i + 1) for i in range(a, b)]
            continue
        fits = used + w <= limit + _FUZZ or u == first or text[a:b].isspace()
        if not fits:
            end = u
            while end > first and text[units[end][0]] in NO_LINE_START:
                end -= 1  # a closing mark takes the piece before it down with it
            while end - 1 > first and text[units[end - 1][0]] in NO_LINE_END:
                end -= 1  # an opening bracket goes down with what follows it
            if end > first:  # else the line would be left empty: the mark hangs past the width
                lines.append((units[first][0], units[end - 1][1]))
                first, used = end, sum(width(k) for k in range(end, u))
                continue
        used += w
        u += 1
        if b - 1 in hard:
            lines.append((units[first][0], b))
            first, used = u, 0.0
    if first < len(units):
        lines.append((units[first][0], units[-1][1]))
    return lines


class Text(Paragraph):
    """A reportlab paragraph in CJK mode whose lines break by this module's rules (reportlab's own
    CJK splitter breaks anywhere, inside a date or a document number)."""

    def breakLinesCJK(self, maxWidths):  # noqa: N802, N803  (reportlab's names)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
            return self.blPara
        if self.bulletText or self.style.endDots or not self.frags:
            return super().breakLinesCJK(maxWidths)
        widths = maxWidths if isinstance(maxWidths, (list, tuple)) else [maxWidths]
        self.height = 0
        auto = getattr(self, "autoLeading", getattr(self.style, "autoLeading", ""))
        bounds = auto not in ("", "off")
        glyphs = []
        for f in self.frags:
            text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
            glyphs += [cjkU(ch, f, "utf8") for ch in text] if text else [cjkU("", f, "utf8")]
        text = "".join(g or "\n" for g in glyphs)
        hard = frozenset(i for i, g in enumerate(glyphs) if hasattr(g.frag, "lineBreak"))

        def limit(n: int) -> float:
            return widths[min(n, len(widths) - 1)]

        lines = []
        for n, (a, b) in enumerate(line_ranges(text, [g.width for g in glyphs], limit, hard)):
            used = sum(g.width for g in glyphs[a:b])
            lines.append(makeCJKParaLine(glyphs[a:b], limit(n), used, limit(n) - used, b - 1 in hard, bounds))
        return ParaLines(kind=1, lines=lines)
