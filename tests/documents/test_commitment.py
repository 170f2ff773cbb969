"""The commitment letter (承诺书), read back from its PDF: the business, its code and every
paragraph of the policy's text in order; the same inputs give the same bytes (the hash recorded
at acceptance names what was read); a long text runs onto numbered pages and keeps the
signature with its date."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from checks.policy import load_policy
from documents.commitment import render_commitment_letter

ON = dt.date(2026, 7, 1)
USCC = "91420102MA4K00000X"
AUTHORITY = "武汉市市场监督管理局"
CLOSING = tuple("，。、；：？！）》」』】〕")


def _paragraphs() -> list[str]:
    return load_policy("model_unit").value("commitment_letter.paragraphs", ON)


def _pages(pdf: bytes) -> list[str]:
    return ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _lines(pdf: bytes) -> list[str]:
    return [line.strip() for p in PdfReader(io.BytesIO(pdf)).pages for line in p.extract_text().splitlines()]


def test_the_letter_names_the_business_and_holds_every_paragraph_in_order():
    paragraphs = _paragraphs()
    pdf = render_commitment_letter("model_unit", "武汉江岸第一商贸有限公司", USCC, paragraphs, AUTHORITY, ON)
    [text] = _pages(pdf)
    assert text.startswith("放心消费创建示范单位承诺书武汉市市场监督管理局：")
    assert f"本单位武汉江岸第一商贸有限公司（统一社会信用代码{USCC}）申请放心消费创建示范单位认定" in text
    at = 0
    for i, paragraph in enumerate(paragraphs, 1):
        at = text.index(f"{i}.{''.join(paragraph.split())}", at)  # broken into lines, not cut
    assert text.endswith("承诺单位：武汉江岸第一商贸有限公司2026年7月1日")
    assert "第1页" not in text


def test_the_same_inputs_give_the_same_bytes_and_another_business_other_bytes():
    paragraphs = _paragraphs()
    first = render_commitment_letter("model_unit", "甲商贸有限公司", USCC, paragraphs, AUTHORITY, ON)
    assert render_commitment_letter("model_unit", "甲商贸有限公司", USCC, list(paragraphs), AUTHORITY, ON) == first
    assert render_commitment_letter("model_unit", "乙商贸有限公司", USCC, paragraphs, AUTHORITY, ON) != first
    assert (
        render_commitment_letter("model_unit", "甲商贸有限公司", USCC, paragraphs, AUTHORITY, ON.replace(day=2))
        != first
    )


def test_a_long_text_runs_onto_numbered_pages_and_keeps_the_signature_with_its_date():
    paragraphs = _paragraphs() * 6
    pdf = render_commitment_letter("seven_day_return", "武汉江岸商贸有限公司", USCC, paragraphs, AUTHORITY, ON)
    pages = _pages(pdf)
    assert len(pages) >= 2
    for i, text in enumerate(pages, 1):
        assert f"第{i}页共{len(pages)}页" in text
    assert "承诺单位：武汉江岸商贸有限公司2026年7月1日" in pages[-1]
    assert f"{len(paragraphs)}." in "".join(pages)
    assert not [line for line in _lines(pdf) if line.startswith(CLOSING)]


def _font_files(pdf: bytes) -> set[bytes]:
    """The embedded font subsets' bytes (FontFile2 streams) of a PDF."""
    found = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                found.add(descriptor.get_object()["/FontFile2"].get_object().get_data())
    return found


def test_letters_of_different_businesses_share_the_programme_text_subset():
    # the programme's text is set first, so that subset of the font is the same bytes in every
    # business's letter (cut and compressed once); only the business's own characters differ
    paragraphs = _paragraphs()
    one = render_commitment_letter("model_unit", "鑫淼焱垚商贸有限公司", USCC, paragraphs, AUTHORITY, ON)
    two = render_commitment_letter("model_unit", "麟麒凤凰餐饮有限公司", USCC, paragraphs, AUTHORITY, ON)
    first, second = _font_files(one), _font_files(two)
    if not first:
        pytest.skip("no embedded CJK font on this machine (the fallback is not subset)")
    assert first & second, "no font subset in common: the letter's first subset depends on the business"
    assert first != second
