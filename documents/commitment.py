"""承诺书: the commitment letter a business reads and accepts when it applies online, rendered
from the programme's paragraphs in the policy (`commitment_letter.paragraphs`, dated like every
other value). The same business, programme and text give the same bytes, so the SHA-256 recorded
at acceptance names exactly what was read."""

from __future__ import annotations

import datetime as dt

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from checks.calendar import zh_date
from checks.programmes import title_zh
from documents.drawing import build, paragraph, styles


def render_commitment_letter(
    program: str, business_name: str, uscc: str, paragraphs: list[str], authority: str, on: dt.date
) -> bytes:
    s = styles(
        11,
        19,
        title=dict(fontSize=18, leading=26, alignment=TA_CENTER),
        right=dict(alignment=2),
        item=dict(firstLineIndent=22),
    )
    story = [
        paragraph(f"{title_zh(program)}承诺书", s["title"]),
        Spacer(1, 6 * mm),
        paragraph(f"{authority}：", s["body"]),
        Spacer(1, 2 * mm),
        paragraph(
            f"本单位{business_name}（统一社会信用代码 {uscc}）申请{title_zh(program)}认定，郑重承诺：", s["item"]
        ),
        Spacer(1, 2 * mm),
        *[paragraph(f"{i}. {text}", s["item"]) for i, text in enumerate(paragraphs, 1)],
        Spacer(1, 4 * mm),
        paragraph("本承诺书经本单位在企业服务平台在线确认，确认时间、账号和本文件的摘要值记入审核档案。", s["item"]),
        Spacer(1, 12 * mm),
        paragraph(f"承诺单位：{business_name}", s["right"]),
        paragraph(zh_date(on), s["right"]),
    ]
    return build(story, f"{title_zh(program)}承诺书 {uscc}")
