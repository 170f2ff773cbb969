"""The official form of a letter or notice, after GB/T 9704-2012《党政机关公文格式》(信函格式) as far
as it applies to a bureau's letters to businesses and to other bureaus:

- 发文机关标志: the authority's name in red at the top, a red rule under it;
- 发文字号: the document number (鄂市监消〔2026〕17号) at the right under the rule;
- 标题: issuer, subject and kind ("湖北省市场监督管理局关于……的告知书"), centred;
- 主送机关: the addressee's full name and a colon (the renderer writes it);
- 正文 (the renderer's);
- 落款: the issuing authority and the date in Chinese form (2026年6月30日), right-aligned, under the
  drawn seal, which presses on both (GB/T 9704, 7.3.5.1: 端正、居中下压发文机关署名和成文日期);
- 附注: the contact line, bracketed, under the date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, HRFlowable, KeepTogether, Spacer

from checks.calendar import zh_date
from documents.drawing import canvas_text, draw_seal, paragraph, styles
from documents.fonts import cjk_font
from documents.sheet import Sheet, lines

RED = colors.HexColor("#d0141a")
RED_RGB = RED.rgb()
TITLE_SIZE = 16
SEAL_R = 19 * mm  # a 38 mm seal (GB/T 9704 leaves the size to the seal; 42 mm is the usual 公章)


@dataclass(frozen=True)
class Official:
    """What the official form puts around a letter's body: the authority that issues and seals it,
    its document number ("" for a document that is not numbered), the date and the contact line."""

    authority: str
    number: str
    on: dt.date
    contact: str = ""


def official_title(authority: str, subject: str, kind: str) -> str:
    """标题: 发文机关 + 关于 + 事由 + 的 + 文种."""
    return f"{authority}关于{subject}的{kind}"


def _styles():
    return styles(
        10.5,
        16,
        masthead=dict(fontSize=22, leading=28, alignment=TA_CENTER, textColor=RED),
        number=dict(alignment=2),
        title=dict(fontSize=TITLE_SIZE, leading=24, alignment=TA_CENTER),
        note=dict(fontSize=9.5, leading=14),
    )


def _title_lines(form: Official, title: str, width: float) -> str:
    """A title wider than `width` (the frame's) breaks after the issuer's name, so no line holds a
    stray character of a word."""
    if cjk_font().width(title, TITLE_SIZE) > width and title.startswith(form.authority + "关于"):
        return f"{form.authority}\n{title[len(form.authority) :]}"
    return title


def heading(form: Official, title: str, width: float = 174 * mm) -> list[Flowable]:
    """Masthead, red rule, document number and title (broken as `_title_lines` says)."""
    s = _styles()
    title = _title_lines(form, title, width)
    story: list[Flowable] = [
        paragraph(form.authority, s["masthead"]),
        Spacer(1, 2 * mm),
        HRFlowable(width="100%", thickness=1.6, color=RED, spaceAfter=0.6 * mm),
        HRFlowable(width="100%", thickness=0.5, color=RED, spaceAfter=2 * mm),
    ]
    if form.number:
        story.append(paragraph(form.number, s["number"]))
    story += [Spacer(1, 5 * mm), *(paragraph(line, s["title"]) for line in title.split("\n")), Spacer(1, 5 * mm)]
    return story


class Signature(Flowable):
    """落款: the authority and the date, right-aligned, with the seal pressed over both."""

    def __init__(self, authority: str, on: dt.date, size: float = 10.5):
        super().__init__()
        self.authority, self.date, self.size = authority, zh_date(on), size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = 2 * SEAL_R + 4 * mm
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        right = self.width - 8 * mm
        name_y, date_y = SEAL_R + 3 * mm, SEAL_R - 4 * mm
        canvas_text(c, right, name_y, self.authority, self.size + 1, "end")
        canvas_text(c, right, date_y, self.date, self.size, "end")
        centre = right - cjk_font().width(self.authority, self.size + 1) / 2
        draw_seal(c, centre, SEAL_R + 2 * mm, SEAL_R, self.authority)


def closing(form: Official) -> Flowable:
    """落款, seal and the contact line, kept on one page."""
    parts: list[Flowable] = [Spacer(1, 6 * mm), Signature(form.authority, form.on)]
    if form.contact:
        parts.append(paragraph(f"（{form.contact}）", _styles()["note"]))
    return KeepTogether(parts)


def draw_heading(sheet: Sheet, form: Official, title: str) -> None:
    """`heading` drawn on a `Sheet`: the same masthead, double red rule, number and title."""
    sheet.text(form.authority, 22, 28, "centre", RED_RGB)
    sheet.space(2 * mm)
    sheet.rule(1.6, RED, after=0.6 * mm)
    sheet.rule(0.5, RED, after=2 * mm)
    if form.number:
        sheet.text(form.number, 10.5, 16, "right")
    sheet.space(5 * mm)
    sheet.text(_title_lines(form, title, 174 * mm), TITLE_SIZE, 24, "centre")
    sheet.space(5 * mm)


def draw_closing(sheet: Sheet, form: Official) -> None:
    """`closing` drawn on a `Sheet`: 落款 and date under the seal, and the contact line, on one page."""
    note = f"（{form.contact}）" if form.contact else ""
    note_height = 14 * len(lines(note, 9.5, sheet.width)) if note else 0
    signature = 2 * SEAL_R + 4 * mm

    def draw(s: Sheet, bottom: float) -> None:
        base = bottom + note_height
        right = s.x0 + s.width - 8 * mm
        s.w(right, base + SEAL_R + 3 * mm, form.authority, 11.5, "right", (0, 0, 0))
        s.w(right, base + SEAL_R - 4 * mm, zh_date(form.on), 10.5, "right", (0, 0, 0))
        s.flush()  # the seal's lettering comes after the 落款 in the page's text
        draw_seal(
            s.c, right - cjk_font().width(form.authority, 11.5) / 2, base + SEAL_R + 2 * mm, SEAL_R, form.authority
        )
        if note:
            s.y = base
            s.text(note, 9.5, 14)

    sheet.block(6 * mm + signature + note_height, draw)
