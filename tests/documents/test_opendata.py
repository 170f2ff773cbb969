"""The open-data files' bytes: JSON and CSV as spreadsheet programs and scripts read them."""

from __future__ import annotations

import datetime as dt
import json

from documents.opendata import csv_bytes, json_bytes


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
        "uscc,top_categories,samples",
        "914201,质量(3)；售后(1),",
        "914202,,2026-01-02 质量：坏了",
        "914203,a；b,",
        "",
    ]
