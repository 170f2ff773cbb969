"""The web pages write dates as Chinese text does (2026年7月28日), never 2026-07-28: the `day` filter
(and `stamp`, to the minute), and every date a template prints — the portal's and the workbench's —
goes through one of them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from web.pages import ENV, TEMPLATES


@pytest.mark.parametrize(
    "value, shown",
    [
        (dt.date(2026, 7, 28), "2026年7月28日"),
        ("2026-07-01", "2026年7月1日"),
        ("2026-07-28T09:15:00+08:00", "2026年7月28日"),
        (None, ""),
    ],
    ids=["a date", "an ISO date", "a timestamp", "none"],
)
def test_the_day_filter_writes_a_chinese_date(value, shown):
    assert ENV.from_string("{{ v | day }}").render(v=value) == shown


@pytest.mark.parametrize(
    "value, shown",
    [
        (dt.datetime(2026, 7, 28, 9, 5, 41), "2026年7月28日 09:05"),
        ("2026-07-28T16:30:00+08:00", "2026年7月28日 16:30"),
        ("2026-07-28", "2026年7月28日"),
        (None, ""),
    ],
    ids=["a datetime", "an ISO timestamp", "a date", "none"],
)
def test_the_stamp_filter_writes_a_chinese_date_and_time(value, shown):
    assert ENV.from_string("{{ v | stamp }}").render(v=value) == shown


def test_every_date_on_the_web_pages_goes_through_the_day_or_stamp_filter():
    # a form field's value (value="…", min="…") keeps ISO, as the browser's date input wants it
    printed = re.compile(
        r"(?<!=\")\{\{\s*([\w.]*(?:_on|_at|valid_from|valid_until|\.at|as_of)\b(?:\[[^]]*\])?[^}|]*(?:\|(?!\s*(?:day|stamp)\b)[^}]*)?)\}\}"
    )
    templates = sorted(TEMPLATES.glob("*.html"))
    assert len(templates) > 10
    for template in templates:
        assert printed.findall(template.read_text(encoding="utf-8")) == [], template.name
