"""承诺书: the commitment letter a business reads and accepts when it applies online, rendered
from the programme's paragraphs in the policy (`commitment_letter.paragraphs`, dated like every
other value). The same business, programme and text give the same bytes, so the SHA-256 recorded
at acceptance names exactly what was read.

Every online application renders one, so it is drawn on a `documents.sheet.Sheet` rather than
through platypus: the policy's paragraphs are broken into lines once per text and width, the
programme's text takes the font's first subset (the same in every business's letter), and only
the lines naming the business are broken per letter. The signature stays whole with its date; a
letter that runs past one page carries "第 x 页 共 y 页" at the foot of each.
"""

from __future__ import annotations

import datetime as dt

from reportlab.lib.units import mm

from checks.calendar import zh_date
from checks.programmes import title_zh
from documents.sheet import PADDING, Sheet

MARGINS = (25 * mm - PADDING, 25 * mm - PADDING)
SIZE, LEADING = 11.5, 20
TITLE_SIZE, TITLE_LEADING = 18, 26
INDENT = "\u3000\u3000"  # a paragraph's first line starts two full-width spaces in
CLOSING = "本承诺书经本单位在企业服务平台在线确认，确认时间、账号和本文件的摘要值记入审核档案。"


def render_commitment_letter(
    program: str, business_name: str, uscc: str, paragraphs: list[str], authority: str, on: dt.date
) -> bytes:
    title = title_zh(program)
    fixed = f"{title}承诺书{''.join(paragraphs)}{authority}{CLOSING}0123456789年月日"
    sheet = Sheet(f"{title}承诺书 {uscc}", fixed, margins=MARGINS)
    sheet.text(f"{title}承诺书", TITLE_SIZE, TITLE_LEADING, "centre")
    sheet.space(6 * mm)
    sheet.text(f"{authority}：", SIZE, LEADING)
    sheet.space(2 * mm)
    sheet.text(f"{INDENT}本单位{business_name}（统一社会信用代码 {uscc}）申请{title}认定，郑重承诺：", SIZE, LEADING)
    for i, text in enumerate(paragraphs, 1):
        sheet.space(2 * mm)
        sheet.text(f"{INDENT}{i}. {text}", SIZE, LEADING)
    sheet.space(4 * mm)
    sheet.text(f"{INDENT}{CLOSING}", SIZE, LEADING)
    sheet.need(12 * mm + 2 * LEADING)  # the signature and its date stay together
    sheet.space(12 * mm)
    sheet.text(f"承诺单位：{business_name}", SIZE, LEADING, "right")
    sheet.text(zh_date(on), SIZE, LEADING, "right")
    return sheet.pdf()
