"""Every multi-page PDF numbers its pages "第 x 页 共 y 页"; a one-page one carries no number."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from checks.uscc import make_uscc
from documents.letters import AnnouncedEntry, AnnouncementList, render_announcement


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _announcement(n: int) -> bytes:
    entries = tuple(
        AnnouncedEntry(i, f"武汉第{i}商贸有限公司", make_uscc("420102", f"MA{i:06d}"), f"江岸第{i}门店", "420102", 90.0)
        for i in range(1, n + 1)
    )
    return render_announcement(
        AnnouncementList(7, "model_unit", dt.date(2026, 7, 1), dt.date(2026, 7, 8), "湖北省市场监督管理局", entries)
    )


def test_each_page_of_a_long_list_says_which_of_how_many_it_is():
    pages = _pages(_announcement(120))
    assert len(pages) > 2
    for i, text in enumerate(pages, 1):
        assert f"第 {i} 页 共 {len(pages)} 页" in " ".join(text.split())  # runs come out apart


def test_a_one_page_document_carries_no_page_number():
    [text] = _pages(_announcement(3))
    assert "第 1 页" not in text
