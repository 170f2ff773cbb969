"""The status notice drawn on a canvas (`documents.sheet`): a long list of findings runs onto
further pages with the table's header repeated and every page numbered, nothing is lost, the
closing stays whole on one page, and the same notice gives the same bytes."""

from __future__ import annotations

import io

from pypdf import PdfReader

from certificates.status import CertificateState
from documents.letters import Finding, StatusNotice, render_status_notice
from registry.notices import redress
from tests.documents.test_official_form import AUTHORITY, FORM, ON, USCC, text_of


def _notice(findings: int, name: str = "武汉汉正街服饰有限公司") -> StatusNotice:
    rows = tuple(
        Finding(
            "V3", f"第{i}项检查", "veto", "列入经营异常名录（未按时年报）" * (1 + i % 3), "补报年度报告后申请移出。"
        )
        for i in range(1, findings + 1)
    )
    return StatusNotice(
        "model_unit",
        name,
        USCC,
        "鄂放心〔2025〕第420000-000001号",
        CertificateState.suspended,
        ON,
        "列入经营异常名录",
        FORM,
        redress("model_unit", ON, AUTHORITY),
        rows,
    )


def _pages(pdf: bytes) -> list[str]:
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_long_notice_repeats_the_table_header_and_numbers_every_page():
    pdf = render_status_notice(_notice(45))
    pages = _pages(pdf)
    assert len(pages) >= 2
    for i, text in enumerate(pages, 1):
        assert f"第{i}页共{len(pages)}页" in text
    for text in pages[1:]:
        if "第" in text and "项检查" in text:
            assert text.startswith("事项情况整改建议")  # the header row at the top of the page
    every = "".join(pages)
    assert all(f"第{i}项检查" in every for i in range(1, 46))
    closing = f"{AUTHORITY}2026年6月30日{AUTHORITY}（联系方式"
    assert closing in pages[-1] and sum(closing in p for p in pages) == 1


def test_a_one_page_notice_carries_no_page_number_and_reads_in_order():
    [text] = _pages(render_status_notice(_notice(2)))
    assert "第1页" not in text
    assert text.index("暂停放心消费创建示范单位证书的通知书") < text.index("武汉汉正街服饰有限公司（统一社会信用代码")
    assert text.index("第1项检查") < text.index("第2项检查") < text.index("暂停期间不得使用该称号及证书")


def test_the_same_notice_gives_the_same_bytes_and_another_name_is_set_in_it():
    assert render_status_notice(_notice(3)) == render_status_notice(_notice(3))
    other = text_of(render_status_notice(_notice(3, "襄阳市樊城区鑫隆五金机电经营部")))
    assert "襄阳市樊城区鑫隆五金机电经营部（统一社会信用代码" in other
