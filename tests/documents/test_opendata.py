"""The open-data files' bytes: JSON and CSV as spreadsheet programs and scripts read them."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re

from documents.opendata import ANNOUNCEMENT_COLUMNS, announcement_csv, announcement_readme, csv_bytes, json_bytes


def test_json_keeps_chinese_and_order_ends_with_a_newline_and_writes_dates_as_text():
    data = json_bytes({"名称": "武汉", "as_of": dt.date(2026, 3, 15), "a": 1})
    assert data.endswith(b"}\n")
    assert "武汉".encode() in data
    assert list(json.loads(data)) == ["名称", "as_of", "a"]
    assert json.loads(data)["as_of"] == "2026-03-15"


def test_csv_has_a_byte_order_mark_lf_line_ends_and_joins_lists_into_one_cell():
    rows = [
        {"uscc": "914201", "top_categories": [{"category": "质量", "count": 3}, {"category": "售后", "count": 1}]},
        {
            "uscc": "914202",
            "top_categories": None,
            "samples": [{"received_on": "2026-01-02", "category": "质量", "text": "坏了"}],
        },
        {"uscc": "914203", "top_categories": ["a", "b"]},
    ]
    data = csv_bytes(rows, ("uscc", "top_categories", "samples"))
    assert data.startswith("\ufeff".encode())
    assert b"\r" not in data
    lines = data.decode("utf-8").lstrip("\ufeff").split("\n")
    assert lines == [
        "统一社会信用代码,主要投诉类别,典型投诉摘要",
        "914201,质量(3)；售后(1),",
        "914202,,2026-01-02 质量：坏了",
        "914203,a；b,",
        "",
    ]


@dataclasses.dataclass
class Entry:
    application_id: int
    business_name: str
    uscc: str
    store_name: str | None
    region_code: str
    score: float


def test_the_announcement_csv_opens_in_excel_with_chinese_headers_each_described_in_its_readme():
    entries = [Entry(7, "=武汉江岸便民超市", "91420102MA4K00010N", None, "420102", 86.5)]
    data = announcement_csv(entries, dt.date(2026, 7, 10))
    assert data.startswith("\ufeff".encode())
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8")[1:])))
    assert header == [
        "申请编号",
        "经营者名称",
        "统一社会信用代码",
        "门店名称",
        "行政区划代码",
        "行政区划",
        "评价得分",
        "公示截止日期",
    ]
    assert row == ["7", "'=武汉江岸便民超市", "91420102MA4K00010N", "", "420102", "武汉市江岸区", "86.5", "2026-07-10"]
    documented = dict(re.findall(r"^\| (\S+) \| `(\w+)` \| .+ \|$", announcement_readme(), re.M))
    assert list(documented) == header and [c.id for c in ANNOUNCEMENT_COLUMNS] == list(documented.values())
    assert "BOM" in announcement_readme()
