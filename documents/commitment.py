"""承诺书: the commitment letter a business reads and accepts when it applies online, rendered
from the programme's paragraphs in the policy (`commitment_letter.paragraphs`, dated like every
other value). The same business, programme and text give the same bytes, so the SHA-256 recorded
at acceptance names exactly what was read.

Every online application renders one, so it is set line by line on a canvas (the certificate's
line breaking and text writer) rather than through platypus: the policy's paragraphs are broken
into lines once per text and width, and only the lines naming the business are broken per
letter. A letter that runs past one page carries "第 x 页 共 y 页" at the foot of each.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from checks.calendar import zh_date
from checks.programmes import title_zh
from documents.certificate import Writer, wrap
from documents.drawing import page_label
from documents.fonts import first_subset, seed

PAGE_W, PAGE_H = A4
SIDE, TOP, BOTTOM = 25 * mm, 25 * mm, 22 * mm
WIDTH = PAGE_W - 2 * SIDE
SIZE, LEADING = 11.5, 20
TITLE_SIZE, TITLE_LEADING = 18, 26
INDENT = "\u3000\u3000"  # a paragraph's first line starts two full-width spaces in


@lru_cache(maxsize=1024)
def _lines(text: str, size: float, width: float) -> tuple[str, ...]:
    """`text` broken into lines (memoised: the policy's paragraphs are the same in every letter)."""
    return tuple(wrap(text, size, width))


def _blocks(program: str, business_name: str, uscc: str, paragraphs: list[str], authority: str, on: dt.date):
    """(lines, size, leading, align, space before) of each block, top to bottom."""
    title = title_zh(program)
    return [
        ((f"{title}承诺书",), TITLE_SIZE, TITLE_LEADING, "centre", 0),
        (_lines(f"{authority}：", SIZE, WIDTH), SIZE, LEADING, "left", 6 * mm),
        (
            _lines(f"{INDENT}本单位{business_name}（统一社会信用代码 {uscc}）申请{title}认定，郑重承诺：", SIZE, WIDTH),
            SIZE,
            LEADING,
            "left",
            2 * mm,
        ),
        *(
            (_lines(f"{INDENT}{i}. {text}", SIZE, WIDTH), SIZE, LEADING, "left", 2 * mm)
            for i, text in enumerate(paragraphs, 1)
        ),
        (
            _lines(
                f"{INDENT}本承诺书经本单位在企业服务平台在线确认，确认时间、账号和本文件的摘要值记入审核档案。",
                SIZE,
                WIDTH,
            ),
            SIZE,
            LEADING,
            "left",
            4 * mm,
        ),
        (_lines(f"承诺单位：{business_name}", SIZE, WIDTH) + (zh_date(on),), SIZE, LEADING, "right", 12 * mm),
    ]


def _laid_out(blocks) -> list[list[tuple[float, float, str, float, str]]]:
    """Pages of (x, y, line, size, align): a paragraph's lines run onto the next page when they
    must; the signature (the last block) stays whole, with the date under it."""
    pages: list[list[tuple[float, float, str, float, str]]] = [[]]
    y = PAGE_H - TOP
    for n, (lines, size, leading, align, before) in enumerate(blocks, 1):
        y -= before if pages[-1] else 0
        if n == len(blocks) and y - leading * len(lines) < BOTTOM:
            pages.append([])
            y = PAGE_H - TOP
        for line in lines:
            if y - leading < BOTTOM:
                pages.append([])
                y = PAGE_H - TOP
            y -= leading
            x = {"left": SIDE, "centre": PAGE_W / 2, "right": PAGE_W - SIDE}[align]
            pages[-1].append((x, y + (leading - size) / 2, line, size, align))
    return pages


def render_commitment_letter(
    program: str, business_name: str, uscc: str, paragraphs: list[str], authority: str, on: dt.date
) -> bytes:
    pages = _laid_out(_blocks(program, business_name, uscc, paragraphs, authority, on))
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    # the programme's text first: that subset of the font is the same in every business's letter,
    # so it is cut and compressed once; only the business's own characters are subset per letter
    seed(
        c._doc, first_subset(title_zh(program) + "承诺书" + "".join(paragraphs) + authority + "0123456789年月日第页共")
    )
    c.setTitle(f"{title_zh(program)}承诺书 {uscc}")
    c.setAuthor("assured")
    for number, lines in enumerate(pages, 1):
        w = Writer(c)
        for x, y, line, size, align in lines:
            w(x, y, line, size, align)
        if len(pages) > 1:
            w(PAGE_W / 2, 8 * mm, page_label(number, len(pages)), 9, "centre")
        w.close()
        c.showPage()
    c.save()
    return buf.getvalue()
