"""Tables that read well: one continuous table per list with its header at the top of every page
(never again mid-page), its last row never alone on a page, and a store-name column only when
some store's name differs from its business's."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from checks.uscc import make_uscc
from documents.disclosures import Doc
from documents.letters import AnnouncedEntry, AnnouncementList, render_announcement


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _list(n: int) -> list[str]:
    d = Doc()
    d.add("名单", "h2")
    d.table(
        ["序号", "经营者名称", "统一社会信用代码"],
        [[str(i), f"武汉第{i}商贸有限公司", make_uscc("420102", f"MA{i:06d}")] for i in range(1, n + 1)],
        [20 * mm, 80 * mm, 50 * mm],
    )
    return _pages(d.build("名单", landscape(A4)))


def _rows_on(page: str) -> int:
    return sum("商贸有限公司" in line for line in page.splitlines())


def test_a_long_list_is_one_table_with_its_header_once_at_the_top_of_each_page():
    pages = _list(130)
    assert len(pages) >= 4
    assert [p.count("经营者名称") for p in pages] == [1] * len(pages)
    for p in pages:  # the header comes before the page's first row
        assert p.index("经营者名称") < p.index("商贸有限公司")
    assert sum(_rows_on(p) for p in pages) == 130


@pytest.mark.parametrize("n", range(20, 90, 3))
def test_the_last_row_of_a_list_never_stands_alone_on_a_page(n):
    pages = _list(n)
    if len(pages) > 1:
        assert _rows_on(pages[-1]) >= 2, [_rows_on(p) for p in pages]
    assert sum(_rows_on(p) for p in pages) == n


def _announcement(stores: list[str]) -> str:
    entries = tuple(
        AnnouncedEntry(i, f"武汉第{i}商贸有限公司", make_uscc("420102", f"MA{i:06d}"), store, "420102", 90.0)
        for i, store in enumerate(stores, 1)
    )
    pdf = render_announcement(
        AnnouncementList(
            7, "seven_day_return", dt.date(2026, 7, 1), dt.date(2026, 7, 8), "湖北省市场监督管理局", entries
        )
    )
    return "".join(_pages(pdf))


def test_an_announcement_shows_store_names_only_when_one_differs_from_its_business():
    assert "门店名称" not in _announcement(["武汉第1商贸有限公司", "武汉第2商贸有限公司", ""])
    text = _announcement(["武汉第1商贸有限公司", "江岸第2门店"])
    assert "门店名称" in text and "江岸第2门店" in text and "—" in text
